"""Weight decay against an L2 penalty for SGD, and the normalized weight decay (lesson 10).

Loshchilov and Hutter (*Decoupled Weight Decay Regularization*, ICLR 2019) write
weight decay as a fraction lambda of the weights removed at every step, with no
learning rate in it (their equation 1), and a schedule multiplier s_t (their
eta_t) that scales the learning rate and the decay together. Their Algorithm 1,
SGD with momentum beta, in its two variants::

    L2:    m_t = beta m_{t-1} + s_t alpha (grad + lambda' theta_{t-1}),   theta_t = theta_{t-1} - m_t
    SGDW:  m_t = beta m_{t-1} + s_t alpha grad,   theta_t = theta_{t-1} - m_t - s_t lambda theta_{t-1}

Without momentum the two take the same steps when lambda' = lambda / alpha (their
Proposition 1), whatever the multiplier s_t; that match breaks when alpha
changes while lambda stays, and with momentum no lambda' gives SGDW's steps
(lesson 10 checks all three). PyTorch's decoupled decay multiplies by the
learning rate: its weight_decay is the paper's lambda / alpha.

- ``sgd_momentum_step(theta, g, m, lr, momentum, weight_decay, decoupled, multiplier)``: one step of Algorithm 1.
- ``normalized_weight_decay(lambda_norm, batch_size, n_train, epochs)``: the paper's
  lambda = lambda_norm sqrt(b / (B T)) (its Appendix B.1).
"""

from __future__ import annotations

import math

import numpy as np


def sgd_momentum_step(theta, g, m, lr: float, momentum: float, weight_decay: float, decoupled: bool,
                      multiplier: float = 1.0):
    """One step of Loshchilov and Hutter's Algorithm 1; returns (theta, m).

    decoupled=False: an L2 penalty, weight_decay * theta added to g (PyTorch's
    SGD(weight_decay=...) for a constant lr; the lr sits inside m here, as in the
    paper). decoupled=True: SGDW, theta also shrinks by multiplier * weight_decay
    * theta_{t-1}, outside the momentum. multiplier is the schedule's s_t.
    """
    theta, g, m = np.asarray(theta, dtype=np.float64), np.asarray(g, dtype=np.float64), np.asarray(m, dtype=np.float64)
    if not decoupled:
        g = g + weight_decay * theta
    m = momentum * m + multiplier * lr * g
    new_theta = theta - m
    if decoupled:
        new_theta = new_theta - multiplier * weight_decay * theta
    return new_theta, m


def normalized_weight_decay(lambda_norm: float, batch_size: int, n_train: int, epochs: float) -> float:
    """lambda = lambda_norm * sqrt(b / (B T)): the paper's decay per step for a run of T epochs
    over B training points in batches of b (Appendix B.1; with warm restarts, T is the
    current restart's length). lambda_norm is the decay of a run of one batch pass."""
    for name, value in (("batch_size", batch_size), ("n_train", n_train), ("epochs", epochs)):
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    return lambda_norm * math.sqrt(batch_size / (n_train * epochs))


__all__ = ["sgd_momentum_step", "normalized_weight_decay"]
