"""Lesson 05 (Adam): the explorer.

``adam_explorer(lr, beta1, beta2, eps, x0, y0, landscape)``: Adam's path on a
landscape from a chosen start, with plain SGD at the same lr for reference,
and, beside it, the size of each step measured in units of lr against the
bound Kingma and Ba state in section 2.1 of the Adam paper
(``course_lib.theory.step_bounds.paper_step_bound``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim
from ..plots import color_for, plot_trajectories
from ..theory.step_bounds import paper_step_bound

EXPLORER_STEPS = 200


def adam_explorer(lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                  x0: float = 1.0, y0: float = 1.5, landscape: str = "Beale"):
    """Adam (and SGD with the same lr) from (x0, y0) on a landscape of ``landscapes.LANDSCAPES``.

    Left: both paths over the contours. Right: |Delta theta_i| / lr for each
    coordinate of Adam's steps, against the paper's bound, and for SGD, whose
    step in units of lr is the gradient itself.
    """
    land = landscapes.LANDSCAPES[landscape]()
    start = np.array([x0, y0], dtype=np.float64)
    adam_path = landscapes.trajectory(optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps), land, start,
                                      steps=EXPLORER_STEPS)
    sgd_path = landscapes.trajectory(optim.SGD(lr=lr), land, start, steps=EXPLORER_STEPS)

    fig, (ax_path, ax_step) = plt.subplots(1, 2, figsize=(11.5, 4.6), gridspec_kw={"width_ratios": [1, 1.25]})
    plot_trajectories(land, {"SGD": sgd_path, "Adam": adam_path}, ax=ax_path, resolution=120, markersize=2.0)
    with np.errstate(all="ignore"):
        sgd_note = ("SGD diverged" if len(sgd_path) < EXPLORER_STEPS + 1
                    else f"SGD ends at f = {land(sgd_path[-1]):.3g}")
        ax_path.set_title(f"{land.name}: Adam ends at f = {land(adam_path[-1]):.3g}; {sgd_note}", fontsize=10)

    adam_steps = np.abs(np.diff(adam_path, axis=0)) / lr
    sgd_steps = np.abs(np.diff(sgd_path, axis=0)).max(axis=1) / lr if len(sgd_path) > 1 else np.zeros(0)
    t = np.arange(1, len(adam_steps) + 1)
    adam_color = color_for("Adam")
    ax_step.plot(t, adam_steps[:, 0], color=adam_color, lw=1.4, label=r"Adam, $|\Delta\theta_1|/\alpha$")
    ax_step.plot(t, adam_steps[:, 1], color=adam_color, lw=1.4, ls=":", label=r"Adam, $|\Delta\theta_2|/\alpha$")
    ax_step.plot(np.arange(1, len(sgd_steps) + 1), sgd_steps, color=color_for("SGD"), lw=1.0, alpha=0.7,
                 label=r"SGD, $\max_i |\Delta\theta_i|/\alpha = \max_i |g_i|$")
    bound = paper_step_bound(beta1, beta2)
    ax_step.axhline(1.0, color="black", lw=0.8, label=r"$|\Delta| = \alpha$")
    if bound > 1.0:
        ax_step.axhline(bound, color="black", lw=0.8, ls="--",
                        label=rf"paper's sparse-case bound $(1-\beta_1)/\sqrt{{1-\beta_2}}$ = {bound:.3g}")
    ax_step.set_yscale("log")
    positive = np.concatenate([adam_steps[adam_steps > 0], sgd_steps[sgd_steps > 0]])
    low = max(positive.min(), 1e-6) if positive.size else 1e-3
    high = max(10.0 * bound, 10.0)
    if sgd_steps.size:  # capped: a diverging SGD run would squash Adam's curves to the bottom
        high = max(high, min(2.0 * sgd_steps.max(), 1e3))
    ax_step.set_ylim(low / 2, high)
    ax_step.set_xlabel("step t")
    ax_step.set_ylabel("step size in units of lr")
    ax_step.set_title(f"Step sizes (lr = {lr:.3g}, betas = ({beta1:.3g}, {beta2:.4g}), eps = {eps:.1g})",
                      fontsize=10)
    ax_step.legend(fontsize=7.5, loc="best", framealpha=0.85)
    # fixed margins: tight_layout would cost more than all the optimization above
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.11, top=0.92, wspace=0.22)
    return fig


EXPLORERS = {
    "lesson05_adam": (adam_explorer, [
        dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, x0=1.0, y0=1.5, landscape="Beale"),
        # a huge eps, of the order of sqrt(v_hat) here (above it for the first steps, below it later):
        # Adam's steps lie between its usual ones and momentum SGD's with learning rate lr / eps
        dict(lr=1.0, beta1=0.0, beta2=0.5, eps=100.0, x0=-1.2, y0=1.0, landscape="Rosenbrock"),
        # a tiny lr: SGD is fine here, Adam crawls (200 steps of at most ~lr each)
        dict(lr=1e-3, beta1=0.99, beta2=0.9999, eps=1e-10, x0=-4.0, y0=4.0, landscape="Himmelblau"),
        dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-4, x0=2.0, y0=1e-3, landscape="Saddle"),
        dict(lr=0.3, beta1=0.9, beta2=0.999, eps=1e-8, x0=-2.5, y0=-0.5, landscape="Narrow valley"),
        dict(lr=0.5, beta1=0.999, beta2=0.9999, eps=1e-8, x0=4.5, y0=-4.5, landscape="Quadratic"),
    ]),
}
