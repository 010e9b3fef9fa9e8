"""Regret in online convex optimization: AdaGrad's bound against online gradient descent's (lesson 03).

At each round t = 1 .. T a learner picks theta_t in a convex set X, then a convex
loss f_t is revealed and the learner pays f_t(theta_t). Its regret is what it paid
beyond the best fixed point chosen in hindsight::

    R(T) = sum_{t <= T} f_t(theta_t) - min_{u in X} sum_{t <= T} f_t(u)

- ``adagrad_regret_bound``: diagonal AdaGrad with lr = D_inf / sqrt(2), projected
  back onto X after every step, has R(T) <= sqrt(2) D_inf sum_i ||g_{1:T,i}||_2, where
  D_inf bounds ||theta_t - u||_inf over X and g_{1:T,i} is the column of the i-th
  gradient coordinate over the T rounds (Duchi, Hazan and Singer, "Adaptive
  subgradient methods for online learning and stochastic optimization", JMLR 2011,
  section 3). A coordinate that is rarely nonzero adds little to the sum.
- ``ogd_regret_bound``: projected online gradient descent with lr_t = D_2 / (G sqrt(t)),
  ||g_t||_2 <= G and D_2 the Euclidean diameter of X, has R(T) <= 3/2 G D_2 sqrt(T)
  (Zinkevich 2003; this constant: Hazan, "Introduction to Online Convex
  Optimization", Theorem 3.1).
- ``best_in_box``: the comparator min_u sum_t f_t(u) over a box, with the
  Frank-Wolfe gap that certifies how close to the minimum it is.
"""

from __future__ import annotations

import math

import numpy as np


def adagrad_regret_bound(gradients, diameter_inf: float) -> np.ndarray:
    """sqrt(2) D_inf sum_i ||g_{1:t,i}||_2 after each round t = 1 .. T; ``gradients`` is (T, d)."""
    gradients = np.asarray(gradients, dtype=np.float64)
    column_norms = np.sqrt(np.cumsum(gradients**2, axis=0))      # ||g_{1:t,i}||_2, one column per coordinate
    return math.sqrt(2) * diameter_inf * column_norms.sum(axis=1)


def ogd_regret_bound(gradient_bound: float, diameter_2: float, T) -> np.ndarray:
    """3/2 G D_2 sqrt(T): the regret allowed to projected online gradient descent with lr_t = D_2 / (G sqrt(t))."""
    return 1.5 * gradient_bound * diameter_2 * np.sqrt(np.asarray(T, dtype=np.float64))


def best_in_box(grad, n: int, half_width: float, L: float, iterations: int = 2000):
    """(u, gap): the minimizer over [-half_width, half_width]^n of a convex, L-smooth F, and its Frank-Wolfe gap.

    ``grad(u)`` is the gradient of F. Projected accelerated gradient (FISTA with a
    box projection, which is clipping). The gap, max over the box of
    <grad F(u), u - v> = <grad F(u), u> + half_width ||grad F(u)||_1, bounds
    F(u) - min F from above (convexity), so a small gap certifies the minimum.
    """
    u = z = np.zeros(n)
    s = 1.0
    for _ in range(iterations):
        u_next = np.clip(z - grad(z) / L, -half_width, half_width)
        s_next = (1 + math.sqrt(1 + 4 * s * s)) / 2
        z = u_next + (s - 1) / s_next * (u_next - u)
        u, s = u_next, s_next
    g = grad(u)
    return u, float(g @ u + half_width * np.abs(g).sum())


__all__ = ["adagrad_regret_bound", "best_in_box", "ogd_regret_bound"]
