"""AdaGrad: per-parameter step sizes from the sum of squared gradients (lesson 03)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, flag, nonnegative


class AdagradState(NamedTuple):
    t: int
    sum_sq: np.ndarray  # G_t = sum of g_s^2 for s <= t (plus the initial value)


@dataclass(frozen=True)
class Adagrad(Optimizer):
    """AdaGrad (Duchi, Hazan and Singer, 2011) as torch.optim.Adagrad computes it.

        g     <- g + weight_decay * theta
        G_t    = G_{t-1} + g_t^2
        alpha_t = lr / (1 + (t - 1) * lr_decay)
        theta <- theta - alpha_t * g_t / (sqrt(G_t) + eps)

    G only grows, so every coordinate's step shrinks for ever: lesson 03.
    """

    lr: float = 1e-2
    lr_decay: float = 0.0
    weight_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10
    maximize: bool = False

    State = AdagradState
    rules = {"lr": nonnegative, "lr_decay": nonnegative, "weight_decay": nonnegative,
             "initial_accumulator_value": nonnegative, "eps": nonnegative, "maximize": flag}

    def init_one(self, theta):
        return AdagradState(t=0, sum_sq=np.full_like(theta, self.initial_accumulator_value))

    def update_one(self, theta, g, state):
        t = state.t + 1
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        G = state.sum_sq + g * g
        alpha_t = self.lr / (1 + (t - 1) * self.lr_decay)
        theta = theta - alpha_t * g / (np.sqrt(G) + self.eps)
        return theta, AdagradState(t, G)
