"""How a run ended: the step at which it diverged, or how far it is from the nearest minimum.

Lesson 00 states both for every run of its table ("diverged at step 12",
"0.004 from the minimum (1, 1)"), and its explorer puts them in a title.
A path is what ``course_lib.landscapes.trajectory`` returns.
"""

from __future__ import annotations

import numpy as np

from ..landscapes import DIVERGENCE_NORM, Landscape


def nearest_minimum(land: Landscape, point) -> tuple[int, float]:
    """(index into land.minima, distance) of the global minimizer closest to ``point``."""
    distances = [float(np.linalg.norm(np.asarray(point) - m)) for m in land.minima]
    index = int(np.argmin(distances))  # not a sweep: the closest of the landscape's minima
    return index, distances[index]


def diverged_at(path: np.ndarray, steps: int) -> int | None:
    """The step at which the run was stopped as diverged, or None if it ran all ``steps``.

    ``trajectory`` keeps the first point beyond DIVERGENCE_NORM if it is
    finite and drops it if it is not, so that step is len(path) - 1 or len(path).
    """
    if len(path) == steps + 1 and np.linalg.norm(path[-1]) <= DIVERGENCE_NORM:
        return None
    return len(path) - 1 if np.linalg.norm(path[-1]) > DIVERGENCE_NORM else len(path)


__all__ = ["nearest_minimum", "diverged_at"]
