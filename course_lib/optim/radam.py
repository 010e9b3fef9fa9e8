"""RAdam: Adam with the variance of its adaptive step rectified (lesson 09)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, beta_pair, bias_correction, flag, nonnegative


class RAdamState(NamedTuple):
    t: int
    m: np.ndarray
    v: np.ndarray


def rho_inf(beta2: float) -> float:
    """Maximum length of the approximated simple moving average: 2 / (1 - beta2) - 1."""
    return 2.0 / (1.0 - beta2) - 1.0


def rho_t(beta2: float, t: int) -> float:
    """Length of the approximated SMA at step t: rho_inf - 2 t beta2^t / (1 - beta2^t)."""
    return rho_inf(beta2) - 2.0 * t * beta2**t / bias_correction(beta2, t)


def rectification(beta2: float, t: int) -> float:
    """r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).

    Defined only where rho_t > 4; it rises from 0 towards 1 as t grows.
    """
    rho, rho_max = rho_t(beta2, t), rho_inf(beta2)
    return math.sqrt((rho - 4) * (rho - 2) * rho_max / ((rho_max - 4) * (rho_max - 2) * rho))


@dataclass(frozen=True)
class RAdam(Optimizer):
    """RAdam (Liu et al., 2020) as torch.optim.RAdam computes it.

        m_hat_t = m_t / (1 - beta1^t)
        if rho_t > 5:   (the variance of the adaptive step is tractable)
            l_t    = sqrt(1 - beta2^t) / (sqrt(v_t) + eps)
            theta <- theta - lr * r_t * m_hat_t * l_t
        else:           (too few samples: plain momentum SGD)
            theta <- theta - lr * m_hat_t

    torch switches on rectification when rho_t > 5 (first at t = 6 for
    beta2 = 0.999); the paper's Algorithm 2 says rho_t > 4: ``RAdamPaper``.
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    decoupled_weight_decay: bool = False
    maximize: bool = False

    State = RAdamState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative, "weight_decay": nonnegative,
             "decoupled_weight_decay": flag, "maximize": flag}
    rho_threshold = 5.0

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return RAdamState(t=0, m=zeros, v=zeros)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                theta = theta * (1 - self.lr * self.weight_decay)
            else:
                g = g + self.weight_decay * theta
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        m_hat = m / bias_correction(beta1, t)
        if rho_t(beta2, t) > self.rho_threshold:
            adaptive_lr = math.sqrt(bias_correction(beta2, t)) / (np.sqrt(v) + self.eps)
            theta = theta - self.lr * rectification(beta2, t) * m_hat * adaptive_lr
        else:
            theta = theta - self.lr * m_hat
        return theta, RAdamState(t, m, v)


@dataclass(frozen=True)
class RAdamPaper(RAdam):
    """RAdam with the paper's threshold rho_t > 4 (first rectified step t = 5
    for beta2 = 0.999, one step before torch). Everything else as ``RAdam``."""

    rho_threshold = 4.0
