"""Lesson 03 (AdaGrad): the explorer.

``AdagradExplorer``: AdaGrad and plain SGD with the same lr on one of the
problems of ``course_lib.theory.diagonal_scaling`` (``problem``: an
axis-aligned valley, the same valley turned by 45°, or the aligned valley whose
theta_1 gradient is seen at one step in ten, a rare feature). Left, both paths
over the valley's contours; right, AdaGrad's effective step size
lr / (sqrt(G_t) + eps) for each coordinate against the step t, SGD's lr, and
the ceiling lr / (sqrt(G_0) + eps) that G_0 and eps put on every effective
step. Its controls: ``lr, eps, initial_accumulator_value, steps, problem``.

The runs (AdaGrad's path and effective steps, SGD's path) are computed by
``diagonal_scaling.adagrad_run`` and ``sgd_run``; this module only draws them.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.ticker import NullFormatter

from ..i18n import _
from ..plots import color_for
from ..theory import diagonal_scaling
from .limits import log_limits
from .panels import LandscapePaths
from .scene import Scene

MAX_STEPS = 500   # the steps slider's end: the step axis is fixed to it


@functools.lru_cache(maxsize=64)
def _runs(problem: str, lr: float, eps: float, initial_accumulator_value: float, steps: int):
    """The runs one frame draws, cached: moving back to a value costs nothing. Not to be mutated."""
    ada_path, effective = diagonal_scaling.adagrad_run(problem, lr, eps, initial_accumulator_value, steps)
    return ada_path, effective, diagonal_scaling.sgd_run(problem, lr, steps)


class AdagradExplorer(Scene):
    """AdaGrad and SGD (same lr) on a problem of ``diagonal_scaling.PROBLEMS``, and AdaGrad's effective steps."""

    figsize = (11.5, 4.6)

    def build(self):
        self.ax_path, ax = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
        self.paths = LandscapePaths(self, self.ax_path, ["SGD", "AdaGrad"], levels=20, resolution=110, markersize=2.0,
                                    legend_loc="lower right", legend_fontsize=8)
        self.ax_step = ax
        ada_color, sgd_color = color_for("AdaGrad"), color_for("SGD")
        # the ceiling first and below the curves: a curve that reaches it is drawn over it, as in a full draw
        self.ceiling = self.moving("ceiling", ax.axhline(1.0, color="black", lw=1.0, ls=":", zorder=1.5,
                                                         label=_("ceiling {formula}").format(
                                                             formula=r"$\alpha/(\sqrt{G_0}+\epsilon)$")))
        self.sgd = self.moving("sgd", ax.plot([], [], color=sgd_color, lw=1.4,
                                              label=_("SGD: {lr} for both").format(lr=r"$\alpha$"))[0])
        self.ada_1 = self.moving("adagrad 1", ax.plot([], [], color=ada_color, lw=1.6,
                                                      label=r"AdaGrad, $\theta_1$")[0])
        self.ada_2 = self.moving("adagrad 2", ax.plot([], [], color=ada_color, lw=1.6, ls="--",
                                                      label=r"AdaGrad, $\theta_2$")[0])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(NullFormatter())   # a one-decade range would label its minor ticks
        ax.set_xlim(1, MAX_STEPS)
        ax.set_xlabel(_("step t"))
        ax.set_ylabel(_("effective step {formula}").format(formula=r"$\alpha/(\sqrt{G_t}+\epsilon)$"))
        ax.set_title(_("Effective step per coordinate (SGD's: {lr})").format(lr="$\\alpha$"), fontsize=10)
        # outside the axes, so in the background: the curves never pass under it
        self.fig.legend(handles=[self.ada_1, self.ada_2, self.sgd, self.ceiling], loc="center left",
                        bbox_to_anchor=(0.805, 0.5), fontsize=8.5, frameon=False)
        self.problem_name = None
        # fixed margins: tight_layout would cost more than the rest of a frame
        self.fig.subplots_adjust(left=0.065, right=0.8, bottom=0.11, top=0.9, wspace=0.22)

    def update(self, lr=0.3, eps=1e-10, initial_accumulator_value=0.0, steps=60, problem="aligned valley"):
        steps = int(steps)
        prob = diagonal_scaling.problem(problem)
        land = prob.landscape
        ada_path, effective, sgd_path = _runs(problem, float(lr), float(eps), float(initial_accumulator_value), steps)

        if prob.rare_every is not None:   # the rare coordinate's progress is the point
            ada_note = _("{optimizer}: θ1 from {start} to {end}").format(
                optimizer="AdaGrad", start=f"{land.start[0]:.2f}", end=f"{ada_path[-1, 0]:.2f}")
            sgd_note = _("{optimizer}: θ1 from {start} to {end}").format(
                optimizer="SGD", start=f"{land.start[0]:.2f}", end=f"{sgd_path[-1, 0]:.2f}")
        else:
            ada_note = _("{optimizer}: final loss {loss}").format(optimizer="AdaGrad", loss=f"{land(ada_path[-1]):.2g}")
            sgd_note = _("{optimizer}: final loss {loss}").format(optimizer="SGD", loss=f"{land(sgd_path[-1]):.2g}")
        if len(sgd_path) < steps + 1:
            sgd_note = _("SGD: diverged at step {step} (α > 2/L = {bound})").format(
                step=len(sgd_path) - 1, bound=f"{2 / land.L:.2g}")
        self.paths.lines["AdaGrad"].set_label(ada_note)
        self.paths.lines["SGD"].set_label(sgd_note)
        self.paths.show(land, {"SGD": sgd_path, "AdaGrad": ada_path})
        if problem != self.problem_name:   # a static title: the slider values are on the sliders
            self.ax_path.set_title(prob.title, fontsize=10)
            self.problem_name = problem
            self.background_changed()

        t = np.arange(1, steps + 1)
        self.ada_1.set_data(t, effective[:, 0])
        self.ada_2.set_data(t, effective[:, 1])
        self.sgd.set_data([1, steps], [lr, lr])
        # the curves and lr set the limits; the ceiling shows when it lies below their top decade, where it
        # holds the curves down (G_0 = 0 and a tiny eps put it far above, out of the picture)
        low, high = log_limits([effective.min(), effective.max(), lr], lowest=1e-6, headroom=2.0)
        self.ax_step.set_ylim(low, high)
        ceiling = diagonal_scaling.effective_step_ceiling(lr, eps, initial_accumulator_value)
        self.ceiling.set_visible(ceiling <= high)
        self.ceiling.set_ydata([ceiling, ceiling] if ceiling <= high else [1.0, 1.0])


EXPLORERS = {
    "lesson03_adagrad": (AdagradExplorer, [
        dict(lr=0.3, eps=1e-10, initial_accumulator_value=0.0, steps=60),    # the default: the aligned valley
        dict(lr=3.0, eps=1e-10, initial_accumulator_value=0.0, steps=200),   # a huge lr: SGD diverges, AdaGrad does not
        dict(lr=0.01, eps=1e-10, initial_accumulator_value=0.0, steps=500),  # tiny lr: AdaGrad stalls
        dict(lr=0.5, eps=1.0, initial_accumulator_value=0.0, steps=60),      # eps as large as the gradients
        dict(lr=0.5, eps=1e-10, initial_accumulator_value=10.0, steps=10),   # a large G_0: timid first steps
        # turned by 45 degrees: the two effective steps stay together, SGD ends ahead
        dict(lr=0.3, eps=1e-10, initial_accumulator_value=0.0, steps=60, problem="valley turned 45°"),
        dict(lr=1.0, eps=1e-10, initial_accumulator_value=0.0, steps=200, problem="valley turned 45°"),
        # the rare feature: theta_1's effective step, a staircase, stays above lr
        dict(lr=0.3, eps=1e-10, initial_accumulator_value=0.0, steps=60, problem="rare feature"),
        # ... until G_0 = 1 puts a ceiling at lr on it: AdaGrad's theta_1 then ends a little behind SGD's
        dict(lr=0.3, eps=1e-10, initial_accumulator_value=1.0, steps=60, problem="rare feature"),
        # eps about as large as sqrt(G) of theta_1: its staircase starts at under half its height
        dict(lr=0.3, eps=0.3, initial_accumulator_value=0.0, steps=200, problem="rare feature"),
    ]),
}

__all__ = ["AdagradExplorer", "EXPLORERS", "MAX_STEPS"]
