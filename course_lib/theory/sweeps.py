"""The best value of a sweep, and the refusal to call a grid's edge the best.

When the best learning rate of a sweep is the smallest or the largest one tried,
the sweep has not found an optimum: a value beyond the grid may be better still.
Lesson 12 lists calling it "tuned" as a mistake; every lesson that reports a best
or tuned value picks it here, so a notebook that would report an edge fails
when it runs (and so does its nbval test)::

    i = best_inside(lrs, final_losses, what="Adam + warmup's learning rate")
    best_lr = lrs[i]
"""

from __future__ import annotations

import numpy as np


class GridEdgeError(ValueError):
    """The best score of a sweep sits at the first or last value of its grid."""


def best_inside(grid, scores, what: str, lower_is_better: bool = True) -> int:
    """The index of the best of ``scores`` (one per value of ``grid``), never an edge.

    NaN and infinite scores (diverged runs) count as the worst. Raises
    GridEdgeError, naming ``what`` and the grid, when the best is the grid's first
    or last value, and ValueError when no score is finite.
    """
    grid = np.asarray(grid)
    scores = np.asarray(scores, dtype=np.float64)
    if grid.ndim != 1 or scores.shape != grid.shape:
        raise ValueError(f"{what}: grid and scores must be 1-D and of one length, "
                         f"got shapes {grid.shape} and {scores.shape}")
    if len(grid) < 3:
        raise ValueError(f"{what}: a grid of {len(grid)} value(s) has no inside; sweep at least 3")
    finite = np.isfinite(scores)
    if not finite.any():
        raise ValueError(f"{what}: every run of the sweep diverged or failed; move the grid")
    worst = np.inf if lower_is_better else -np.inf
    ranked = np.where(finite, scores, worst)
    best = int(np.argmin(ranked) if lower_is_better else np.argmax(ranked))
    if best in (0, len(grid) - 1):
        side = "smallest" if best == 0 else "largest"
        raise GridEdgeError(f"{what}: the best of the sweep is {grid[best]:g}, the {side} value tried "
                            f"(grid {', '.join(f'{g:g}' for g in grid)}); extend the grid past it "
                            "before calling it best or tuned")
    return best


__all__ = ["GridEdgeError", "best_inside"]
