"""How fast v_t^(1/p) reaches AdaMax's u_t as p grows, on one gradient sequence (lesson 07).

``lp_moments`` computes the L^p moment's root v_t^(1/p) and its limit, the decayed
maximum u_t = max(beta2 u_{t-1}, |g_t|). Lesson 07's explorer compares them along
``example_gradients``:

- ``example_gradients(steps, seed)``: noise whose scale shrinks tenfold, and one late spike.
- ``corrected_lp_moment_root(gradients, beta2, p)``: (v_t / (1 - beta2^(p t)))^(1/p). The
  weights of |g_1|^p..|g_t|^p in v_t sum to 1 - beta2^(p t) (the rest stays on v_0 = 0, as
  in lesson 06), so this is the L^p moment's own bias correction; its factor tends to 1 as p grows.
- ``relative_gap(gradients, beta2, p)``: |v_T^(1/p) - u_T| / u_T at the last step T, for one
  p or an array of them. Always below 1, since v_t < u_t^p: each decayed |g_s| is at most u_t.
"""

from __future__ import annotations

import numpy as np

from .lp_moments import decayed_max, lp_moment_root


def example_gradients(steps: int, seed: int = 7) -> np.ndarray:
    """A gradient sequence with a story: noise whose scale shrinks from 1 to 0.1, and one spike of 4 at 60 %."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    g = rng.normal(size=steps) * 10.0 ** (-t / max(steps - 1, 1))
    g[int(0.6 * steps)] = 4.0
    return g


def corrected_lp_moment_root(gradients, beta2: float, p: float) -> np.ndarray:
    """(v_t / (1 - beta2^(p t)))^(1/p) for t = 1..T: v_t^(1/p) with the L^p moment's bias correction."""
    root = lp_moment_root(gradients, beta2, p)
    if beta2 == 0:
        return root   # no memory: v_t = |g_t|^p, nothing left on v_0
    t = np.arange(1, len(root) + 1)
    with np.errstate(divide="ignore"):
        # 1 - beta2^(p t) = -expm1(p t log beta2), exact even when beta2^(p t) is within rounding of 1
        return root / (-np.expm1(t * p * np.log(beta2))) ** (1 / p)


def relative_gap(gradients, beta2: float, p) -> np.ndarray | float:
    """|v_T^(1/p) - u_T| / u_T at the last step, for a number p or an array of them."""
    u_last = decayed_max(gradients, beta2)[-1]
    return np.abs(lp_moment_root(gradients, beta2, p)[-1] / u_last - 1)


__all__ = ["example_gradients", "corrected_lp_moment_root", "relative_gap"]
