"""Lesson 00's explorer: any of five optimizers on any of the six test landscapes.

    from course_lib.widgets import explorer
    from course_lib.widgets.lesson00 import LandscapeExplorer
    LandscapeExplorer().show(landscape="Rosenbrock", optimizer="Adam", lr=0.1, steps=300)   # the figure

``LandscapeExplorer``, controls ``landscape, optimizer, lr, steps``. Left: the
path from the landscape's demo start over its contours. Right: the gap to the
best value, f(theta_t) - f*, step by step, on a log scale, so that crawling,
converging and diverging look different at a glance; its title says how the
run ended. The runs, the loss gap and that sentence come from
``course_lib.theory.landscape_runs``.

``lesson_map()`` draws the course's lessons as the optimizers' family tree.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from ..i18n import _
from ..plots import color_for, style_for
from ..theory.landscape_runs import GAP_FLOOR, OPTIMIZERS, loss_gap, optimizer_path, outcome
from ..theory.outcomes import diverged_at
from .limits import log_limits, step_axis_end
from .panels import LandscapePaths
from .scene import Scene

# A diverging run's gap reaches 1e300 or overflows: the plot's top stops here
# and the curve leaves through it.
GAP_CEILING = 1e20


@functools.lru_cache(maxsize=64)
def _run(landscape: str, optimizer: str, lr: float, steps: int):
    """optimizer_path, kept: the explorer asks for each run again as the other controls move.
    The arrays are shared between callers, who must not change them."""
    return optimizer_path(landscape, optimizer, lr, steps)


class LandscapeExplorer(Scene):
    """The chosen optimizer's path on the chosen landscape, and its loss gap per step."""

    figsize = (11.0, 4.6)

    def build(self):
        self.ax_path, self.ax_gap = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
        # coarse contours and small markers: cheap to draw when the landscape changes
        self.paths = LandscapePaths(self, self.ax_path, list(OPTIMIZERS), levels=25, resolution=120, markersize=2.0,
                                    legend_loc="upper left")
        ax = self.ax_gap
        self.gap = self.moving("gap", ax.plot([], [], linewidth=1.5)[0])
        ax.set_yscale("log")
        ax.set_xlabel(_("step t"))
        ax.set_ylabel(r"$f(\theta_t) - f^*$")
        ax.grid(True, which="major", alpha=0.3)
        self.moving("path title", self.ax_path.title)
        self.moving("gap title", ax.title)
        # fixed margins: tight_layout would cost more than the whole frame
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.9, wspace=0.22)

    def update(self, landscape="Rosenbrock", optimizer="Adam", lr=0.1, steps=300):
        steps = int(steps)
        # the run goes on to the end of the step axis: moving `steps` within it only cuts the path
        land, longer = _run(landscape, optimizer, float(lr), step_axis_end(steps))
        path = longer[: steps + 1]
        self.paths.show(land, {optimizer: path})
        self.ax_path.set_title(_("{optimizer} with α = {lr} on {landscape}").format(
            optimizer=optimizer, lr=f"{lr:.3g}", landscape=land.name))
        gap = loss_gap(land, path)
        self.gap.set_data(np.arange(len(gap)), gap)
        self.gap.set(**style_for(optimizer))
        ax = self.ax_gap
        ax.set_title(outcome(land, path, steps), fontsize="medium")
        low, high = log_limits(gap, lowest=GAP_FLOOR, top_at_least=GAP_FLOOR, top_at_most=GAP_CEILING)
        ax.set_ylim(low / 10, high)   # a decade below: a gap floored at 1e-16 stays off the frame
        # a diverged run lasts a few steps: zoom on them, or the explosion is one vertical line
        diverged = diverged_at(path, steps) is not None
        ax.set_xlim(0, step_axis_end(len(path) if diverged else steps))


# --- the map of the course ---------------------------------------------------------

def lesson_table() -> dict:
    """number -> (title, the optimizer whose color it wears, (x, y) on the map). A function, not a
    constant, so that the titles are in the language ``i18n.use`` chose when the map is drawn."""
    return {
        "00": (_("start here"), None, (0.0, 2.0)),
        "01": (_("gradient descent\nand SGD"), "SGD", (1.6, 2.0)),
        "02": (_("momentum\nand Nesterov"), "Momentum", (3.2, 3.0)),
        "03": ("AdaGrad", "AdaGrad", (3.2, 1.0)),
        "04": (_("RMSProp\nand AdaDelta"), "RMSProp", (4.8, 1.0)),
        "05": ("Adam", "Adam", (6.4, 2.0)),
        "06": (_("bias correction"), "Adam", (8.2, 3.5)),
        "07": ("AdaMax", "AdaMax", (8.2, 2.5)),
        "08": ("AMSGrad", "AMSGrad", (8.2, 1.5)),
        "09": ("RAdam", "RAdam", (8.2, 0.5)),
        "10": ("AdamW, NAdam,\nLookahead, LAMB", "AdamW", (10.1, 3.0)),
        "11": (_("schedules,\nswitching to SGD,\ngeneralization"), "SGD", (10.1, 1.0)),
        "12": (_("capstone:\nthe optimizer race"), None, (12.4, 2.0)),
    }


# what each lesson builds on (lesson 11 states its own: AdamW from 10, warmup from 09)
PREREQUISITES = [("00", "01"), ("01", "02"), ("01", "03"), ("03", "04"), ("02", "05"), ("04", "05"),
                 ("05", "06"), ("05", "07"), ("05", "08"), ("05", "09"),
                 ("06", "10"), ("07", "10"), ("08", "10"), ("09", "10"), ("09", "11"), ("10", "11"),
                 ("10", "12"), ("11", "12")]


def lesson_map():
    """The lessons as a family tree of the optimizers: Adam inherits from momentum and
    RMSProp, and its variants branch off it. Lessons 01-11 (thick border) have a worksheet."""
    fig, ax = plt.subplots(figsize=(12.5, 4.0))
    boxes = {}
    lessons = lesson_table()
    for number, (title, family, (x, y)) in lessons.items():
        color = color_for(family) if family else "0.55"
        worksheet = 1 <= int(number) <= 11
        boxes[number] = ax.text(x, y, f"{number}\n{title}", ha="center", va="center", fontsize=9.5,
                                bbox=dict(boxstyle="round,pad=0.45", facecolor="white", edgecolor=color,
                                          linewidth=2.6 if worksheet else 1.0))
    for start, end in PREREQUISITES:
        # patchA / patchB clip each arrow at the edges of its two boxes, whatever their size
        ax.annotate("", xy=lessons[end][2], xytext=lessons[start][2],
                    arrowprops=dict(arrowstyle="-|>", color="0.45", lw=1.2, shrinkA=3, shrinkB=3,
                                    patchA=boxes[start].get_bbox_patch(), patchB=boxes[end].get_bbox_patch()))
    ax.set_xlim(-0.7, 13.3)
    ax.set_ylim(0.0, 4.0)
    ax.set_axis_off()
    ax.set_title(_("The lessons, and what each builds on (thick border: the lesson has a worksheet)"))
    return fig


EXPLORERS = {
    "lesson00_landscapes": (LandscapeExplorer, [
        dict(landscape="Rosenbrock", optimizer="Adam", lr=0.1, steps=300),       # the default
        dict(landscape="Quadratic", optimizer="SGD", lr=1e-4, steps=10),          # smallest lr, fewest steps
        dict(landscape="Rosenbrock", optimizer="SGD", lr=1.0, steps=500),         # diverges at once
        dict(landscape="Beale", optimizer="Momentum", lr=0.1, steps=500),         # diverges, overflows
        dict(landscape="Saddle", optimizer="SGD", lr=0.1, steps=500),             # exact landing: gap 0
        dict(landscape="Narrow valley", optimizer="RMSProp", lr=1.0, steps=500),  # largest lr
        dict(landscape="Himmelblau", optimizer="AdaGrad", lr=0.3, steps=200),
    ]),
}

__all__ = ["LandscapeExplorer", "GAP_CEILING", "lesson_map", "lesson_table", "PREREQUISITES",
           "EXPLORERS"]
