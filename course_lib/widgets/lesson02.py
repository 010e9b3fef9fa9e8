"""Lesson 02's explorer: heavy-ball and Nesterov momentum on the narrow valley.

``momentum_on_valley(lr, momentum, nesterov, steps)`` draws the path of
``optim.SGD(lr, momentum, nesterov)`` next to plain gradient descent with the
same lr, and the loss of both against the step. The legend gives each run's
predicted rate (the factor by which the distance to the minimum shrinks per
step, from the eigenvalues of the update on the quadratic); the title gives
the optimal beta* and alpha* of lesson 02, so a student can set the sliders
to them and watch the rate drop. Both come from ``course_lib.theory.momentum_rates``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim, plots
from ..theory.momentum_rates import optimal_heavy_ball, predicted_rate

VALLEY = landscapes.narrow_valley()


def _label(name: str, path: np.ndarray, steps: int, rate: float) -> str:
    if len(path) < steps + 1:
        return f"{name}: diverged at step {len(path) - 1}"
    return f"{name}: rate {rate:.3f} per step"


def momentum_on_valley(lr: float = 0.1, momentum: float = 0.9, nesterov: bool = False, steps: int = 60):
    """Paths and losses of momentum (or Nesterov) and of plain GD, same lr, on the narrow valley."""
    steps = int(steps)
    nesterov = bool(nesterov) and momentum > 0  # torch refuses Nesterov without momentum
    name = "Nesterov" if nesterov else "Momentum"
    curvatures = (VALLEY.mu, VALLEY.L)
    paths = {
        "SGD": landscapes.trajectory(optim.SGD(lr=lr), VALLEY, steps=steps),
        name: landscapes.trajectory(optim.SGD(lr=lr, momentum=momentum, nesterov=nesterov), VALLEY, steps=steps),
    }
    rates = {"SGD": predicted_rate(lr, 0.0, False, curvatures),
             name: predicted_rate(lr, momentum, nesterov, curvatures)}
    labels = {key: _label("GD" if key == "SGD" else key, path, steps, rates[key]) for key, path in paths.items()}

    figure, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11.5, 4.2), gridspec_kw={"width_ratios": [1.35, 1]})
    plots.plot_landscape(VALLEY, ax=ax_path, levels=20, resolution=110)
    colors = plots.colors_for(paths)
    for key, path in paths.items():
        faded = 0.35 if len(path) < steps + 1 else 1.0  # a diverging path would hide the other one
        ax_path.plot(path[:, 0], path[:, 1], "-o", color=colors[key], markersize=2.5, linewidth=1.3,
                     label=labels[key], zorder=3, alpha=faded)
        ax_loss.semilogy(np.arange(len(path)), VALLEY(path), color=colors[key], label=labels[key])
    ax_path.plot(*VALLEY.start, "o", markersize=9, markerfacecolor="none", markeredgecolor="black", zorder=4)
    ax_path.set_xlim(VALLEY.xlim)
    ax_path.set_ylim(VALLEY.ylim)
    ax_path.legend(loc="lower right", fontsize=8)
    alpha_star, beta_star = optimal_heavy_ball(VALLEY.L, VALLEY.mu)
    ax_path.set_title(rf"$\alpha$ = {lr:.3g}, $\beta$ = {momentum:.3g}: effective step "
                      rf"$\alpha/(1-\beta)$ = {lr / (1 - momentum):.3g}", fontsize=10)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel(r"loss $f(\theta_t)$ (minimum 0)")
    ax_loss.set_ylim(1e-12, 1e3)
    ax_loss.set_xlim(0, steps)
    ax_loss.legend(fontsize=8)
    ax_loss.set_title("Loss per step (legend: rate per step, from the roots)", fontsize=10)
    figure.suptitle(rf"Narrow valley ($\kappa$ = {VALLEY.condition_number:.0f}): the optimal heavy ball is "
                    rf"$\beta^*$ = {beta_star:.3f} with $\alpha^*$ = {alpha_star:.3f}", fontsize=11)
    # fixed margins: tight_layout would cost more than the rest of the callback
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.86, wspace=0.22)
    return figure


EXPLORERS = {
    "lesson02_momentum_on_valley": (momentum_on_valley, [
        dict(lr=0.1, momentum=0.9, nesterov=False, steps=60),     # the default: momentum spirals, GD crawls
        dict(lr=0.614, momentum=0.566, nesterov=False, steps=80),  # near alpha*, beta*
        dict(lr=0.3, momentum=0.9, nesterov=True, steps=100),     # Nesterov diverges where heavy ball does not
        dict(lr=1.0, momentum=0.99, nesterov=False, steps=200),   # extreme: both diverge
        dict(lr=0.005, momentum=0.0, nesterov=True, steps=10),    # extreme: no momentum, tiny steps
    ]),
}

__all__ = ["momentum_on_valley", "EXPLORERS"]
