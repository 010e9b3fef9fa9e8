"""Lookahead on a quadratic: what one cycle does, and the largest learning rate it survives (lesson 10).

Lookahead (Zhang et al., 2019) lets an inner optimizer take k fast steps from
the slow weights phi, then moves phi a fraction slow_lr of the way to where they
ended: phi += slow_lr (theta - phi). Around gradient descent on a quadratic, one
cycle multiplies the error along each eigenvector by a number that lesson 10
derives and checks against a run, and from which it reads the largest stable lr.

- ``lookahead_paths(inner, k, slow_lr, landscape, steps)``: the fast and the slow
  weights of a run, to measure (and draw) with.
- ``lookahead_cycle_factor(lr, curvature, k, slow_lr)``: the factor per cycle.
- ``lookahead_lr_limit(L, k, slow_lr)``: the largest lr for which it is below 1 in size.
"""

from __future__ import annotations

import math

import numpy as np

from .. import landscapes, optim


def lookahead_paths(inner, k: int, slow_lr: float, landscape=None, steps: int = 60, start=None):
    """Run optim.Lookahead(inner, k, slow_lr) on ``landscape`` (default: the narrow valley) and return (fast, slow).

    fast: (steps + 1, 2), the start and the fast weights after every step (what
    Lookahead.step returns); shorter if the run diverges (a point beyond 1e6 or
    not finite ends it, as in landscapes.trajectory).
    slow: (steps // k + 1, 2), the slow weights phi at the start and after every
    synchronisation (every k-th step), the points Lookahead should be judged by.
    """
    landscape = landscapes.narrow_valley() if landscape is None else landscape
    lookahead = optim.Lookahead(inner, k=k, slow_lr=slow_lr)
    theta = np.array(landscape.start if start is None else start, dtype=np.float64)
    fast, slow = [theta], [theta]
    for theta, state in landscapes.steps_taken(lookahead, landscape, steps, start=theta):
        fast.append(theta)
        if state.t % k == 0:
            slow.append(state.slow)
    return np.array(fast), np.array(slow)


def lookahead_cycle_factor(lr: float, curvature: float, k: int, slow_lr: float) -> float:
    """What one Lookahead cycle (k steps of gradient descent, then phi += slow_lr (theta - phi))
    multiplies the error along an eigenvector of curvature h by, on a quadratic:

        (1 - slow_lr) + slow_lr (1 - lr h)^k

    (k plain steps alone multiply it by (1 - lr h)^k).
    """
    return (1 - slow_lr) + slow_lr * (1 - lr * curvature) ** k


def lookahead_lr_limit(L: float, k: int, slow_lr: float) -> float:
    """The largest lr for which Lookahead(gradient descent) converges on a quadratic with top curvature L.

    |1 - slow_lr + slow_lr r^k| < 1 with r = 1 - lr L. For even k, r^k >= 0 and
    the condition is |r| < 1, lr < 2 / L as for gradient descent alone. For odd
    k, r^k may be negative down to 1 - 2 / slow_lr: lr < (1 + (2 / slow_lr - 1)^(1/k)) / L.
    """
    if slow_lr == 0 or k % 2 == 0:
        return math.inf if slow_lr == 0 else 2.0 / L
    return (1 + (2 / slow_lr - 1) ** (1 / k)) / L


__all__ = ["lookahead_paths", "lookahead_cycle_factor", "lookahead_lr_limit"]
