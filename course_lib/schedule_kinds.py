"""Lesson 11's learning-rate schedules by name, for a run of a given length.

``course_lib.schedules`` writes each schedule with its own parameters, as torch
does. Lesson 11's explorer and notebook compare them with one set of knobs
instead, a base rate, a number of warmup steps and the run's length::

    schedule = make_schedule("warmup + cosine", base_lr=0.1, warmup=50, total_steps=500)
    learning_rates(schedule, 500)      # the rate of every step, as an array

- ``SCHEDULE_KINDS``: the names, and ``WARMUP_KINDS`` the ones that use ``warmup``.
- ``make_schedule(kind, base_lr, warmup, total_steps)``: one schedule by name.
- ``learning_rates(schedule, steps)``: schedule(n) for n = 0, ..., steps - 1.
"""

from __future__ import annotations

import numpy as np

from . import schedules
from .validation import positive_int

SCHEDULE_KINDS = ("constant", "step", "1/sqrt(t)", "cosine", "warmup + cosine", "one-cycle", "trapezoid")
WARMUP_KINDS = ("warmup + cosine", "one-cycle", "trapezoid")   # the others ignore ``warmup``


def make_schedule(kind: str, base_lr: float, warmup: int, total_steps: int) -> schedules.Schedule:
    """The schedule ``kind`` (one of SCHEDULE_KINDS) for a run of total_steps steps.

    ``warmup`` is the number of warmup steps of the schedules that have one
    (WARMUP_KINDS; clipped to 1..total_steps - 1); the others ignore it. "step"
    divides the rate by 10 every third of the run; the trapezoid decays linearly
    over the last 30% of it.
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


def learning_rates(schedule, steps: int) -> np.ndarray:
    """The learning rate of every step of a run of ``steps`` steps: schedule(n) for n = 0, ..., steps - 1."""
    return np.array([schedule(n) for n in range(positive_int("steps", steps))], dtype=np.float64)


__all__ = ["SCHEDULE_KINDS", "WARMUP_KINDS", "make_schedule", "learning_rates"]
