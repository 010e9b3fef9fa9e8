"""Stochastic gradient descent, with momentum and Nesterov (lessons 01-02)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._base import Optimizer, flag, nonnegative, real


class SGDState(NamedTuple):
    t: int
    momentum_buffer: np.ndarray  # b_t; zeros until the first step


@dataclass(frozen=True)
class SGD(Optimizer):
    """SGD as torch.optim.SGD computes it.

    With momentum mu > 0 (PyTorch's form: the learning rate stays outside the
    buffer)::

        g   <- g + weight_decay * theta          (L2 penalty folded into g)
        b_1  = g                                 (first step: no dampening)
        b_t  = mu * b_{t-1} + (1 - dampening) * g
        d    = g + mu * b_t   if nesterov  else  b_t
        theta <- theta - lr * d

    Sutskever et al.'s form keeps lr inside the velocity: see ``SGDSutskever``.
    """

    lr: float = 1e-3
    momentum: float = 0.0
    dampening: float = 0.0
    weight_decay: float = 0.0
    nesterov: bool = False
    maximize: bool = False

    State = SGDState
    rules = {"lr": nonnegative, "momentum": nonnegative, "dampening": real,
             "weight_decay": nonnegative, "nesterov": flag, "maximize": flag}

    def check_combination(self) -> None:
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0, got momentum={self.momentum}, "
                f"dampening={self.dampening}; set momentum (e.g. 0.9) or nesterov=False"
            )

    def init_one(self, theta):
        return SGDState(t=0, momentum_buffer=np.zeros_like(theta))

    def update_one(self, theta, g, state):
        t = state.t + 1
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        b = state.momentum_buffer
        if self.momentum != 0:
            if t == 1:
                b = g.copy()
            else:
                b = self.momentum * b + (1 - self.dampening) * g
            g = g + self.momentum * b if self.nesterov else b
        theta = theta - self.lr * g
        return theta, SGDState(t, b)


class VelocityState(NamedTuple):
    t: int
    velocity: np.ndarray  # v_t, which already contains the learning rate


@dataclass(frozen=True)
class SGDSutskever(Optimizer):
    """Heavy-ball momentum in Sutskever et al.'s (2013) form: lr inside the velocity.

        v_t   = mu * v_{t-1} + lr * g_t
        theta <- theta - v_t

    For a constant lr this is exactly torch.optim.SGD(momentum=mu): there the
    buffer is b_t = v_t / lr. When lr changes between steps the two differ:
    here the old velocity keeps the old lr, in torch the new lr rescales all of
    the remembered momentum at once (lesson 02 shows it numerically).
    """

    lr: float = 1e-3
    momentum: float = 0.9

    State = VelocityState
    rules = {"lr": nonnegative, "momentum": nonnegative}

    def init_one(self, theta):
        return VelocityState(t=0, velocity=np.zeros_like(theta))

    def update_one(self, theta, g, state):
        v = self.momentum * state.velocity + self.lr * g
        return theta - v, VelocityState(state.t + 1, v)
