"""What Nesterov's accelerated gradient is proven to do, against gradient descent (lesson 02).

For a convex f whose gradient is L-Lipschitz (f is L-smooth), with a minimizer
theta* and f* = f(theta*), and theta_k the point where the k-th gradient step
lands (Sutskever's theta in lesson 02's look-ahead form, not the look-ahead
points that torch.optim.SGD(nesterov=True) stores):

- ``gradient_descent_bound``: gradient descent with lr = 1/L,
  f(theta_k) - f* <= L ||theta_0 - theta*||^2 / (2 k)
  (Beck and Teboulle 2009, Theorem 3.1);
- ``nesterov_bound``: Nesterov's method (1983) with lr = 1/L and the growing
  momentum of ``nesterov_momentum``,
  f(theta_k) - f* <= 2 L ||theta_0 - theta*||^2 / (k + 1)^2
  (Beck and Teboulle 2009, Theorem 4.4);
- ``nesterov_strongly_convex_bound``: if f is also mu-strongly convex, kappa = L / mu,
  Nesterov's method with lr = 1/L and the constant momentum
  ``strongly_convex_momentum(L, mu)`` = (sqrt(kappa) - 1) / (sqrt(kappa) + 1),
  f(theta_k) - f* <= (1 - 1/sqrt(kappa))^k (f(theta_0) - f* + mu/2 ||theta_0 - theta*||^2)
  (Nesterov 2004, section 2.2.1, the constant-step scheme with gamma_0 = mu).
"""

from __future__ import annotations

import math

import numpy as np


def nesterov_momentum(steps: int) -> np.ndarray:
    """beta_t for t = 1 .. steps: the momentum of Nesterov's method for convex f (FISTA's sequence).

        s_1 = 1,   s_t = (1 + sqrt(1 + 4 s_{t-1}^2)) / 2,   beta_t = (s_{t-1} - 1) / s_t   (t >= 2)

    Step 1 has no velocity yet, so beta_1 = 0 (as is beta_2). beta_t grows like
    (t - 2) / (t + 1) towards 1. Used as lesson 02's look-ahead step,
    v_t = beta_t v_{t-1} + lr grad f(theta_{t-1} - beta_t v_{t-1}), theta_t = theta_{t-1} - v_t,
    this is Beck and Teboulle's FISTA without the proximal step.
    """
    s = [1.0]
    for _ in range(1, steps):
        s.append((1 + math.sqrt(1 + 4 * s[-1] ** 2)) / 2)
    return np.array([0.0] + [(s[t - 2] - 1) / s[t - 1] for t in range(2, steps + 1)])


def strongly_convex_momentum(L: float, mu: float) -> float:
    """(sqrt(kappa) - 1) / (sqrt(kappa) + 1): Nesterov's constant momentum for mu-strongly convex f."""
    root_kappa = math.sqrt(L / mu)
    return (root_kappa - 1) / (root_kappa + 1)


def gradient_descent_bound(L: float, distance_sq: float, k) -> np.ndarray:
    """L ||theta_0 - theta*||^2 / (2 k): the gap f(theta_k) - f* allowed to gradient descent with lr = 1/L."""
    k = np.asarray(k, dtype=np.float64)
    return L * distance_sq / (2 * k)


def nesterov_bound(L: float, distance_sq: float, k) -> np.ndarray:
    """2 L ||theta_0 - theta*||^2 / (k + 1)^2: the gap allowed to Nesterov's method with lr = 1/L."""
    k = np.asarray(k, dtype=np.float64)
    return 2 * L * distance_sq / (k + 1) ** 2


def nesterov_strongly_convex_bound(L: float, mu: float, initial_gap: float, distance_sq: float, k) -> np.ndarray:
    """(1 - 1/sqrt(kappa))^k (f(theta_0) - f* + mu/2 ||theta_0 - theta*||^2), kappa = L / mu."""
    k = np.asarray(k, dtype=np.float64)
    return (1 - math.sqrt(mu / L)) ** k * (initial_gap + mu / 2 * distance_sq)


__all__ = ["gradient_descent_bound", "nesterov_bound", "nesterov_momentum", "nesterov_strongly_convex_bound",
           "strongly_convex_momentum"]
