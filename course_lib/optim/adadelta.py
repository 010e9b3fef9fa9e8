"""AdaDelta: RMSProp with the units fixed by a second moving average (lesson 04)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, flag, nonnegative, unit_interval_closed


class AdadeltaState(NamedTuple):
    t: int
    square_avg: np.ndarray  # E[g^2]_t
    acc_delta: np.ndarray   # E[dx^2]_t, the moving average of squared updates


@dataclass(frozen=True)
class Adadelta(Optimizer):
    """AdaDelta (Zeiler, 2012) as torch.optim.Adadelta computes it.

        g      <- g + weight_decay * theta
        E[g^2]_t  = beta2 * E[g^2]_{t-1} + (1 - beta2) * g_t^2
        dx_t      = sqrt(E[dx^2]_{t-1} + eps) / sqrt(E[g^2]_t + eps) * g_t
        E[dx^2]_t = beta2 * E[dx^2]_{t-1} + (1 - beta2) * dx_t^2
        theta  <- theta - lr * dx_t

    The paper has no learning rate (lr = 1, torch's default); eps sits inside
    both roots and sets the size of the very first steps. beta2 is the decay
    Adam calls beta2 (the course keeps one symbol for it); Zeiler and
    torch.optim.Adadelta call it ``rho``.
    """

    lr: float = 1.0
    beta2: float = 0.9
    eps: float = 1e-6
    weight_decay: float = 0.0
    maximize: bool = False

    State = AdadeltaState
    rules = {"lr": nonnegative, "beta2": unit_interval_closed, "eps": nonnegative,
             "weight_decay": nonnegative, "maximize": flag}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdadeltaState(t=0, square_avg=zeros, acc_delta=zeros)

    def update_one(self, theta, g, state):
        t = state.t + 1
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        beta2, eps = self.beta2, self.eps
        square_avg = beta2 * state.square_avg + (1 - beta2) * g * g
        dx = np.sqrt(state.acc_delta + eps) / np.sqrt(square_avg + eps) * g
        acc_delta = beta2 * state.acc_delta + (1 - beta2) * dx * dx
        theta = theta - self.lr * dx
        return theta, AdadeltaState(t, square_avg, acc_delta)
