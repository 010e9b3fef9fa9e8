"""A smooth, strongly convex function on which the quadratic-optimal heavy ball never converges (lesson 02).

Heavy ball's best settings and its rate (sqrt(kappa) - 1) / (sqrt(kappa) + 1)
come from the eigenvalues of a linear recurrence: a theorem about quadratics.
Lessard, Recht and Packard ("Analysis and design of optimization algorithms via
integral quadratic constraints", SIAM J. Optim. 26(1), 2016), in their section on
the heavy-ball method, give this one-dimensional function, three quadratic pieces
whose values and slopes match where they meet::

    f(x) = 25/2 x^2               x < 1          f'(x) = 25 x
           1/2 x^2 + 24 x - 12    1 <= x < 2             x + 24
           25/2 x^2 - 24 x + 36   x >= 2                 25 x - 24

f' is continuous and its slope lies in [MU, L] = [1, 25]: f is 1-strongly convex
and 25-smooth, with its minimum at x* = 0, f* = 0. Heavy ball with
alpha = 4 / (sqrt(L) + sqrt(MU))^2 = 1/9 and beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2 = 4/9
(``momentum_rates.optimal_heavy_ball(L, MU)``), started near x0 = 3.3, settles into
a cycle of three points instead of converging.
"""

from __future__ import annotations

import numpy as np

L = 25.0
MU = 1.0
MINIMIZER = 0.0


def f(x):
    """The function's value, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 1, 12.5 * x**2, np.where(x < 2, 0.5 * x**2 + 24 * x - 12, 12.5 * x**2 - 24 * x + 36))


def grad(x):
    """Its derivative, elementwise: 25 x, x + 24 or 25 x - 24 on the three pieces."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 1, 25 * x, np.where(x < 2, x + 24, 25 * x - 24))


__all__ = ["L", "MINIMIZER", "MU", "f", "grad"]
