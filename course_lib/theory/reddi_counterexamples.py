"""Reddi, Kale and Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018): the settings of
their counterexamples and the quantity their critique of Adam's proof turns on (lesson 08).

- ``theorem1_mismatches(C, beta1, beta2, lr)``: how a setting of the online counterexample
  (``landscapes.ReddiOnlineProblem``) differs from the one their Theorem 1 is proved for;
  empty when it is that setting.
- ``stochastic_gradients(C, delta, steps, runs, seed)``: the gradients of their Theorem 3's
  stochastic problem, f_t(x) = C x with probability p = (1 + delta) / (C + 1), else -x.
- ``gamma(denominators, lr_t)``: Gamma_t = sqrt(v_t) / alpha_t - sqrt(v_{t-1}) / alpha_{t-1},
  which Kingma and Ba's convergence proof needs to be >= 0 and Adam does not keep >= 0.

The paper analyses Adam without its bias correction (its footnote 1: the arguments
apply to the corrected form too); these functions take whatever a method divides by.
"""

from __future__ import annotations

import math

import numpy as np

from ..i18n import _
from ..validation import nonnegative, positive_int, real


def theorem1_beta2(C: float) -> float:
    """The beta2 of Theorem 1: 1 / (1 + C^2), which makes v forget C^2 within one period."""
    return 1.0 / (1.0 + real("C", C) ** 2)


def theorem1_mismatches(C: float, beta1: float, beta2: float, lr: float,
                        beta1_tolerance: float = 0.0, beta2_tolerance: float = 0.0) -> list[str]:
    """What differs from Theorem 1's setting, one phrase each; [] when it is that setting.

    Theorem 1 (proof in the paper's appendix) runs Adam on f_t(x) = C x if t % 3 == 1
    else -x over [-1, 1] with beta1 = 0, beta2 = 1 / (1 + C^2) and alpha_t = alpha / sqrt(t),
    alpha < sqrt(1 - beta2) (``lr`` is alpha), and proves that its average regret does not
    go to 0: it converges to x = +1.
    The tolerances say how close beta1 and beta2 must be to count as equal (an explorer
    passes half its slider's step: a slider cannot hit 1 / (1 + C^2) exactly).
    """
    C, beta1, beta2, lr = real("C", C), real("beta1", beta1), real("beta2", beta2), nonnegative("lr", lr)
    mismatches = []
    if abs(beta1) > beta1_tolerance:
        mismatches.append(_("β1 = {beta1}, not 0").format(beta1=f"{beta1:.3g}"))
    wanted = theorem1_beta2(C)
    if abs(beta2 - wanted) > beta2_tolerance:
        mismatches.append(_("β2 = {beta2}, not 1/(1+C²) = {wanted}").format(beta2=f"{beta2:.3g}", wanted=f"{wanted:.3g}"))
    if not lr < math.sqrt(1.0 - beta2):
        mismatches.append(_("lr = {lr} is not below √(1−β2) = {bound}").format(
            lr=f"{lr:.3g}", bound=f"{math.sqrt(1.0 - beta2):.3g}"))
    return mismatches


def stochastic_probability(C: float, delta: float) -> float:
    """p = (1 + delta) / (C + 1): the probability of the large gradient C in Theorem 3's problem.

    The expected loss is then p C x - (1 - p) x = delta x, smallest at x = -1 on [-1, 1].
    """
    C, delta = real("C", C), real("delta", delta)
    if not 0.0 < delta < C:
        raise ValueError(f"delta must lie in (0, C) so that p = (1 + delta) / (C + 1) is a probability "
                         f"below 1 and the expected loss delta * x is smallest at -1; got delta = {delta}, C = {C}")
    return (1.0 + delta) / (C + 1.0)


def stochastic_gradients(C: float, delta: float, steps: int, runs: int = 1, seed: int = 0) -> np.ndarray:
    """g_t of Theorem 3's problem for ``runs`` independent games: an array (steps, runs).

    Each f_t is drawn independently: C x with probability p = (1 + delta) / (C + 1),
    else -x; its gradient, C or -1, does not depend on x.
    """
    p = stochastic_probability(C, delta)
    steps, runs = positive_int("steps", steps), positive_int("runs", runs)
    large = np.random.default_rng(seed).random((steps, runs)) < p
    return np.where(large, float(C), -1.0)


def gamma(denominators, lr_t) -> np.ndarray:
    """Gamma_t = d_t / alpha_t - d_{t-1} / alpha_{t-1} for t = 1..T, one entry per coordinate.

    ``denominators[t - 1]`` is d_t, what step t divides the first moment by (sqrt(v_t) in
    the paper's Adam, sqrt(v_hat_t) in torch's, the square root of the max in AMSGrad),
    shape (T, ...); ``lr_t[t - 1]`` is alpha_t, shape (T,). d_0 / alpha_0 is 0 (v_0 = 0), so
    Gamma_1 = d_1 / alpha_1. d_t / alpha_t is the inverse of the effective learning rate
    alpha_t / d_t: Gamma_t >= 0 in every entry (Reddi et al.'s "Gamma_t is positive
    semi-definite", V_t being diagonal) says the effective learning rate never grows.
    """
    denominators = np.asarray(denominators, dtype=np.float64)
    lr_t = np.asarray(lr_t, dtype=np.float64)
    if denominators.ndim == 0:
        raise ValueError("denominators needs one row per step: shape (T, ...), got a single number")
    if lr_t.shape != denominators.shape[:1]:
        raise ValueError(f"lr_t needs one learning rate per step: shape ({len(denominators)},), got {lr_t.shape}")
    inverse = denominators / lr_t.reshape((-1,) + (1,) * (denominators.ndim - 1))
    return np.diff(inverse, axis=0, prepend=np.zeros_like(inverse[:1]))


__all__ = ["theorem1_beta2", "theorem1_mismatches", "stochastic_probability", "stochastic_gradients", "gamma"]
