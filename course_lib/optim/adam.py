"""Adam and its close family: AdamW, AMSGrad, and the papers' own forms (lessons 05, 06, 08, 10)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, beta_pair, bias_correction, flag, nonnegative, safe_divide


class AdamState(NamedTuple):
    t: int
    m: np.ndarray             # first moment: moving average of g
    v: np.ndarray             # second moment: moving average of g^2
    v_max: np.ndarray | None  # AMSGrad's running max of v (None when amsgrad is off)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) as torch.optim.Adam computes it.

        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        m_hat_t = m_t / (1 - beta1^t)
        v_hat_t = v_t / (1 - beta2^t)
        theta  <- theta - lr * m_hat_t / (sqrt(v_hat_t) + eps)

    t counts from 1. weight_decay adds weight_decay * theta to g (L2), or with
    decoupled_weight_decay=True (that is AdamW) multiplies theta by
    1 - lr * weight_decay before the step. amsgrad=True keeps
    v_max_t = max(v_max_{t-1}, v_t) over the raw v and divides by
    sqrt(v_max_t / (1 - beta2^t)), as torch does.
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    maximize: bool = False
    decoupled_weight_decay: bool = False

    State = AdamState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative, "weight_decay": nonnegative,
             "amsgrad": flag, "maximize": flag, "decoupled_weight_decay": flag}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdamState(t=0, m=zeros, v=zeros, v_max=zeros if self.amsgrad else None)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:  # shrink theta directly, untouched by the adaptive scaling
                theta = theta * (1 - self.lr * self.weight_decay)
            else:  # L2: the penalty's gradient is scaled like any other gradient
                g = g + self.weight_decay * theta
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_max = state.v_max
        if self.amsgrad:
            if v_max is None:
                raise ValueError("this state was made with amsgrad=False; call init again with amsgrad=True")
            v_max = np.maximum(v_max, v)
        m_hat = m / bias_correction(beta1, t)
        v_hat = (v_max if self.amsgrad else v) / bias_correction(beta2, t)
        theta = theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return theta, AdamState(t, m, v, v_max)


@dataclass(frozen=True)
class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay.

    theta is multiplied by 1 - lr * weight_decay before Adam's step, so the
    decay is not divided by sqrt(v_hat) as an L2 gradient would be. Same
    defaults as torch.optim.AdamW (weight_decay = 0.01).
    """

    weight_decay: float = 1e-2
    decoupled_weight_decay: bool = field(default=True, init=False)


@dataclass(frozen=True)
class AMSGrad(Adam):
    """Adam with amsgrad=True (torch's form: max over the raw v, then bias-corrected)."""

    amsgrad: bool = True


@dataclass(frozen=True)
class AdamEfficient(Optimizer):
    """The Adam paper's "efficient" ordering (end of its section 2).

        alpha_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
        theta  <- theta - alpha_t * m_t / (sqrt(v_t) + eps_hat)

    The bias corrections are folded into the step size. With eps_hat = eps *
    sqrt(1 - beta2^t) this is exactly Adam; with a constant eps_hat = eps (as
    here, and as the paper and many codes do) it is a slightly different
    algorithm: early on, eps is effectively larger by 1 / sqrt(1 - beta2^t),
    up to ~32x at t = 1 for beta2 = 0.999. It matters only when
    sqrt(v_hat) is not much larger than eps.
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8

    State = AdamState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdamState(t=0, m=zeros, v=zeros, v_max=None)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        alpha_t = self.lr * math.sqrt(bias_correction(beta2, t)) / bias_correction(beta1, t)
        theta = theta - alpha_t * m / (np.sqrt(v) + self.eps)
        return theta, AdamState(t, m, v, None)


@dataclass(frozen=True)
class AMSGradPaper(Optimizer):
    """AMSGrad as in Reddi, Kale and Kumar (2018), Algorithm 2: no bias correction.

        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        v_hat_t = max(v_hat_{t-1}, v_t)
        theta  <- theta - lr * m_t / (sqrt(v_hat_t) + eps)

    The paper has no eps (eps = 0 reproduces it; a zero denominator only
    happens with a zero numerator and gives a zero step). Its step size
    alpha_t = alpha / sqrt(t) is a schedule: change lr with ``with_lr``.
    torch.optim.Adam(amsgrad=True) differs: it bias-corrects m and max(v).
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 0.0

    State = AdamState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdamState(t=0, m=zeros, v=zeros, v_max=zeros)

    def update_one(self, theta, g, state):
        beta1, beta2 = self.betas
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_hat = np.maximum(state.v_max, v)
        theta = theta - self.lr * safe_divide(m, np.sqrt(v_hat) + self.eps)
        return theta, AdamState(state.t + 1, m, v, v_hat)
