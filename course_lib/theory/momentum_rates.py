"""How fast heavy-ball and Nesterov momentum converge on a quadratic, and the best heavy ball.

Lesson 02: along an eigenvector of curvature lam the error of momentum obeys a
two-term recurrence; the roots of its characteristic polynomial give the
factor by which the error shrinks per step, and the heavy ball's best alpha and
beta make that factor as small as it can be for curvatures in [mu, L]. The
lesson's explorer prints both in its legend and title.
"""

from __future__ import annotations

import math

import numpy as np


def optimal_heavy_ball(L: float, mu: float) -> tuple[float, float]:
    """(alpha*, beta*) for heavy-ball momentum on a quadratic with curvatures in [mu, L]
    (Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017)."""
    kappa = L / mu
    alpha = (2 / (math.sqrt(L) + math.sqrt(mu))) ** 2
    beta = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2
    return alpha, beta


def predicted_rate(lr: float, momentum: float, nesterov: bool, curvatures) -> float:
    """The largest |z| over the roots of each curvature's characteristic polynomial.

    Along an eigenvector with curvature lam, torch's heavy ball obeys
    e_{t+1} = (1 + beta - lr lam) e_t - beta e_{t-1}, so z^2 - (1 + beta - lr lam) z + beta = 0;
    Nesterov's look-ahead gives z^2 - (1 + beta)(1 - lr lam) z + beta (1 - lr lam) = 0.
    Plain gradient descent (beta = 0) has the single root 1 - lr lam.
    """
    rate = 0.0
    for lam in curvatures:
        shrink = 1 - lr * lam
        if nesterov:
            coefficients = [1.0, -(1 + momentum) * shrink, momentum * shrink]
        else:
            coefficients = [1.0, -(1 + momentum - lr * lam), momentum]
        rate = max(rate, float(np.max(np.abs(np.roots(coefficients)))))
    return rate


__all__ = ["optimal_heavy_ball", "predicted_rate"]
