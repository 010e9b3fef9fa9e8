"""AdaMax: Adam with the infinity norm in place of the L2 norm (lesson 07)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, beta_pair, bias_correction, flag, nonnegative, safe_divide


class AdamaxState(NamedTuple):
    t: int
    m: np.ndarray  # moving average of g
    u: np.ndarray  # u_t = max(beta2 * u_{t-1}, |g_t|): the exponentially weighted infinity norm


@dataclass(frozen=True)
class Adamax(Optimizer):
    """AdaMax (Kingma and Ba, 2015, section 7.1) as torch.optim.Adamax computes it.

        m_t    = beta1 * m_{t-1} + (1 - beta1) * g_t
        u_t    = max(beta2 * u_{t-1}, |g_t| + eps)
        theta <- theta - lr / (1 - beta1^t) * m_t / u_t

    u needs no bias correction: a max is not dragged towards its zero start
    the way an average is. torch adds eps to |g| inside the max so that u is
    never 0; the paper has no eps (``AdamaxPaper``).
    """

    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    maximize: bool = False

    State = AdamaxState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative, "weight_decay": nonnegative,
             "maximize": flag}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdamaxState(t=0, m=zeros, u=zeros)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        m = beta1 * state.m + (1 - beta1) * g
        u = np.maximum(beta2 * state.u, np.abs(g) + self.eps)
        theta = theta - self.lr / bias_correction(beta1, t) * m / u
        return theta, AdamaxState(t, m, u)


@dataclass(frozen=True)
class AdamaxPaper(Optimizer):
    """AdaMax exactly as the paper's Algorithm 2: no eps anywhere.

        u_t    = max(beta2 * u_{t-1}, |g_t|)
        theta <- theta - lr / (1 - beta1^t) * m_t / u_t

    u_t is 0 only while every gradient so far was 0, and then m_t is 0 too:
    that step is taken as 0.
    """

    lr: float = 2e-3
    betas: tuple[float, float] = (0.9, 0.999)

    State = AdamaxState
    rules = {"lr": nonnegative, "betas": beta_pair}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdamaxState(t=0, m=zeros, u=zeros)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        m = beta1 * state.m + (1 - beta1) * g
        u = np.maximum(beta2 * state.u, np.abs(g))
        theta = theta - self.lr / bias_correction(beta1, t) * safe_divide(m, u)
        return theta, AdamaxState(t, m, u)
