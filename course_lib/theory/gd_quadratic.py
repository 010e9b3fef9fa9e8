"""When gradient descent converges on a quadratic, and how fast (lesson 01).

On f(theta) = 1/2 theta^T A theta, with the eigenvalues of A between mu and L,
one step theta_t = theta_{t-1} - lr * A theta_{t-1} multiplies the error along
the eigenvector of lambda_i by 1 - lr * lambda_i. Everything below follows:

- ``divergence_threshold(L)``: 2 / L, the step size above which the steepest direction grows.
- ``contraction_factor(lr, L, mu)``: r = max_i |1 - lr lambda_i| = max(|1 - lr mu|, |1 - lr L|),
  the worst factor per step (|1 - lr lambda| is convex in lambda, largest at an end of [mu, L]).
- ``best_lr(L, mu)``: 2 / (L + mu), where both ends shrink equally, at r = (kappa - 1) / (kappa + 1).
- ``loss_bound(f0, r, steps)``: f(theta_t) <= f(theta_0) r^(2t), since f = 1/2 sum_i lambda_i c_i^2
  and every coordinate c_i shrinks by at least r per step.

Lesson 01's explorer runs on ``unit_curvature_bowl(kappa)``: the steepest curvature
is L = 1 whatever the condition number, so the threshold 2 / L = 2 stays put while
kappa only flattens the other direction, mu = 1 / kappa. That bowl is the round one,
kappa = 1, stretched by sqrt(kappa) along its flat direction
(``flat_direction_stretch``), which is how the explorer redraws its contours.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import optim
from ..landscapes import Quadratic, quadratic, trajectory

BOWL_ANGLE = 0.5   # radians: the flat direction of the explorer's bowl, tilted so the zig-zag shows


def divergence_threshold(L: float) -> float:
    """2 / L: gradient descent diverges on a quadratic of largest curvature L for any lr above it."""
    return 2.0 / L


def contraction_factor(lr: float, L: float, mu: float) -> float:
    """r = max(|1 - lr mu|, |1 - lr L|): the error shrinks by at least this factor per step (grows if r > 1)."""
    return max(abs(1.0 - lr * mu), abs(1.0 - lr * L))


def best_lr(L: float, mu: float) -> float:
    """2 / (L + mu): the lr with the smallest contraction factor, (L - mu) / (L + mu)."""
    return 2.0 / (L + mu)


def loss_bound(f0: float, r: float, steps: int) -> np.ndarray:
    """f0 * r^(2t) for t = 0 .. steps: the bound on f(theta_t) - f* of gradient descent with factor r."""
    with np.errstate(over="ignore"):   # a diverging bound overflows to inf, which is what it means
        return f0 * r ** (2.0 * np.arange(int(steps) + 1))


def unit_curvature_bowl(condition_number: float) -> Quadratic:
    """The quadratic with curvatures L = 1 and mu = 1 / condition_number, flat direction at BOWL_ANGLE."""
    kappa = float(condition_number)
    return quadratic(condition_number=kappa, scale=1.0 / kappa, angle=BOWL_ANGLE, name="Quadratic")


def flat_direction_stretch(condition_number: float) -> np.ndarray:
    """The 2x2 matrix S = R diag(sqrt(kappa), 1) R^T that stretches the round bowl into ``unit_curvature_bowl``.

    With g(theta) = |theta|^2 / 2 the round bowl, unit_curvature_bowl(kappa)(S theta) = g(theta):
    S^-T S^-1 = R diag(1 / kappa, 1) R^T is the bowl's Hessian, so its contour at level c is the
    round bowl's contour at level c (a circle) stretched by S.
    """
    c, s = math.cos(BOWL_ANGLE), math.sin(BOWL_ANGLE)
    rotation = np.array([[c, -s], [s, c]])
    return rotation @ np.diag([math.sqrt(float(condition_number)), 1.0]) @ rotation.T


@functools.lru_cache(maxsize=64)
def bowl_run(lr: float, condition_number: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent with ``lr`` on unit_curvature_bowl(condition_number) from its demo start.

    Returns (path, losses): the iterates theta_0 .. theta_n, shape (n + 1, 2), and f at each,
    with n = steps unless the run left for good (``landscapes.trajectory`` stops it). Cached:
    the arrays are read-only.
    """
    land = unit_curvature_bowl(condition_number)
    path = trajectory(optim.SGD(lr=lr), land, steps=int(steps))
    with np.errstate(all="ignore"):
        losses = land(path)
    path.setflags(write=False)
    losses.setflags(write=False)
    return path, losses


__all__ = ["BOWL_ANGLE", "divergence_threshold", "contraction_factor", "best_lr", "loss_bound",
           "unit_curvature_bowl", "flat_direction_stretch", "bowl_run"]
