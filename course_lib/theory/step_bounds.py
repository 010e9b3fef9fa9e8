"""How large a step Adam and AdaMax can take, in units of the learning rate (eps = 0).

- ``paper_step_bound(beta1, beta2)``: the bound on |Delta_t| / alpha that Kingma
  and Ba state for Adam in section 2.1 of their paper (lesson 05).
- ``adamax_step_bound(beta1, beta2, t)``: the largest |Delta_t| / alpha AdaMax can
  take at step t, over all gradient sequences; a little above the paper's
  |Delta_t| <= alpha (lesson 07).
"""

from __future__ import annotations

import math


def paper_step_bound(beta1: float, beta2: float) -> float:
    """The Adam paper's bound on |Delta_t| / alpha (section 2.1, eps = 0).

        (1 - beta1) / sqrt(1 - beta2)   if (1 - beta1) > sqrt(1 - beta2)
        1                               otherwise

    The first case is the sparse one: a gradient that was 0 at every earlier
    step. For the defaults (0.9, 0.999) it is 0.1 / sqrt(0.001) ~ 3.16.
    """
    first, second = 1.0 - beta1, math.sqrt(1.0 - beta2)
    return first / second if first > second else 1.0


def adamax_step_bound(beta1: float, beta2: float, t: int) -> float:
    """The largest |Delta_t| / alpha of AdaMax at step t (eps = 0), over all gradient sequences.

        B_t = (1 - beta1) / (1 - beta1^t) * sum_{k=0}^{t-1} (beta1 / beta2)^k

    since |m_t| <= (1 - beta1) sum_i beta1^(t-i) |g_i| and |g_i| <= u_t / beta2^(t-i).
    B_1 = 1; for beta1 < beta2 it rises to (1 - beta1) / (1 - beta1 / beta2), 1.0091
    for the defaults; gradients that shrink by exactly beta2 per step attain it.
    For beta1 >= beta2 it grows without bound; for beta2 = 0 (u_t = |g_t|) there is none.
    """
    if t == 1:
        return 1.0
    if beta2 == 0:
        return math.inf
    r = beta1 / beta2
    total = float(t) if r == 1 else (1 - r**t) / (1 - r)
    return (1 - beta1) / (1 - beta1**t) * total


__all__ = ["paper_step_bound", "adamax_step_bound"]
