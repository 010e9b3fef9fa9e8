"""RMSProp: an exponential moving average of squared gradients (lesson 04)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, flag, nonnegative


class RMSpropState(NamedTuple):
    t: int
    square_avg: np.ndarray       # v_t, the moving average of g^2
    grad_avg: np.ndarray         # mean of g (used when centered)
    momentum_buffer: np.ndarray  # used when momentum > 0


@dataclass(frozen=True)
class RMSprop(Optimizer):
    """RMSProp (Hinton's lecture 6e) as torch.optim.RMSprop computes it.

        g     <- g + weight_decay * theta
        v_t    = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        s_t    = v_t                      or, if centered, v_t - gbar_t^2
                 with gbar_t = beta2 * gbar_{t-1} + (1 - beta2) * g_t
        d_t    = g_t / (sqrt(s_t) + eps)   (eps outside the root, as in torch;
                                            TensorFlow puts it inside)
        b_t    = momentum * b_{t-1} + d_t  (only if momentum > 0, else b_t = d_t)
        theta <- theta - lr * b_t

    beta2 is the decay that Adam (lesson 05) calls beta2 too: the course keeps
    one symbol for it, and alpha for the learning rate. torch.optim.RMSprop
    calls it ``alpha``. The defaults: torch's is 0.99 and lr 0.01; Hinton's
    lecture used 0.9 and 0.001.
    """

    lr: float = 1e-2
    beta2: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False
    maximize: bool = False

    State = RMSpropState
    rules = {"lr": nonnegative, "beta2": nonnegative, "eps": nonnegative, "weight_decay": nonnegative,
             "momentum": nonnegative, "centered": flag, "maximize": flag}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return RMSpropState(t=0, square_avg=zeros, grad_avg=zeros, momentum_buffer=zeros)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta2 = self.beta2
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        v = beta2 * state.square_avg + (1 - beta2) * g * g
        g_avg = state.grad_avg
        if self.centered:
            g_avg = beta2 * g_avg + (1 - beta2) * g
            s = v - g_avg * g_avg
        else:
            s = v
        d = g / (np.sqrt(s) + self.eps)
        b = state.momentum_buffer
        if self.momentum > 0:
            b = self.momentum * b + d
            d = b
        theta = theta - self.lr * d
        return theta, RMSpropState(t, v, g_avg, b)
