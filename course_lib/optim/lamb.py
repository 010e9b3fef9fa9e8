"""LAMB: Adam's direction, scaled per layer by a trust ratio (lesson 10)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import Optimizer, beta_pair, bias_correction, nonnegative
from .adam import AdamState


def trust_ratio(theta: np.ndarray, update: np.ndarray) -> float:
    """||theta|| / ||update||, or 1 when either norm is 0 (a fresh zero layer, a zero update)."""
    weight_norm = float(np.linalg.norm(theta))
    update_norm = float(np.linalg.norm(update))
    if weight_norm == 0.0 or update_norm == 0.0:
        return 1.0
    return weight_norm / update_norm


@dataclass(frozen=True)
class LAMB(Optimizer):
    """LAMB (You et al., 2020, Algorithm 2), one trust ratio per array.

        m_hat_t, v_hat_t as in Adam
        r_t    = m_hat_t / (sqrt(v_hat_t) + eps)
        u_t    = r_t + weight_decay * theta
        theta <- theta - lr * (||theta|| / ||u_t||) * u_t

    Each array (layer) moves by lr * ||theta||, whatever the size of its
    gradient: the layer-wise normalisation that lets LAMB use huge batches.
    torch has no LAMB; the tests check it against the paper's definition.
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-6
    weight_decay: float = 0.0

    State = AdamState
    rules = {"lr": nonnegative, "betas": beta_pair, "eps": nonnegative, "weight_decay": nonnegative}

    def init_one(self, theta):
        zeros = np.zeros_like(theta)
        return AdamState(t=0, m=zeros, v=zeros, v_max=None)

    def update_one(self, theta, g, state):
        t = state.t + 1
        beta1, beta2 = self.betas
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        m_hat = m / bias_correction(beta1, t)
        v_hat = v / bias_correction(beta2, t)
        update = m_hat / (np.sqrt(v_hat) + self.eps) + self.weight_decay * theta
        theta = theta - self.lr * trust_ratio(theta, update) * update
        return theta, AdamState(t, m, v, None)
