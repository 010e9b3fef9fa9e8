"""The weights an exponential moving average started at zero gives its samples.

    v_t = beta * v_{t-1} + (1 - beta) * x_t,  v_0 = 0
        = sum over s = 1..t of (1 - beta) beta^(t - s) x_s

The weights fall off geometrically, so the average remembers about
1 / (1 - beta) samples (lesson 04: RMSProp's v forgets old squared gradients,
AdaGrad's sum does not), and they add up to 1 - beta^t, not 1: the missing
beta^t stays on the zero the average started from (lesson 06: Adam's bias
correction divides by 1 - beta^t, ``course_lib.optim.bias_correction``).
"""

from __future__ import annotations

import numpy as np


def ema_weights(beta: float, t: int) -> np.ndarray:
    """The weights (1 - beta) beta^(t - s), s = 1..t, that a zero-started moving average gives x_1..x_t.

    RMSProp's v_t with beta = beta2 gives them to g_1^2..g_t^2 (lesson 04; torch's
    RMSprop calls that decay ``alpha``), and Adam's v_t with the same beta2 likewise
    (lesson 06). They sum to 1 - beta^t.
    """
    s = np.arange(1, t + 1)
    return (1 - beta) * beta ** (t - s)


__all__ = ["ema_weights"]
