"""How long an optimizer's steps are along a path, in units of its learning rate (lesson 07).

Adam's and AdaMax's steps are measured in units of alpha: the paper bounds them
there (``step_bounds``). Lesson 07's explorer draws, for Adam and AdaMax on a
landscape, each step's largest coordinate against AdaMax's bound B_t:

- ``largest_step_in_lr(path, lr)``: max_i |theta_t,i - theta_{t-1},i| / lr for each step of a path.
- ``adamax_step_bounds(beta1, beta2, steps)``: B_t for t = 1..steps (``step_bounds.adamax_step_bound``).
"""

from __future__ import annotations

import numpy as np

from .step_bounds import adamax_step_bound


def largest_step_in_lr(path: np.ndarray, lr: float) -> np.ndarray:
    """max over coordinates of |theta_t - theta_{t-1}| / lr, for each step of a path (n, d): shape (n - 1,)."""
    path = np.asarray(path, dtype=np.float64)
    if len(path) < 2:
        return np.zeros(0)
    return np.abs(np.diff(path, axis=0)).max(axis=1) / lr


def adamax_step_bounds(beta1: float, beta2: float, steps: int) -> np.ndarray:
    """AdaMax's bound B_t on |Delta_t| / alpha for t = 1..steps (inf where there is none, or
    where it exceeds the floats: for beta1 > beta2 it grows like (beta1 / beta2)^t)."""
    bounds = []
    for t in range(1, steps + 1):
        try:
            bounds.append(adamax_step_bound(beta1, beta2, t))
        except OverflowError:
            bounds.append(np.inf)
    return np.array(bounds)


__all__ = ["largest_step_in_lr", "adamax_step_bounds"]
