"""Which step sizes make SGD converge, and how fast (lesson 01, "Going deeper").

Robbins and Monro (1951) ask the step sizes for two sums: sum_t lr_t = inf, so that
the steps can travel any distance, and sum_t lr_t^2 < inf, so that the noise they
inject stays finite. On the noisy quadratic

    f(theta) = mu theta^2 / 2,    g_t = mu theta_{t-1} + sigma xi_t   (xi_t independent, standard normal)

everything is exact: theta_t = (1 - lr_t mu) theta_{t-1} - lr_t sigma xi_t, so the mean
square error e_t = E[theta_t^2] obeys e_t = (1 - lr_t mu)^2 e_{t-1} + lr_t^2 sigma^2, and
E[f(theta_t)] - f* = mu e_t / 2. The lesson checks the theorems below against this
and against a simulation.

- ``expected_gap(lrs, mu, sigma, theta_0)``: E[f(theta_t)] - f* on that quadratic, t = 0 .. len(lrs).
- ``c_over_t_exponent(c, mu)``: lr_t = c / t makes E[f] - f* decay like t^-min(1, 2 c mu).
- ``c_over_t_constant(c, mu, sigma)``: the A of E[f(theta_t)] - f* ~ A / t when 2 c mu > 1.
- ``convex_gap_bound(lrs, D, G)``: the bound of Nemirovski et al. (2009) on a convex f, for the
  step-size-weighted average of the iterates.

A constant lr settles at a noise floor instead; its level is ``sgd_noise.noise_floor``.
"""

from __future__ import annotations

import numpy as np


def expected_gap(lrs, mu: float, sigma: float, theta_0: float) -> np.ndarray:
    """E[f(theta_t)] - f* for t = 0, 1, ..., len(lrs), SGD on f = mu theta^2 / 2 with N(0, sigma^2) gradient noise.

    ``lrs[n]`` is the learning rate of step t = n + 1. A column per schedule is allowed:
    ``lrs`` of shape (steps, k) gives an array (steps + 1, k).
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    e = np.empty((len(lrs) + 1,) + lrs.shape[1:])
    e[0] = theta_0**2
    for n, lr_t in enumerate(lrs):
        e[n + 1] = (1 - lr_t * mu) ** 2 * e[n] + lr_t**2 * sigma**2
    return mu * e / 2


def c_over_t_exponent(c: float, mu: float) -> float:
    """The p of E[f(theta_t)] - f* ~ t^-p under lr_t = c / t on a mu-strongly convex quadratic: min(1, 2 c mu).

    The noise gives 1/t once 2 c mu > 1; below, the start is forgotten only like
    (prod (1 - c mu / s))^2 ~ t^(-2 c mu), and that sets the pace (at 2 c mu = 1
    exactly, a log t factor joins the 1/t).
    """
    return min(1.0, 2.0 * c * mu)


def c_over_t_constant(c: float, mu: float, sigma: float) -> float:
    """A in E[f(theta_t)] - f* ~ A / t, for lr_t = c / t and 2 c mu > 1: mu c^2 sigma^2 / (2 (2 c mu - 1)).

    Putting e_t = a / t into the recursion and keeping the 1/t^2 terms gives
    a (2 c mu - 1) = c^2 sigma^2; then E[f] - f* = mu e_t / 2.
    """
    if 2 * c * mu <= 1:
        raise ValueError(f"the 1/t rate needs 2 c mu > 1, got c = {c:g}, mu = {mu:g} (2 c mu = {2 * c * mu:g})")
    return mu * c**2 * sigma**2 / (2 * (2 * c * mu - 1))


def convex_gap_bound(lrs, D: float, G: float) -> np.ndarray:
    """(D^2 + G^2 sum_s lr_s^2) / (2 sum_s lr_s), s = 1 .. t, for t = 1 .. len(lrs).

    Nemirovski, Juditsky, Lan and Shapiro (2009): for a convex f, stochastic
    gradients with E[g_t] = grad f(theta_{t-1}) and E||g_t||^2 <= G^2, and a start at
    distance D from a minimizer, it bounds E[f(theta~_t)] - f*, where theta~_t is the
    average of theta_0 .. theta_{t-1} weighted by lr_1 .. lr_t. A constant lr = D / (G sqrt(T))
    makes it D G / sqrt(T) at t = T.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    return (D**2 + G**2 * np.cumsum(lrs**2)) / (2 * np.cumsum(lrs))


__all__ = ["expected_gap", "c_over_t_exponent", "c_over_t_constant", "convex_gap_bound"]
