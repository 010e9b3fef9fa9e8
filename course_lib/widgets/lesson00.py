"""Lesson 00's explorer: any of five optimizers on any of the six test landscapes.

    from course_lib.widgets.lesson00 import landscape_explorer
    landscape_explorer(landscape="Rosenbrock", optimizer="Adam", lr=0.1, steps=300)

Left: the path from the landscape's demo start over its contours. Right: the
gap to the best value, f(theta_t) - f*, step by step, on a log scale, so that
crawling, converging and diverging look different at a glance. ``outcome``
puts how the run ended into words; the step at which it diverged and its
distance to the nearest minimum come from ``course_lib.theory.outcomes``.

``lesson_map()`` draws the course's lessons as the optimizers' family tree.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import optim
from ..landscapes import DIVERGENCE_NORM, LANDSCAPES, Landscape, trajectory
from ..plots import color_for, plot_losses, plot_trajectories
from ..theory.outcomes import diverged_at, nearest_minimum

# Display name -> optimizer at a given learning rate, every other
# hyperparameter at torch.optim's default; "Momentum" is torch.optim.SGD with
# momentum=0.9 (heavy ball, lesson 02).
OPTIMIZERS = {
    "SGD": lambda lr: optim.SGD(lr=lr),
    "Momentum": lambda lr: optim.SGD(lr=lr, momentum=0.9),
    "Adam": lambda lr: optim.Adam(lr=lr),
    "RMSProp": lambda lr: optim.RMSprop(lr=lr),
    "AdaGrad": lambda lr: optim.Adagrad(lr=lr),
}

# A loss gap below this is rounding: the log-scale plot floors it here
# (plain gradient descent can land exactly on a minimum, gap 0).
GAP_FLOOR = 1e-16
# A diverging run's gap reaches 1e300 or overflows: the plot's top stops here
# and the curve leaves through it.
GAP_CEILING = 1e20


def make_optimizer(optimizer: str, lr: float):
    """The course_lib optimizer named ``optimizer`` ("SGD", "Momentum", "Adam", "RMSProp", "AdaGrad")."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(map(repr, OPTIMIZERS))}")
    return OPTIMIZERS[optimizer](lr)


def optimizer_path(landscape: str, optimizer: str, lr: float, steps: int) -> tuple[Landscape, np.ndarray]:
    """(the landscape, the path of ``optimizer`` from its demo start): what the explorer draws.

    The path has steps + 1 rows, or fewer if the run diverged (see
    ``course_lib.landscapes.trajectory``).
    """
    if landscape not in LANDSCAPES:
        raise ValueError(f"unknown landscape {landscape!r}; choose one of {', '.join(map(repr, LANDSCAPES))}")
    land = LANDSCAPES[landscape]()
    return land, trajectory(make_optimizer(optimizer, lr), land, steps=int(steps))


def _power_of_ten(x: float) -> str:
    """1e6 -> "10⁶", in plain text: no "|" or "$" that a Markdown table would misread."""
    return "10" + str(round(math.log10(x))).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def outcome(land: Landscape, path: np.ndarray, steps: int) -> str:
    """One line: diverged at which step, or where the last point ended up."""
    step = diverged_at(path, steps)
    if step is not None:
        return f"diverged: ‖θ‖ > {_power_of_ten(DIVERGENCE_NORM)} at step {step}"
    index, distance = nearest_minimum(land, path[-1])
    where = f"({land.minima[index][0]:.3g}, {land.minima[index][1]:.3g})"
    return f"after {steps} steps: {distance:.2g} from the minimum {where}"


def loss_gap(land: Landscape, path: np.ndarray) -> np.ndarray:
    """f(theta_t) - f* along the path, floored at GAP_FLOOR for the log scale;
    inf (a diverged run's overflow) becomes nan, which matplotlib leaves out."""
    with np.errstate(all="ignore"):  # a diverging path overflows on purpose
        gap = land(path) - land.min_value
    return np.where(np.isfinite(gap), np.maximum(gap, GAP_FLOOR), np.nan)


def landscape_explorer(landscape: str = "Rosenbrock", optimizer: str = "Adam", lr: float = 0.1,
                       steps: int = 300):
    """The chosen optimizer's path on the chosen landscape, and its loss gap per step."""
    land, path = optimizer_path(landscape, optimizer, lr, steps)
    fig, (ax_path, ax_gap) = plt.subplots(1, 2, figsize=(11.0, 4.6),
                                          gridspec_kw={"width_ratios": [1.15, 1.0]})
    # coarse contours and small markers: the figure redraws on every slider move
    plot_trajectories(land, {optimizer: path}, ax=ax_path, levels=25, resolution=120,
                      markersize=2.0, legend_loc="upper left")
    ax_path.set_title(f"{optimizer} with α = {lr:.3g} on {land.name}")
    gap = loss_gap(land, path)
    diverged = diverged_at(path, steps) is not None
    plot_losses({optimizer: gap}, ax=ax_gap, logy=True,
                ylabel=r"$f(\theta_t) - f^*$", xlabel="step t",
                title=outcome(land, path, steps))
    ax_gap.title.set_fontsize("medium")
    ax_gap.set_yscale("log")  # also when every value is the floor
    low, high = np.nanmin(gap), np.nanmax(gap)
    ax_gap.set_ylim(max(GAP_FLOOR, low) / 10, min(GAP_CEILING, 10 * high))
    # a diverged run lasts a few steps: zoom on them, or the explosion is one vertical line
    ax_gap.set_xlim(0, max(len(path), 10) if diverged else steps)
    ax_gap.grid(True, which="major", alpha=0.3)
    # fixed margins: tight_layout would double the time of every redraw
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.9, wspace=0.22)
    return fig


# --- the map of the course ---------------------------------------------------------

# number -> (title, the optimizer whose color it wears, (x, y) on the map)
LESSONS = {
    "00": ("start here", None, (0.0, 2.0)),
    "01": ("gradient descent\nand SGD", "SGD", (1.6, 2.0)),
    "02": ("momentum\nand Nesterov", "Momentum", (3.2, 3.0)),
    "03": ("AdaGrad", "AdaGrad", (3.2, 1.0)),
    "04": ("RMSProp\nand AdaDelta", "RMSProp", (4.8, 1.0)),
    "05": ("Adam", "Adam", (6.4, 2.0)),
    "06": ("bias correction", "Adam", (8.2, 3.5)),
    "07": ("AdaMax", "AdaMax", (8.2, 2.5)),
    "08": ("AMSGrad", "AMSGrad", (8.2, 1.5)),
    "09": ("RAdam", "RAdam", (8.2, 0.5)),
    "10": ("AdamW, NAdam,\nLookahead, LAMB", "AdamW", (10.1, 3.0)),
    "11": ("schedules,\nswitching to SGD,\ngeneralization", "SGD", (10.1, 1.0)),
    "12": ("capstone:\nthe optimizer race", None, (12.4, 2.0)),
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
    for number, (title, family, (x, y)) in LESSONS.items():
        color = color_for(family) if family else "0.55"
        worksheet = 1 <= int(number) <= 11
        boxes[number] = ax.text(x, y, f"{number}\n{title}", ha="center", va="center", fontsize=9.5,
                                bbox=dict(boxstyle="round,pad=0.45", facecolor="white", edgecolor=color,
                                          linewidth=2.6 if worksheet else 1.0))
    for start, end in PREREQUISITES:
        # patchA / patchB clip each arrow at the edges of its two boxes, whatever their size
        ax.annotate("", xy=LESSONS[end][2], xytext=LESSONS[start][2],
                    arrowprops=dict(arrowstyle="-|>", color="0.45", lw=1.2, shrinkA=3, shrinkB=3,
                                    patchA=boxes[start].get_bbox_patch(), patchB=boxes[end].get_bbox_patch()))
    ax.set_xlim(-0.7, 13.3)
    ax.set_ylim(0.0, 4.0)
    ax.set_axis_off()
    ax.set_title("The lessons, and what each builds on (thick border: the lesson has a worksheet)")
    return fig


EXPLORERS = {
    "lesson00_landscapes": (landscape_explorer, [
        dict(landscape="Rosenbrock", optimizer="Adam", lr=0.1, steps=300),       # the default
        dict(landscape="Quadratic", optimizer="SGD", lr=1e-4, steps=10),          # smallest lr, fewest steps
        dict(landscape="Rosenbrock", optimizer="SGD", lr=1.0, steps=500),         # diverges at once
        dict(landscape="Beale", optimizer="Momentum", lr=0.1, steps=500),         # diverges, overflows
        dict(landscape="Saddle", optimizer="SGD", lr=0.1, steps=500),             # exact landing: gap 0
        dict(landscape="Narrow valley", optimizer="RMSProp", lr=1.0, steps=500),  # largest lr
        dict(landscape="Himmelblau", optimizer="AdaGrad", lr=0.3, steps=200),
    ]),
}

__all__ = ["OPTIMIZERS", "make_optimizer", "optimizer_path", "outcome", "loss_gap", "landscape_explorer", "lesson_map",
           "LESSONS", "EXPLORERS"]
