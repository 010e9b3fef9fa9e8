"""SWATS: the SGD learning rate that Adam's steps correspond to (lesson 11).

Keskar and Socher (2017, *Improving Generalization Performance by Switching from
Adam to SGD*) run Adam and, after each step p_k = theta_k - theta_{k-1} taken from
the gradient g_k, ask for the SGD step size gamma_k whose step -gamma_k g_k,
projected orthogonally onto the direction of p_k, is p_k itself::

    (-gamma_k g_k . p_k) / (p_k . p_k) * p_k = p_k    <=>    gamma_k = p_k . p_k / (-p_k . g_k)

(Projecting the other way, Adam's step onto the gradient, would ask
(p_k . g_k / |g_k|^2) g_k = -gamma g_k and give gamma = -p_k . g_k / |g_k|^2: smaller
by the factor cos^2 of the angle between p_k and -g_k.) The estimate is averaged
like Adam's v and bias-corrected::

    lambda_k = beta2 lambda_{k-1} + (1 - beta2) gamma_k,    Lambda_k = lambda_k / (1 - beta2^k)

and the switch comes once k > 1 and |Lambda_k - gamma_k| < tol (1e-9 in the paper).
SGD then continues with v_k = beta1 v_{k-1} + g_k, theta_k = theta_{k-1} - (1 - beta1) Lambda v_k:
PyTorch's SGD with momentum beta1 and learning rate (1 - beta1) Lambda.

- ``swats_gamma(p, g)``: gamma_k.
- ``gradient_projection_rate(p, g)``: the other projection's rate, -p.g / |g|^2.
- ``swats_average(lambda_previous, gamma, k, beta2)``: (lambda_k, Lambda_k).
- ``swats_switch(Lambda, gamma, k, tol)``: the paper's test for switching.
- ``swats_sgd_lr(Lambda, beta1)``: the learning rate of PyTorch's SGD after the switch.
"""

from __future__ import annotations

import numpy as np


def _flat(x) -> np.ndarray:
    """An array, or a dict of arrays (a network's parameters), as one vector."""
    if isinstance(x, dict):
        return np.concatenate([np.ravel(x[name]) for name in sorted(x)])
    return np.ravel(np.asarray(x, dtype=np.float64))


def swats_gamma(p, g) -> float:
    """gamma = p.p / (-p.g): the SGD step size whose step -gamma g projects onto Adam's step p as p.

    p is Adam's step (new parameters minus old), g the gradient it was computed
    from; either may be an array or a dict of arrays. The paper skips a step with
    p.g = 0 (no such gamma exists): this raises ValueError there.
    """
    p, g = _flat(p), _flat(g)
    if p.shape != g.shape:
        raise ValueError(f"p and g must have the same size, got {p.size} and {g.size}")
    descent = -float(p @ g)
    if descent == 0.0:
        raise ValueError("p.g = 0: Adam's step is orthogonal to the gradient and no SGD step size projects onto it; "
                         "SWATS skips such a step")
    return float(p @ p) / descent


def gradient_projection_rate(p, g) -> float:
    """-p.g / |g|^2: the step size of the projection of Adam's step p onto the gradient
    (not SWATS's estimate; smaller than swats_gamma by cos^2 of the angle between p and -g)."""
    p, g = _flat(p), _flat(g)
    return -float(p @ g) / float(g @ g)


def swats_average(lambda_previous: float, gamma: float, k: int, beta2: float = 0.999) -> tuple[float, float]:
    """(lambda_k, Lambda_k): the moving average of gamma and its bias correction, k counted from 1."""
    if int(k) < 1:
        raise ValueError(f"k counts Adam's steps from 1, got {k}")
    lambda_k = beta2 * lambda_previous + (1 - beta2) * gamma
    return lambda_k, lambda_k / (1 - beta2 ** int(k))


def swats_switch(Lambda: float, gamma: float, k: int, tol: float = 1e-9) -> bool:
    """The paper's switching test: k > 1 and |Lambda_k - gamma_k| < tol."""
    return int(k) > 1 and abs(Lambda - gamma) < tol


def swats_sgd_lr(Lambda: float, beta1: float = 0.9) -> float:
    """(1 - beta1) Lambda: the lr of torch.optim.SGD(momentum=beta1) that continues as the paper's SGD phase."""
    return (1 - beta1) * Lambda


__all__ = ["swats_gamma", "gradient_projection_rate", "swats_average", "swats_switch", "swats_sgd_lr"]
