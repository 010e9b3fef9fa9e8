"""Lesson 03's explorer: AdaGrad against plain gradient descent on the narrow valley.

``adagrad_explorer(lr, eps, initial_accumulator_value, steps)`` draws, side by
side, the path of ``optim.Adagrad(lr, eps=eps, initial_accumulator_value=...)``
and of plain gradient descent with the same lr on the narrow valley, and each
coordinate's effective step size alpha / (sqrt(G_t) + eps) against the step t.
GD's effective step is lr, the same for both coordinates and for ever; AdaGrad's
starts near lr / |g_1| in each coordinate (capped by the initial accumulator)
and can only shrink, because G_t only grows.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim, plots

VALLEY = landscapes.narrow_valley()


def adagrad_run(lr: float, eps: float, initial_accumulator_value: float, steps: int):
    """AdaGrad on the narrow valley: the path (steps + 1, 2) and the effective steps (steps, 2).

    Row t - 1 of the effective steps is alpha / (sqrt(G_t) + eps) per coordinate
    after step t, the factor that multiplied g_t in that step.
    """
    opt = optim.Adagrad(lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value)
    theta = np.array(VALLEY.start, dtype=np.float64)
    state = opt.init(theta)
    path, effective = [theta], []
    for _ in range(steps):
        theta, state = opt.step(theta, VALLEY.grad(theta), state)
        path.append(theta)
        effective.append(lr / (np.sqrt(state.sum_sq) + eps))
    return np.array(path), np.array(effective)


def _gd_label(path: np.ndarray, steps: int) -> str:
    if len(path) < steps + 1:
        return f"GD: diverged at step {len(path) - 1} (lr > 2/L = {2 / VALLEY.L:.2g})"
    return f"GD: final loss {VALLEY(path[-1]):.2g}"


def adagrad_explorer(lr: float = 0.3, eps: float = 1e-10, initial_accumulator_value: float = 0.0,
                     steps: int = 60):
    """The paths of AdaGrad and GD (same lr) on the narrow valley, and AdaGrad's effective step per coordinate."""
    steps = int(steps)
    ada_path, effective = adagrad_run(lr, eps, initial_accumulator_value, steps)
    gd_path = landscapes.trajectory(optim.SGD(lr=lr), VALLEY, steps=steps)
    colors = plots.colors_for(["SGD", "AdaGrad"])

    figure, (ax_path, ax_step) = plt.subplots(1, 2, figsize=(11.5, 4.2), gridspec_kw={"width_ratios": [1.35, 1]})
    plots.plot_landscape(VALLEY, ax=ax_path, levels=20, resolution=110)
    ax_path.plot(gd_path[:, 0], gd_path[:, 1], "-o", color=colors["SGD"], markersize=2.5, linewidth=1.3,
                 label=_gd_label(gd_path, steps), zorder=3)
    ax_path.plot(ada_path[:, 0], ada_path[:, 1], "-o", color=colors["AdaGrad"], markersize=2.5, linewidth=1.3,
                 label=f"AdaGrad: final loss {VALLEY(ada_path[-1]):.2g}", zorder=3)
    ax_path.plot(*VALLEY.start, "o", markersize=9, markerfacecolor="none", markeredgecolor="black", zorder=4)
    ax_path.set_xlim(VALLEY.xlim)
    ax_path.set_ylim(VALLEY.ylim)
    ax_path.legend(loc="lower right", fontsize=8)
    ax_path.set_title(f"{steps} steps, lr = {lr:.3g}, eps = {eps:.2g}, G_0 = {initial_accumulator_value:.3g}",
                      fontsize=9)

    t = np.arange(1, steps + 1)
    ax_step.loglog(t, effective[:, 0], color=colors["AdaGrad"], label=r"AdaGrad, $\theta_1$")
    ax_step.loglog(t, effective[:, 1], color=colors["AdaGrad"], linestyle="--", label=r"AdaGrad, $\theta_2$")
    ax_step.loglog(t, np.full(steps, lr), color=colors["SGD"], label=r"GD: $\alpha$ for both, always")
    ax_step.set_xlabel("step t")
    ax_step.set_ylabel(r"effective step $\alpha / (\sqrt{G_t} + \epsilon)$")
    ax_step.set_title("per-coordinate step size: AdaGrad's only shrinks", fontsize=9)
    ax_step.legend(fontsize=8)
    figure.suptitle("AdaGrad vs gradient descent on the narrow valley (same lr)", fontsize=11)
    # fixed margins: tight_layout would cost more than the rest of the callback
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.86, wspace=0.25)
    return figure


EXPLORERS = {
    "lesson03_adagrad": (adagrad_explorer, [
        dict(lr=0.3, eps=1e-10, initial_accumulator_value=0.0, steps=60),    # the default: GD bounces, AdaGrad slides
        dict(lr=3.0, eps=1e-10, initial_accumulator_value=0.0, steps=200),   # extreme lr: GD diverges, AdaGrad does not
        dict(lr=0.01, eps=1e-10, initial_accumulator_value=0.0, steps=500),  # tiny lr: AdaGrad stalls
        dict(lr=0.5, eps=1.0, initial_accumulator_value=0.0, steps=60),      # eps as large as the gradients
        dict(lr=0.5, eps=1e-10, initial_accumulator_value=10.0, steps=10),   # a large G_0: timid first steps
    ]),
}

__all__ = ["adagrad_explorer", "adagrad_run", "EXPLORERS"]
