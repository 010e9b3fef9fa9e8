"""NAdam: Adam with Nesterov momentum (lesson 10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, beta_pair, bias_correction, flag, nonnegative


class NAdamState(NamedTuple):
    t: int
    mu_product: float  # mu_1 * mu_2 * ... * mu_t, the product of the momentum schedule so far
    m: np.ndarray
    v: np.ndarray


def nadam_momentum(beta1: float, momentum_decay: float, t: int) -> float:
    """Dozat's momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


@dataclass(frozen=True)
class NAdam(Optimizer):
    """NAdam (Dozat, 2016) as torch.optim.NAdam computes it.

        mu_t   = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
        m_t    = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t    = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        v_hat  = v_t / (1 - beta2^t)
        denom  = sqrt(v_hat) + eps
        theta <- theta - lr * (1 - mu_t) / (1 - prod_{i<=t} mu_i) * g_t / denom
                       - lr * mu_{t+1} / (1 - prod_{i<=t+1} mu_i) * m_t / denom

    The second line is the Nesterov look-ahead: it already applies next
    step's momentum weight mu_{t+1} to m_t.
    """

    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum_decay: float = 4e-3
    decoupled_weight_decay: bool = False
    maximize: bool = False

    State = NAdamState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative, "weight_decay": nonnegative,
             "momentum_decay": nonnegative, "decoupled_weight_decay": flag, "maximize": flag}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return NAdamState(t=0, mu_product=1.0, m=zeros, v=zeros)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                theta = theta * (1 - self.lr * self.weight_decay)
            else:
                g = g + self.weight_decay * theta
        mu_t = nadam_momentum(beta1, self.momentum_decay, t)
        mu_next = nadam_momentum(beta1, self.momentum_decay, t + 1)
        mu_product = state.mu_product * mu_t
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_hat = v / bias_correction(beta2, t)
        denom = np.sqrt(v_hat) + self.eps
        theta = (theta - self.lr * (1 - mu_t) / (1 - mu_product) * g / denom
                 - self.lr * mu_next / (1 - mu_product * mu_next) * m / denom)
        return theta, NAdamState(t, mu_product, m, v)
