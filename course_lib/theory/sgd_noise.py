"""Where SGD with noisy gradients settles at a constant learning rate, and what a schedule changes (lesson 11).

On a quadratic with gradient noise of variance sigma^2, SGD with a constant lr
does not converge: it settles where the pull towards the minimum balances the
noise, at a loss roughly proportional to lr (the noise floor). A schedule that
decays the learning rate goes below it. Lesson 11 checks the formula against a
simulation; its schedule explorer draws both.

- ``noise_floor(lr, curvatures, sigma)``: the expected loss at which SGD settles.
- ``noisy_quadratic_losses(schedule_list, steps)``: SGD on NOISY_BOWL with noisy
  gradients under each schedule, the loss averaged over many runs.
"""

from __future__ import annotations

import math

import numpy as np

from .. import landscapes

# The noisy problem of lesson 11: curvatures 1 and 10, unit gradient noise.
NOISY_BOWL = landscapes.quadratic(condition_number=10.0)
GRADIENT_NOISE = 1.0


def noise_floor(lr: float, curvatures=(1.0, 10.0), sigma: float = GRADIENT_NOISE) -> float:
    """E[f] where SGD with a constant lr settles on f = sum_i h_i x_i^2 / 2 with N(0, sigma^2) gradient noise.

    Along curvature h the error obeys x <- (1 - lr h) x - lr sigma z, whose
    stationary variance is lr sigma^2 / (h (2 - lr h)); so E[f] =
    sum_i lr sigma^2 / (2 (2 - lr h_i)): roughly proportional to lr (inf when lr >= 2 / L).
    """
    if any(lr * h >= 2 for h in curvatures):
        return math.inf
    return sum(lr * sigma**2 / (2 * (2 - lr * h)) for h in curvatures)


def noisy_quadratic_losses(schedule_list, steps: int, runs: int = 200, seed: int = 0) -> np.ndarray:
    """Mean loss of SGD on NOISY_BOWL under each schedule of ``schedule_list``, after every step.

    Returns an array (len(schedule_list), steps + 1): column 0 is the loss at the
    start, column n + 1 the mean over ``runs`` runs after step n, taken with
    lr = schedule(n). Every schedule sees the same noise. Plain SGD,
    x <- x - lr (grad f(x) + noise), written out so that a few thousand steps
    of all runs at once cost milliseconds; a diverging run gives inf.
    """
    rng = np.random.default_rng(seed)
    lrs = np.array([[schedule(n) for schedule in schedule_list] for n in range(steps)])  # (steps, S)
    noise = GRADIENT_NOISE * rng.normal(size=(steps, runs, 2))
    hessian = NOISY_BOWL.hessian  # f(x) = x^T H x / 2, grad f(x) = H x
    x = np.broadcast_to(NOISY_BOWL.start, (len(schedule_list), runs, 2)).copy()
    losses = np.empty((len(schedule_list), steps + 1))
    with np.errstate(all="ignore"):
        losses[:, 0] = 0.5 * np.einsum("sri,ij,srj->s", x, hessian, x) / runs
        for n in range(steps):
            x = x - lrs[n][:, None, None] * (x @ hessian + noise[n])
            losses[:, n + 1] = 0.5 * np.einsum("sri,ij,srj->s", x, hessian, x) / runs
    return np.where(np.isfinite(losses), losses, np.inf)


__all__ = ["NOISY_BOWL", "GRADIENT_NOISE", "noise_floor", "noisy_quadratic_losses"]
