"""AdaMax's L^p moment and its limit as p -> infinity, the decayed maximum (lesson 07).

Adam's v_t is a moving average of g^2; replace 2 by p and take the p-th root,

    v_t = beta2^p v_{t-1} + (1 - beta2^p) |g_t|^p,   v_0 = 0,

and as p grows v_t^(1/p) tends to u_t = max(beta2 u_{t-1}, |g_t|), AdaMax's
denominator. Lesson 07 measures how fast; its explorer draws both.

- ``lp_moment_root(gradients, beta2, p)``: v_t^(1/p) for t = 1..T, computed in log
  space (|g|^p overflows float64 long before v_t^(1/p) is anything but an ordinary number).
- ``decayed_max(gradients, beta2)``: u_t for t = 1..T.
"""

from __future__ import annotations

import numpy as np


def lp_moment_root(gradients, beta2: float, p: float) -> np.ndarray:
    """v_t^(1/p) for every t, with v_0 = 0 and v_t = beta2^p v_{t-1} + (1 - beta2^p) |g_t|^p.

    gradients: a 1-D sequence g_1..g_T. p may be a number or an array of
    numbers (the result then has one column per p). Works on log v_t:
    log v_t = logaddexp(p log beta2 + log v_{t-1}, log(1 - beta2^p) + p log|g_t|),
    which never overflows or underflows, whatever the size of |g_t|^p.
    """
    g = np.abs(np.asarray(gradients, dtype=np.float64))
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):  # log 0 = -inf is what a zero gradient (or beta2 = 0) means
        log_decay = p * np.log(beta2)
        log_weight = np.log1p(-(beta2**p))
        log_g = np.log(g)
    log_v = np.full(p.shape, -np.inf)
    out = np.empty((len(g),) + p.shape)
    for t, log_g_t in enumerate(log_g):
        log_v = np.logaddexp(log_decay + log_v, log_weight + p * log_g_t)
        out[t] = log_v / p
    return np.exp(out)


def decayed_max(gradients, beta2: float) -> np.ndarray:
    """u_t = max(beta2 u_{t-1}, |g_t|) for every t, with u_0 = 0 (the paper's AdaMax, no eps)."""
    u, out = 0.0, []
    for g in np.asarray(gradients, dtype=np.float64):
        u = max(beta2 * u, abs(g))
        out.append(u)
    return np.array(out)


__all__ = ["lp_moment_root", "decayed_max"]
