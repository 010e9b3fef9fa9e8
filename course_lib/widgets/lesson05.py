"""Lesson 05 (Adam): the explorer.

``AdamExplorer``: Adam's path on a landscape from a chosen start, with plain SGD
at the same lr for reference, and, beside it, the size of each step measured in
units of lr against the bound Kingma and Ba state in section 2.1 of the Adam
paper (``course_lib.theory.step_bounds.paper_step_bound``). Its controls:
``lr, beta1, beta2, eps, x0, y0, landscape``.
"""

from __future__ import annotations

import numpy as np

from .. import landscapes, optim
from ..i18n import _
from ..plots import color_for
from ..theory.step_bounds import paper_step_bound
from .limits import log_limits
from .panels import LandscapePaths, finite_prefix
from .scene import Scene

EXPLORER_STEPS = 200


def step_sizes_in_lr(path: np.ndarray, lr: float) -> np.ndarray:
    """|theta_t - theta_{t-1}| / lr for each step and coordinate of a path: shape (steps, 2)."""
    return np.abs(np.diff(path, axis=0)) / lr


class AdamExplorer(Scene):
    """Adam (and SGD with the same lr) from (x0, y0) on a landscape of ``landscapes.LANDSCAPES``.

    Left: both paths over the contours. Right: |Delta theta_i| / lr for each
    coordinate of Adam's steps, against the paper's bound, and for SGD, whose
    step in units of lr is the gradient itself.
    """

    figsize = (11.5, 4.6)

    def build(self):
        self.ax_path, ax = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        self.paths = LandscapePaths(self, self.ax_path, ["SGD", "Adam"], resolution=120, markersize=2.0)
        self.ax_step = ax
        adam_color = color_for("Adam")
        # the reference line first and below: the moving curves are drawn over it, as in a full draw
        ax.axhline(1.0, color="black", lw=0.8, zorder=1.5, label=r"$|\Delta| = \alpha$")
        self.adam_1 = self.moving("adam 1", ax.plot([], [], color=adam_color, lw=1.4,
                                                    label=r"Adam, $|\Delta\theta_1|/\alpha$")[0])
        self.adam_2 = self.moving("adam 2", ax.plot([], [], color=adam_color, lw=1.4, ls=":",
                                                    label=r"Adam, $|\Delta\theta_2|/\alpha$")[0])
        self.sgd = self.moving("sgd", ax.plot([], [], color=color_for("SGD"), lw=1.0, alpha=0.7,
                                              label=r"SGD, $\max_i |\Delta\theta_i|/\alpha = \max_i |g_i|$")[0])
        self.bound = self.moving("bound", ax.axhline(1.0, color="black", lw=0.8, ls="--"))
        ax.set_yscale("log")
        ax.set_xlim(0, EXPLORER_STEPS + 1)
        ax.set_xlabel(_("step t"))
        ax.set_ylabel(_("step size in units of lr"))
        self.moving("path title", self.ax_path.title)
        self.moving("step title", ax.title)
        # fixed margins: tight_layout would cost more than all the optimization above
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.11, top=0.92, wspace=0.22)

    def update(self, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, x0=1.0, y0=1.5, landscape="Beale"):
        land = landscapes.LANDSCAPES[landscape]()
        start = np.array([x0, y0], dtype=np.float64)
        adam_path = landscapes.trajectory(optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps), land, start,
                                          steps=EXPLORER_STEPS)
        sgd_path = landscapes.trajectory(optim.SGD(lr=lr), land, start, steps=EXPLORER_STEPS)
        self.paths.show(land, {"SGD": finite_prefix(sgd_path), "Adam": finite_prefix(adam_path)})
        with np.errstate(all="ignore"):
            sgd_note = (_("SGD diverged") if len(sgd_path) < EXPLORER_STEPS + 1
                        else _("SGD ends at f = {f}").format(f=f"{land(sgd_path[-1]):.3g}"))
            self.ax_path.set_title(_("{landscape}: Adam ends at f = {f}; {sgd_note}").format(
                landscape=land.name, f=f"{land(adam_path[-1]):.3g}", sgd_note=sgd_note), fontsize=10)
            adam_steps = step_sizes_in_lr(adam_path, lr)
            sgd_steps = step_sizes_in_lr(sgd_path, lr).max(axis=1) if len(sgd_path) > 1 else np.zeros(0)
        t = np.arange(1, len(adam_steps) + 1)
        self.adam_1.set_data(t, adam_steps[:, 0])
        self.adam_2.set_data(t, adam_steps[:, 1])
        self.sgd.set_data(np.arange(1, len(sgd_steps) + 1), sgd_steps)
        bound = paper_step_bound(beta1, beta2)
        self.bound.set_ydata([bound, bound])
        self.bound.set_visible(bound > 1.0)
        self.bound.set_label(_("paper's sparse-case bound {formula} = {bound}").format(
            formula=r"$(1-\beta_1)/\sqrt{1-\beta_2}$", bound=f"{bound:.3g}"))
        ax = self.ax_step
        # capped: a diverging SGD run would squash Adam's curves to the bottom
        drawn = np.concatenate([adam_steps.ravel(), sgd_steps])
        drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
        # the bottom a decade under the 5th percentile, not at the minimum: when m changes sign a step
        # dips to 1e-6 for one step, and following the minimum would move the axis (a full redraw) on
        # almost every move; such dips leave through the bottom
        typical = [np.percentile(drawn, 5) / 10, drawn.max()] if drawn.size else []
        ax.set_ylim(*log_limits(typical, lowest=1e-6, top_at_least=max(10.0 * bound, 10.0),
                                top_at_most=max(1e3, 10.0 * bound), empty=(1e-3, 1e3)))
        ax.set_title(_("Step sizes (lr = {lr}, betas = ({beta1}, {beta2}), eps = {eps})").format(
            lr=f"{lr:.3g}", beta1=f"{beta1:.3g}", beta2=f"{beta2:.4g}", eps=f"{eps:.1g}"), fontsize=10)
        shown = [line for line in ax.lines if line.get_label()[0] != "_" and line.get_visible()]
        self.moving("step legend", ax.legend(handles=shown, fontsize=7.5, loc="upper right", framealpha=0.85))


EXPLORERS = {
    "lesson05_adam": (AdamExplorer, [
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

__all__ = ["AdamExplorer", "EXPLORERS", "EXPLORER_STEPS", "step_sizes_in_lr"]
