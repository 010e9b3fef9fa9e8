"""Lesson 02's explorer, heavy-ball and Nesterov momentum on the narrow valley, and its look-ahead picture.

``momentum_on_valley(lr, momentum, nesterov, steps)`` draws the path of
``optim.SGD(lr, momentum, nesterov)`` next to plain gradient descent with the
same lr, and the loss of both against the step. The legend gives each run's
predicted rate (the factor by which the distance to the minimum shrinks per
step, from the eigenvalues of the update on the quadratic); the title gives
the optimal beta* and alpha* of lesson 02, so a student can set the sliders
to them and watch the rate drop. Both come from ``course_lib.theory.momentum_rates``.

``lookahead_step_figure(theta, v, lr, momentum)`` draws one step of the heavy ball
and of Nesterov from the same state (theta_{t-1}, v_{t-1}) in Sutskever's velocity
form: the momentum part they share, where each takes its gradient, and where each
step ends.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

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
        style = {**plots.style_for(key), "color": colors[key]}
        ax_path.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1.3, **style,
                     label=labels[key], zorder=3, alpha=faded)
        ax_loss.semilogy(np.arange(len(path)), VALLEY(path), **style, label=labels[key])
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


def lookahead_step_figure(theta, v, lr: float, momentum: float):
    """One step of heavy ball and of Nesterov from the same (theta_{t-1}, v_{t-1}) on the narrow valley.

    Both move by the momentum part -momentum * v to the look-ahead point; the heavy
    ball then adds -lr * grad f(theta_{t-1}), Nesterov -lr * grad f(look-ahead).
    Drawn: that shared arrow, Nesterov's gradient arrow, both end points (the heavy
    ball's gradient part is marked by its end point: on the floor it is too short
    for an arrow), the valley floor, and labels on the two points where the
    gradients are taken. Returns the figure.
    """
    theta, v = np.asarray(theta, dtype=np.float64), np.asarray(v, dtype=np.float64)
    lookahead = theta - momentum * v
    heavy_end = lookahead - lr * VALLEY.grad(theta)
    nesterov_end = lookahead - lr * VALLEY.grad(lookahead)
    floor = np.array([math.cos(math.pi / 6), math.sin(math.pi / 6)])   # the valley's flat direction
    colors = {"momentum": "0.35", "Momentum": plots.color_for("Momentum"), "Nesterov": plots.color_for("Nesterov")}

    figure, ax = plt.subplots(figsize=(8.5, 7))
    plots.plot_landscape(VALLEY, ax=ax, levels=40)
    ax.axline((0.0, 0.0), floor, color="0.25", linestyle=":", linewidth=1.2)
    for start, end, color in ((theta, lookahead, colors["momentum"]), (lookahead, nesterov_end, colors["Nesterov"])):
        ax.annotate("", xy=end, xytext=start, zorder=4, arrowprops=dict(
            arrowstyle="-|>", color=color, linewidth=2.4, mutation_scale=22, shrinkA=0, shrinkB=0))
    end_marker = dict(marker="o", markeredgecolor="black", markersize=11, zorder=5)
    ax.plot(*heavy_end, color=colors["Momentum"], **end_marker)
    ax.plot(*nesterov_end, color=colors["Nesterov"], **end_marker)
    ax.plot(*theta, "ko", markersize=7, zorder=5)
    ax.plot(*lookahead, "o", color=colors["momentum"], markersize=5, zorder=6)
    text = dict(textcoords="offset points", fontsize=10, bbox=dict(boxstyle="round", facecolor="white", alpha=0.85))
    ax.annotate(r"$\theta_{t-1}$, on the floor:" "\nthe heavy ball's gradient is taken here", theta,
                xytext=(14, -30), **text)
    ax.annotate(r"look-ahead $\theta_{t-1} - \beta v_{t-1}$:" "\nNesterov's gradient is taken here", lookahead,
                xytext=(22, 16), **text)
    points = np.array([theta, lookahead, heavy_end, nesterov_end])
    low, high = points.min(axis=0) - [0.6, 0.42], points.max(axis=0) + [0.7, 0.28]
    label_x = low[0] + 0.15
    ax.annotate("valley floor", (label_x, label_x * floor[1] / floor[0]), xytext=(0, 6), textcoords="offset points",
                color="0.25", rotation=30, rotation_mode="anchor")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_aspect("equal")
    ax.set_xlabel(plots.THETA_LABELS[0])
    ax.set_ylabel(plots.THETA_LABELS[1])
    dot = dict(marker="o", linestyle="none", markeredgecolor="black", markersize=9)
    legend = [Line2D([], [], color=colors["momentum"], linewidth=2.4, label=r"momentum part $-\beta v_{t-1}$ (both)"),
              Line2D([], [], color=colors["Nesterov"], linewidth=2.4,
                     label=r"Nesterov's gradient part $-\alpha\nabla f(\theta_{t-1} - \beta v_{t-1})$"),
              Line2D([], [], color=colors["Momentum"], **dot,
                     label=r"heavy ball's $\theta_t$ (its gradient part $-\alpha\nabla f(\theta_{t-1})$ is tiny)"),
              Line2D([], [], color=colors["Nesterov"], **dot, label=r"Nesterov's $\theta_t$")]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=9)
    ax.set_title(rf"One step from the same state ($\alpha$ = {lr:g}, $\beta$ = {momentum:g}): where the gradient is taken")
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

__all__ = ["lookahead_step_figure", "momentum_on_valley", "EXPLORERS"]
