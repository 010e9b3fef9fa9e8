"""Lookahead: k fast steps with any optimizer, then one slow step (lesson 10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._base import Optimizer, as_arrays, check_grads_match, check_params, positive_int, tree_map, unit_interval_closed


class LookaheadState(NamedTuple):
    t: int             # fast steps taken so far
    inner_state: Any   # the inner optimizer's state (kept across slow steps)
    slow: Any          # phi: the slow weights, same structure as params


@dataclass(frozen=True)
class Lookahead(Optimizer):
    """Lookahead (Zhang, Lucas, Hinton and Ba, 2019, Algorithm 1).

    ``params`` are the fast weights theta. After every k-th fast step::

        phi   <- phi + slow_lr * (theta - phi)   (slow weights move part way)
        theta <- phi                             (fast weights restart there)

    slow_lr is the paper's alpha, the slow weights' step size; the course keeps
    alpha for the learning rate. The inner optimizer's state (momentum, v, ...) carries on across the
    synchronisation, as in the paper's experiments.
    """

    inner: Optimizer = None
    k: int = 5
    slow_lr: float = 0.5

    State = LookaheadState
    rules = {"k": positive_int, "slow_lr": unit_interval_closed}

    def check_combination(self) -> None:
        if not isinstance(self.inner, Optimizer) or isinstance(self.inner, Lookahead):
            raise TypeError(f"inner must be a course_lib.optim optimizer such as Adam(), got {self.inner!r}")

    def with_lr(self, lr: float):
        return Lookahead(self.inner.with_lr(lr), self.k, self.slow_lr)

    def init(self, params):
        params = as_arrays(params)
        check_params(params)
        return LookaheadState(t=0, inner_state=self.inner.init(params), slow=tree_map(np.copy, params))

    def step(self, params, grads, state):
        params, grads = as_arrays(params), as_arrays(grads)
        check_params(params)
        check_grads_match(params, grads)
        self._check_state(state)
        fast, inner_state = self.inner.step(params, grads, state.inner_state)
        t = state.t + 1
        slow = state.slow
        if t % self.k == 0:
            slow = tree_map(lambda phi, theta: phi + self.slow_lr * (theta - phi), slow, fast)
            fast = tree_map(np.copy, slow)
        return fast, LookaheadState(t, inner_state, slow)
