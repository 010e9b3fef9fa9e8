"""RMSProp's and AdaGrad's effective step size, lr / (sqrt(v_t) + eps), step by step (lesson 04).

Both methods move each coordinate by its gradient times a factor, the
effective step size:

    RMSProp:  lr / (sqrt(v_t) + eps),  v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
    AdaGrad:  lr / (sqrt(G_t) + eps),  G_t = G_{t-1} + g_t^2

AdaGrad's G_t only grows, so its factor only shrinks. RMSProp's v_t forgets a
squared gradient in about ``memory(beta2)`` = 1 / (1 - beta2) steps, so its
factor grows back when the gradients shrink: wherever g is about 0,
v_t = beta2 v_{t-1} and the factor grows by 1 / sqrt(beta2) per step.

The runs use ``course_lib.optim.RMSprop`` and ``course_lib.optim.Adagrad``
themselves and read v_t (``square_avg``) or G_t (``sum_sq``) from their state.
"""

from __future__ import annotations

import numpy as np

from .. import landscapes, optim


def accumulated_squares(state) -> np.ndarray:
    """What the denominator's root is taken of: v_t for RMSProp (``square_avg``), G_t for AdaGrad (``sum_sq``)."""
    if isinstance(state, optim.RMSpropState):
        return state.square_avg
    if isinstance(state, optim.AdagradState):
        return state.sum_sq
    raise TypeError(f"an RMSprop or Adagrad state has the squared gradients, got a {type(state).__name__}")


def effective_step_size(opt, state) -> np.ndarray:
    """lr / (sqrt(v_t) + eps) per coordinate for ``opt`` (RMSprop or Adagrad) in ``state``: the factor
    its next move multiplies the gradient by (AdaGrad's lr_decay, if any, left out)."""
    return opt.lr / (np.sqrt(accumulated_squares(state)) + opt.eps)


def effective_step_sizes(opt, states) -> np.ndarray:
    """``effective_step_size`` after each step of a run, shape (steps, n): row t - 1 is step t's."""
    with np.errstate(all="ignore"):   # a diverged run's inf and nan pass through
        return np.array([np.ravel(effective_step_size(opt, state)) for state in states]).reshape(len(states), -1)


def run_with_effective_steps(opt, landscape, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Run ``opt`` (RMSprop or Adagrad) on a 2-d landscape from its start for up to ``steps`` steps.

    Returns the path, shape (n + 1, 2) with row 0 the start, and the effective step size of each
    coordinate after each of the n steps, shape (n, 2). A run that leaves the finite numbers or
    goes beyond ``landscapes.DIVERGENCE_NORM`` stops before that step, so n can be below ``steps``.
    """
    path, effective = [np.array(landscape.start, dtype=np.float64)], []
    for point, state in landscapes.steps_taken(opt, landscape, steps):
        path.append(point)
        effective.append(effective_step_size(opt, state))
    return np.array(path), np.array(effective).reshape(-1, 2)


def memory(beta2: float) -> float:
    """1 / (1 - beta2): about how many steps RMSProp's v_t remembers (the last that many squared
    gradients hold 1 - 1/e, 63 %, of its weight when beta2 is near 1); inf for beta2 = 1, AdaGrad-like."""
    return np.inf if beta2 >= 1 else 1.0 / (1.0 - beta2)


__all__ = ["accumulated_squares", "effective_step_size", "effective_step_sizes", "run_with_effective_steps",
           "memory"]
