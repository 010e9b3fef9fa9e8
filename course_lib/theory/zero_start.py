"""What a moving average started at zero holds after t steps (lesson 06).

    v_t = beta2 v_{t-1} + (1 - beta2) g_t^2,  v_0 = 0
        = sum over s = 1..t of (1 - beta2) beta2^(t - s) g_s^2  +  beta2^t v_0

The weights of g_1^2..g_t^2 add up to 1 - beta2^t (``moving_averages.ema_weights``);
the missing beta2^t is the weight the average keeps on its start v_0 = 0. So when
every g_t^2 has the same expectation, E[v_t] = (1 - beta2^t) E[g^2], and Adam's
bias correction, a division by 1 - beta2^t (``course_lib.optim.bias_correction``),
removes that bias; it does not remove the noise of an average of few gradients.

- ``start_weight(beta2, t)``: beta2^t, the weight v_t keeps on v_0.
- ``noisy_gradients(t_max, runs, seed)``: g ~ N(MEAN, STD^2), for which E[g^2] = MEAN^2 + STD^2 = 1.
- ``average_of_squares(gradients, beta2)``: v_t for each run of gradients.
- ``simulate_v(beta2, t_max, runs, seed)``: the two together, divided by E[g^2].
"""

from __future__ import annotations

import numpy as np

# Noisy gradients with E[g^2] = MEAN^2 + STD^2 = 1: v_t itself is then the fraction of E[g^2] it holds.
MEAN, STD = 0.6, 0.8
SECOND_MOMENT = MEAN**2 + STD**2
BLOCK = 64   # steps of the recursion per matrix product in simulate_v


def start_weight(beta2: float, t):
    """beta2^t: the weight a moving average started at v_0 = 0 keeps on v_0 after t steps (t a
    number or an array), what the weights of g_1..g_t, which sum to 1 - beta2^t, leave out of 1."""
    return np.power(float(beta2), t, dtype=np.float64)


def noisy_gradients(t_max: int, runs: int, seed: int = 0) -> np.ndarray:
    """g_t ~ N(MEAN, STD^2) for t = 1..t_max in ``runs`` independent runs: an array (t_max, runs).
    Drawn row by row from ``seed``, so a longer draw starts with the same gradients."""
    return MEAN + STD * np.random.default_rng(seed).standard_normal((t_max, runs))


def average_of_squares(gradients, beta2: float) -> np.ndarray:
    """v_t for t = 1..T, for each column of ``gradients`` (T, runs): v_0 = 0 and
    v_t = beta2 v_{t-1} + (1 - beta2) g_t^2.

    The recursion advances BLOCK steps at a time (an explorer redoes it on every move of
    beta2): within a block starting after step k,

        v_{k+j} = beta2^j v_k + sum over i = 1..j of (1 - beta2) beta2^(j-i) g_{k+i}^2,

    one matrix product for the sum, the same numbers as the step-by-step loop.
    """
    squares = np.asarray(gradients, dtype=np.float64) ** 2
    t_max, runs = squares.shape
    lag = np.subtract.outer(np.arange(BLOCK), np.arange(BLOCK))   # j - i
    within = np.where(lag >= 0, (1 - beta2) * beta2 ** np.maximum(lag, 0), 0.0)
    carried = beta2 ** np.arange(1, BLOCK + 1, dtype=np.float64)   # what is left of v_k after j steps
    v = np.zeros(runs)
    out = np.empty((t_max, runs))
    for k in range(0, t_max, BLOCK):
        n = min(BLOCK, t_max - k)
        out[k:k + n] = within[:n, :n] @ squares[k:k + n] + np.outer(carried[:n], v)
        v = out[k + n - 1]
    return out


def simulate_v(beta2: float, t_max: int, runs: int, seed: int = 0) -> np.ndarray:
    """v_t / E[g^2] for t = 1..t_max in ``runs`` independent runs on ``noisy_gradients``: (t_max, runs)."""
    return average_of_squares(noisy_gradients(t_max, runs, seed), beta2) / SECOND_MOMENT


__all__ = ["MEAN", "STD", "SECOND_MOMENT", "start_weight", "noisy_gradients", "average_of_squares", "simulate_v"]
