"""Axis limits that move in steps, not with every value.

A scene's cached background holds its axes (``scene.py``): when a move changes an
axis' limits, the whole figure is drawn again, a slow frame. So an explorer whose
curves grow and shrink with a control sets its limits from these functions, which
round outwards to a coarse grid: most moves then keep the limits, and with them the
cached background.

- ``round_up(x)``: the smallest "round" number m x 10^k (m in ``ROUND_MANTISSAS``) >= x,
  a step of 20-33 %; ``step_axis_end(steps)``, the same for the end of an axis of steps.
- ``decade_floor(x)``, ``decade_ceiling(x)``: the powers of ten around x.
- ``log_limits(values, ...)``: log-axis limits at powers of ten around the positive
  finite values, with room below and above and bounds on both ends.
"""

from __future__ import annotations

import math

import numpy as np

ROUND_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def round_up(x: float, mantissas=ROUND_MANTISSAS) -> float:
    """The smallest m * 10^k >= x with m in ``mantissas`` (which must end with 10); x > 0."""
    decade = 10.0 ** math.floor(math.log10(x))
    return next(m * decade for m in mantissas if m * decade >= x * (1 - 1e-12))


def step_axis_end(steps: int, smallest: int = 10) -> int:
    """Where an axis of steps 1..steps ends: ``round_up(steps)``, at least ``smallest``."""
    return int(round(round_up(max(int(steps), smallest))))


def decade_floor(x: float) -> float:
    return 10.0 ** math.floor(math.log10(x))


def decade_ceiling(x: float) -> float:
    return 10.0 ** math.ceil(math.log10(x))


def log_limits(values, footroom: float = 1.0, headroom: float = 1.0, lowest: float = 0.0,
               top_at_least: float = 0.0, top_at_most: float = math.inf,
               empty: tuple[float, float] = (0.1, 10.0)) -> tuple[float, float]:
    """Log-axis limits at powers of ten around the positive finite ``values``: the bottom the
    power of ten at or below max(smallest / footroom, lowest), the top the power of ten at or
    above largest * headroom, kept within [top_at_least, top_at_most]. ``empty`` if no value
    is positive and finite."""
    values = np.asarray(values, dtype=np.float64)
    shown = values[np.isfinite(values) & (values > 0)]
    if not shown.size:
        return empty
    bottom = decade_floor(max(shown.min() / footroom, lowest))
    top = decade_ceiling(min(max(shown.max() * headroom, top_at_least), top_at_most))
    return bottom, max(top, 10 * bottom) if top <= bottom else top


__all__ = ["ROUND_MANTISSAS", "round_up", "step_axis_end", "decade_floor", "decade_ceiling", "log_limits"]
