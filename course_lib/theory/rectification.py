"""RAdam's rectification seen as a warmup (lesson 09).

RAdam takes momentum-SGD steps until rho_t, the length of the simple average
that v_t is worth, passes a threshold; from then on it multiplies Adam's step
by r_t (``course_lib.optim.rho_t``, ``rho_inf``, ``rectification``). Lesson 09
compares lr * r_t with a linear warmup of the learning rate.

- ``first_rectified_step(beta2, threshold)``: the first step t with rho_t > threshold
  (5 for torch.optim.RAdam, 4 for the paper's Algorithm 2), or None if rho_t never
  gets there (rho_inf <= threshold).
- ``rectification_curve(beta2, ts)``: r_t at the steps ts where torch rectifies, NaN before.
- ``warmup_factor(t, warmup_steps)``: the linear warmup of ``schedules.LinearLR``
  (start factor 1 / warmup_steps), at step t counted from 1.
"""

from __future__ import annotations

import numpy as np

from .. import optim, schedules

PAPER_THRESHOLD = 4.0   # Algorithm 2 of Liu et al. (2020): rectify when rho_t > 4
TORCH_THRESHOLD = 5.0   # torch.optim.RAdam (and the authors' code): rho_t > 5


def first_rectified_step(beta2: float, threshold: float = TORCH_THRESHOLD, limit: int = 10**6):
    """Smallest t >= 1 with rho_t > threshold; None if rho_inf <= threshold (never)."""
    if optim.rho_inf(beta2) <= threshold:
        return None
    t = 1
    while optim.rho_t(beta2, t) <= threshold:  # rho_t increases with t, towards rho_inf
        t += 1
        if t > limit:
            return None
    return t


def rectification_curve(beta2: float, ts) -> np.ndarray:
    """r_t at each step of ``ts`` where torch rectifies (rho_t > 5), NaN before (no adaptive step at all)."""
    return np.array([optim.rectification(beta2, int(t)) if optim.rho_t(beta2, int(t)) > TORCH_THRESHOLD
                     else np.nan for t in ts])


def warmup_factor(t, warmup_steps: int):
    """lr multiplier of a linear warmup over warmup_steps steps, at step t = 1, 2, ...

    schedules.LinearLR(lr, start_factor=1 / W, total_iters=W) called with n = t - 1
    steps taken: 1/W at t = 1, then up by (1 - 1/W)/W per step, 1 from t = W + 1.
    """
    schedule = schedules.LinearLR(1.0, start_factor=1.0 / warmup_steps, total_iters=warmup_steps)
    return np.array([schedule(int(n)) for n in np.atleast_1d(t) - 1])


__all__ = ["PAPER_THRESHOLD", "TORCH_THRESHOLD", "first_rectified_step", "rectification_curve", "warmup_factor"]
