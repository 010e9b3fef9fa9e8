"""Lesson 11 (schedules, switching to SGD, the generalization debate): the schedule explorer.

- ``make_schedule(kind, base_lr, warmup, total_steps)``: one schedule by name.
- ``schedule_explorer(kind, base_lr, warmup, total_steps)``: the schedule, and SGD
  with noisy gradients under it against a constant lr and its noise floor
  (``course_lib.theory.sgd_noise``).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import schedules
from ..plots import colors_for
from ..theory.sgd_noise import noise_floor, noisy_quadratic_losses
from ..validation import positive_int


SCHEDULE_KINDS = ("constant", "step", "1/sqrt(t)", "cosine", "warmup + cosine", "one-cycle", "trapezoid")


def make_schedule(kind: str, base_lr: float, warmup: int, total_steps: int):
    """The schedule ``kind`` (one of SCHEDULE_KINDS) for a run of total_steps steps.

    ``warmup`` is the number of warmup steps of the schedules that have one
    (warmup + cosine, one-cycle, trapezoid; clipped to 1..total_steps - 1); the
    others ignore it. "step" divides the rate by 10 every third of the run; the
    trapezoid decays linearly over the last 30% of it.
    """
    total_steps = positive_int("total_steps", total_steps)
    warmup = min(max(int(warmup), 1), total_steps - 1)
    if kind == "constant":
        return schedules.ExponentialLR(base_lr, gamma=1.0)
    if kind == "step":
        return schedules.StepLR(base_lr, step_size=max(1, total_steps // 3), gamma=0.1)
    if kind == "1/sqrt(t)":
        return schedules.InverseSqrtLR(base_lr)
    if kind == "cosine":
        return schedules.CosineAnnealingLR(base_lr, T_max=total_steps)
    if kind == "warmup + cosine":
        return schedules.WarmupCosineLR(base_lr, warmup_steps=warmup, total_steps=total_steps)
    if kind == "one-cycle":
        return schedules.OneCycleLR(base_lr, total_steps=total_steps, pct_start=warmup / total_steps)
    if kind == "trapezoid":
        decay = max(1, round(0.3 * total_steps))
        return schedules.TrapezoidLR(base_lr, warmup_steps=min(warmup, total_steps - decay), decay_steps=decay,
                                     total_steps=total_steps)
    raise ValueError(f"kind must be one of {', '.join(map(repr, SCHEDULE_KINDS))}, got {kind!r}")


PLOT_CEILING = 1e3  # the top of the loss axis


def schedule_explorer(kind: str = "warmup + cosine", base_lr: float = 0.1, warmup: int = 50,
                      total_steps: int = 500):
    """Left: the schedule's learning rate at every step. Right: SGD on a noisy quadratic
    under it, against a constant lr = base_lr, with the constant lr's noise floor."""
    total_steps = int(total_steps)
    schedule = make_schedule(kind, base_lr, warmup, total_steps)
    lrs = np.array([schedule(n) for n in range(total_steps)])
    scheduled, constant = noisy_quadratic_losses([schedule, make_schedule("constant", base_lr, warmup, total_steps)],
                                                 total_steps)

    fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    colors = colors_for([kind, "constant"])
    ax_lr.plot(np.arange(total_steps), lrs, color=colors[kind], lw=1.8, label=kind)
    ax_lr.axhline(base_lr, color=colors["constant"], lw=1.0, ls="--", label="constant base_lr")
    ax_lr.set(xlabel="step n", ylabel="learning rate", title=f"{kind}: the learning rate at each step")
    ax_lr.legend(loc="best")

    steps = np.arange(total_steps + 1)
    # a diverging run is drawn along the top edge (PLOT_CEILING) instead of vanishing
    ax_loss.plot(steps, np.minimum(scheduled, PLOT_CEILING), color=colors[kind], lw=1.5, label=kind)
    ax_loss.plot(steps, np.minimum(constant, PLOT_CEILING), color=colors["constant"], lw=1.0, alpha=0.8,
                 label=f"constant lr = {base_lr:.3g}")
    floor = noise_floor(base_lr)
    if math.isfinite(floor):
        ax_loss.axhline(floor, color="black", lw=0.8, ls=":", label="noise floor of the constant lr")
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-4, PLOT_CEILING)
    ax_loss.set(xlabel="step n", ylabel="mean loss over 200 runs")

    def ending(losses):
        return "diverged" if not losses[-1] < PLOT_CEILING else f"{losses[-1]:.2g}"

    ax_loss.set_title(f"SGD with noisy gradients on a quadratic\nfinal loss: {ending(scheduled)} ({kind}), "
                      f"{ending(constant)} (constant lr)", fontsize=9)
    ax_loss.legend(loc="upper right", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.87, wspace=0.25)
    return fig


EXPLORERS = {
    "lesson11_schedule": (schedule_explorer, [
        dict(kind="warmup + cosine", base_lr=0.1, warmup=50, total_steps=500),
        dict(kind="constant", base_lr=0.001, warmup=0, total_steps=100),
        # above 2 / L = 0.2 for the constant lr: it diverges; the decaying schedules recover late or not at all
        dict(kind="one-cycle", base_lr=0.5, warmup=300, total_steps=1000),
        dict(kind="step", base_lr=0.15, warmup=10, total_steps=300),
        dict(kind="1/sqrt(t)", base_lr=0.19, warmup=1, total_steps=1000),
        dict(kind="trapezoid", base_lr=0.05, warmup=400, total_steps=500),
        dict(kind="cosine", base_lr=0.01, warmup=50, total_steps=1000),
    ]),
}

__all__ = ["SCHEDULE_KINDS", "make_schedule", "schedule_explorer", "EXPLORERS"]
