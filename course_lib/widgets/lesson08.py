"""Lesson 08 (AMSGrad): the explorer of Reddi, Kale and Kumar's counterexample.

``ReddiExplorer``: Adam and AMSGrad (torch's form) playing the online problem
f_t(x) = C x if t % 3 == 1 else -x on [-1, 1] from x_1 = 0 with alpha_t = lr / sqrt(t).
Left: the points x_t played, where each ends in the title; right: the average regret
R_t / t on log-log axes, with Adam's limit (2C - 4) / 3 when it sits at the worst point
x = +1 (its value in the title) and a guide falling like 1 / sqrt(t). Below the panels:
whether the sliders are in the setting of the paper's Theorem 1, and if not, what
differs. Its controls: ``C, beta1, beta2, lr, steps``.
The runs, the limit and the sentence come from ``course_lib.theory.reddi_game``.

``SLIDER_STEPS`` are the steps of the lesson's beta sliders: the explorer counts a
beta as Theorem 1's when it is within half a step of it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..i18n import _
from ..plots import style_for
from ..theory.reddi_game import adam_stuck_average_regret, play, theorem1_note
from .limits import log_limits, round_up
from .scene import Scene

SLIDER_STEPS = {"beta1": 0.01, "beta2": 0.001}
METHODS = ("Adam", "AMSGrad")   # in drawing order: AMSGrad on top


def _log_spaced(steps: int, count: int = 12) -> np.ndarray:
    """Indices of about ``count`` markers evenly spaced on a log axis of steps 1..steps."""
    return np.unique(np.geomspace(1, steps, count).astype(int)) - 1


def step_axis_end(steps: int) -> float:
    """The right end of the step axes: the next of 1, 2, 5 x 10^k at or above ``steps``, plus a
    quarter, so that most moves of the steps slider keep the axes (and the cached background)."""
    return 1.25 * round_up(steps, (1, 2, 5, 10))


def regret_limits(values: np.ndarray) -> tuple[float, float]:
    """Log-axis limits at whole powers of ten, so that most moves keep them: below the smallest
    positive value, and at least 5 times above the largest, room for the legend above the curves."""
    return log_limits(values, footroom=1.5, headroom=5.0)


class ReddiExplorer(Scene):
    """x_t and R_t / t of Adam and AMSGrad on ReddiOnlineProblem(C), the same betas for both."""

    figsize = (11.5, 4.6)

    def build(self):
        self.ax_x, self.ax_r = ax_x, ax_r = self.fig.subplots(1, 2)
        # static lines first and below: the moving curves are drawn over them, as in a full draw
        self.best = ax_x.axhline(-1.0, color="0.4", lw=0.8, ls="--", zorder=1.5,
                                 label=_("best point {x_star}").format(x_star=r"$x^* = -1$"))
        # Adam solid, wide and drawn first; AMSGrad dotted, with hollow markers, on top: where the
        # two agree (the default betas) both stay visible
        looks = {"Adam": dict(lw=2.4), "AMSGrad": dict(lw=1.6, marker="o", ms=4.5, mfc="white")}
        self.x_lines = {name: self.moving(f"x {name}", ax_x.plot([], [], **style_for(name), **looks[name],
                                                                  label=name)[0])
                        for name in METHODS}
        self.r_lines = {name: self.moving(f"regret {name}", ax_r.plot([], [], **style_for(name), **looks[name],
                                                                       label=name)[0])
                        for name in METHODS}
        self.limit = self.moving("limit", ax_r.axhline(1.0, color="0.4", lw=0.9, ls="--",
                                                       label=_("{limit}: Adam stuck at +1").format(
                                                           limit="(2C − 4)/3")))
        self.guide = self.moving("guide", ax_r.plot([], [], color="0.55", lw=0.9, ls="-.",
                                                    label=r"$\propto 1/\sqrt{t}$")[0])
        ax_x.set(xscale="log", ylim=(-1.08, 1.6), yticks=[-1, -0.5, 0, 0.5, 1], xlabel=_("step t"),
                 ylabel=_("{x_t}, the point played").format(x_t=r"$x_t$"))
        ax_r.set(xscale="log", yscale="log", xlabel=_("step t"),
                 ylabel=_("average regret {regret} (log scale)").format(regret=r"$R_t / t$"))
        ax_r.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax_r.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax_r.yaxis.set_minor_formatter(NullFormatter())
        # The legends never change and lie where no curve can be (above x = 1; at least 5 times above the
        # regret curves, see regret_limits): drawn once, in the background. The numbers that change are
        # in the titles.
        ax_x.legend(handles=[*self.x_lines.values(), self.best], fontsize=8, loc="upper center", ncol=3)
        self.guided = None   # whether the regret legend lists the guide (it is hidden when R_T <= 0)
        self.moving("x title", ax_x.title)
        self.moving("regret title", ax_r.title)
        self.note = self.moving("note", self.fig.text(0.5, 0.015, "", ha="center", va="bottom", fontsize=9,
                                                      color="0.2"))
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.92, wspace=0.25)

    def update(self, C=3.0, beta1=0.0, beta2=0.1, lr=0.5, steps=600):
        runs = {name: play(C, beta1, beta2, lr, steps, amsgrad=(name == "AMSGrad")) for name in METHODS}
        t = np.arange(1, steps + 1)
        every = _log_spaced(steps)
        for name, run in runs.items():
            self.x_lines[name].set_data(t, run.x)
            # R_t can dip below 0 early on; a log axis drops those points
            self.r_lines[name].set_data(t, np.where(run.average_regret > 0, run.average_regret, np.nan))
            if name == "AMSGrad":
                self.x_lines[name].set_markevery(every)
                self.r_lines[name].set_markevery(every)
        end = (0.8, step_axis_end(steps))
        self.ax_x.set_xlim(*end)
        # the settings are on the sliders (and in the line below the panels when they are not Theorem 1's):
        # the titles say only what changes with them, the less text to draw on each move
        self.ax_x.set_title(_("Adam ends at x = {adam}, AMSGrad at x = {amsgrad}").format(
            adam=f"{runs['Adam'].x[-1]:+.2f}", amsgrad=f"{runs['AMSGrad'].x[-1]:+.2f}"), fontsize=10)

        limit = adam_stuck_average_regret(C)
        self.limit.set_ydata([limit, limit])
        last = runs["AMSGrad"].average_regret[-1]
        self.guide.set_visible(last > 0)
        if last > 0:   # a guide of slope -1/2 through AMSGrad's last point
            self.guide.set_data(t, last * np.sqrt(steps / t))
        # the guide counts: it starts above AMSGrad's curve, and the legend must stay clear of it
        shown = [run.average_regret for run in runs.values()] + [[limit]]
        if last > 0:
            shown.append([last * math.sqrt(steps)])
        self.ax_r.set_xlim(*end)
        self.ax_r.set_ylim(*regret_limits(np.concatenate(shown)))
        self.ax_r.set_title(_("Does the average regret go to 0? {formula} = {limit}").format(
            formula="(2C − 4)/3", limit=f"{limit:.3g}"), fontsize=10)
        if self.guided != (last > 0):   # the legend is background: a change of its entries redraws it
            self.guided = last > 0
            handles = [*self.r_lines.values(), self.limit] + ([self.guide] if self.guided else [])
            self.ax_r.legend(handles=handles, fontsize=8, loc="upper right", ncol=2)
            self.background_changed()
        self.note.set_text(theorem1_note(C, beta1, beta2, lr, beta1_tolerance=SLIDER_STEPS["beta1"] / 2,
                                         beta2_tolerance=SLIDER_STEPS["beta2"] / 2))


EXPLORERS = {
    "lesson08_reddi": (ReddiExplorer, [
        dict(C=3.0, beta1=0.0, beta2=0.1, lr=0.5, steps=600),        # the paper's setting: Adam fails
        dict(C=3.0, beta1=0.9, beta2=0.999, lr=0.5, steps=600),      # the default betas: Adam is fine
        dict(C=2.05, beta1=0.0, beta2=0.192, lr=0.5, steps=2000),    # Theorem 1 at the smallest C, within a slider step
        dict(C=2.05, beta1=0.0, beta2=0.0, lr=2.0, steps=2000),      # every slider at an end: v = g^2, signSGD
        dict(C=10.0, beta1=0.99, beta2=0.999, lr=0.01, steps=30),    # a tiny lr, few steps
        dict(C=6.0, beta1=0.5, beta2=0.5, lr=0.1, steps=300),
    ]),
}

__all__ = ["ReddiExplorer", "EXPLORERS", "SLIDER_STEPS", "step_axis_end", "regret_limits"]
