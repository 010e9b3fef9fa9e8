"""Lesson 11 (schedules, switching to SGD, the generalization debate): the schedule explorer.

``ScheduleExplorer``: a learning-rate schedule picked by name
(``course_lib.schedule_kinds``), and SGD with noisy gradients under it against
a constant lr and that lr's noise floor (``course_lib.theory.sgd_noise``). Its
controls: ``kind, base_lr, warmup, total_steps``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..i18n import _
from ..plots import colors_for
from ..schedule_kinds import WARMUP_KINDS, learning_rates, make_schedule
from ..theory.sgd_noise import NOISY_BOWL, noise_floor, noisy_quadratic_losses
from .limits import round_up, step_axis_end
from .scene import Scene

PLOT_CEILING = 1e3   # the top of the loss axis
RUNS = 200           # noisy_quadratic_losses's default: the number of runs averaged
# the step axis ends at the first of these that holds the run: most moves of total_steps keep it
DIVERGENCE_LR = 2 / float(np.linalg.eigvalsh(NOISY_BOWL.hessian).max())   # 2 / L: a constant rate above diverges


def lr_axis_top(base_lr: float) -> float:
    """The first of 1, 2, 5 times a power of ten at or above 1.25 base_lr (room for the legend above
    the schedule): a move of base_lr changes it only when base_lr crosses one of those values."""
    return round_up(1.25 * base_lr, (1, 2, 5, 10))


def _warmup_used(kind: str, warmup: int):
    return int(warmup) if kind in WARMUP_KINDS else None   # the others ignore it: one cache entry for all


@functools.lru_cache(maxsize=64)
def _rates(kind: str, base_lr: float, warmup, total_steps: int) -> np.ndarray:
    return learning_rates(make_schedule(kind, base_lr, 1 if warmup is None else warmup, total_steps), total_steps)


@functools.lru_cache(maxsize=64)
def _mean_losses(kind: str, base_lr: float, warmup, total_steps: int) -> np.ndarray:
    rates = _rates(kind, base_lr, warmup, total_steps)   # read from the array: the schedule is evaluated once
    return noisy_quadratic_losses([rates.__getitem__], total_steps, runs=RUNS)[0]


class ScheduleExplorer(Scene):
    """Left: the schedule's learning rate at every step. Right: SGD on a noisy quadratic
    under it, against a constant lr = base_lr, with the constant lr's noise floor."""

    figsize = (11.5, 4.5)

    def build(self):
        self.ax_lr, self.ax_loss = self.fig.subplots(1, 2)
        ax = self.ax_lr
        # static and first, so that a full draw also puts it below the moving curves
        self.divergence = ax.axhline(DIVERGENCE_LR, color="0.55", lw=0.9, ls=":", zorder=1.5,
                                     label=_("2/L = {lr}: a constant rate above it diverges").format(
                                         lr=f"{DIVERGENCE_LR:g}"))
        self.base = self.moving("base lr", ax.axhline(1.0, lw=1.0, alpha=0.8, label=_("constant lr = base_lr")))
        self.rate = self.moving("rate", ax.plot([], [], lw=1.8)[0])
        ax.set(xlabel=_("step n"), ylabel=_("learning rate"))

        ax = self.ax_loss
        self.constant = self.moving("constant", ax.plot([], [], lw=1.0, alpha=0.8)[0])
        self.scheduled = self.moving("scheduled", ax.plot([], [], lw=1.5)[0])
        self.floor = self.moving("floor", ax.axhline(1.0, color="black", lw=0.8, ls=":",
                                                     label=_("noise floor of the constant lr")))
        ax.set_yscale("log")
        # the top a little above the ceiling, so that a run drawn along the ceiling shows
        ax.set_ylim(1e-4, 2 * PLOT_CEILING)
        ax.set(xlabel=_("step n"), ylabel=_("mean loss over {runs} runs").format(runs=RUNS))
        self.moving("loss title", ax.title)
        self.legend = None
        self.legend_key = None
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.21, top=0.89, wspace=0.25)

    def update(self, kind="warmup + cosine", base_lr=0.1, warmup=50, total_steps=500):
        total_steps = int(total_steps)
        base_lr = float(base_lr)
        warmup = _warmup_used(kind, warmup)
        rates = _rates(kind, base_lr, warmup, total_steps)
        scheduled = _mean_losses(kind, base_lr, warmup, total_steps)
        constant = _mean_losses("constant", base_lr, None, total_steps)
        floor = noise_floor(base_lr)
        colors = colors_for([kind, "constant"])

        ax = self.ax_lr
        ax.set_xlim(0, step_axis_end(total_steps))
        ax.set_ylim(0, lr_axis_top(base_lr))
        self.rate.set_data(np.arange(total_steps), rates)
        self.rate.set(color=colors[kind], label=kind)
        self.base.set_ydata([base_lr, base_lr])
        self.base.set_color(colors["constant"])

        ax = self.ax_loss
        ax.set_xlim(0, step_axis_end(total_steps))
        steps = np.arange(total_steps + 1)
        # a diverging run is drawn along the ceiling instead of vanishing
        self.scheduled.set_data(steps, np.minimum(scheduled, PLOT_CEILING))
        self.scheduled.set(color=colors[kind], label=kind)
        self.constant.set_data(steps, np.minimum(constant, PLOT_CEILING))
        self.constant.set_color(colors["constant"])
        self.floor.set_visible(math.isfinite(floor))
        if math.isfinite(floor):
            self.floor.set_ydata([floor, floor])

        def ending(losses):
            return _("diverged") if not losses[-1] < PLOT_CEILING else f"{losses[-1]:.2g}"

        ax.set_title(_("SGD with noisy gradients on a quadratic\nfinal loss: {scheduled} ({kind}), "
                       "{constant} (constant lr = {lr})").format(
            scheduled=ending(scheduled), kind=kind, constant=ending(constant), lr=f"{base_lr:.3g}"), fontsize=9)
        self._show_legend_and_schedule_title(kind, math.isfinite(floor))

    def _show_legend_and_schedule_title(self, kind, floor_shown):
        """One legend for both panels, below them, and the left title: background, redrawn only when
        what they say changes (the kind, or whether the floor and the line 2/L are shown)."""
        divergence_shown = bool(DIVERGENCE_LR < self.ax_lr.get_ylim()[1])
        key = (kind, floor_shown, divergence_shown)
        if key == self.legend_key:
            return
        if self.legend is not None:
            self.legend.remove()
        handles = [self.rate, self.base] + [self.divergence] * divergence_shown + [self.floor] * floor_shown
        self.legend = self.fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8.5,
                                      frameon=False, bbox_to_anchor=(0.5, 0.0))
        self.ax_lr.set_title(_("{kind}: the learning rate at each step").format(kind=kind))
        self.legend_key = key
        self.background_changed()


EXPLORERS = {
    "lesson11_schedule": (ScheduleExplorer, [
        dict(kind="warmup + cosine", base_lr=0.1, warmup=50, total_steps=500),
        dict(kind="constant", base_lr=0.001, warmup=0, total_steps=100),
        # above 2 / L = 0.2 for the constant lr: it diverges; the decaying schedules recover late or not at all
        dict(kind="one-cycle", base_lr=0.5, warmup=300, total_steps=1000),
        dict(kind="step", base_lr=0.15, warmup=10, total_steps=300),
        dict(kind="1/sqrt(t)", base_lr=0.19, warmup=1, total_steps=1000),
        dict(kind="trapezoid", base_lr=0.05, warmup=400, total_steps=500),
        dict(kind="cosine", base_lr=0.01, warmup=50, total_steps=1000),
        # a move of warmup alone: only the scheduled run changes
        dict(kind="warmup + cosine", base_lr=0.1, warmup=120, total_steps=500),
    ]),
}

__all__ = ["ScheduleExplorer", "EXPLORERS", "PLOT_CEILING", "DIVERGENCE_LR", "lr_axis_top"]
