"""Case builders shared by the worksheets' step checks.

Every step item is checked on the same kinds of case, where the usual
mistakes show: the first step (t = 1, where a missing bias correction is
largest), several steps in a row (state carried), a state from late in
training (large t), gradients so small that epsilon's placement matters,
zero gradients, float32, matrix-shaped parameters and other hyperparameters,
and float32 again from a late state and with the other hyperparameters (so
that the float32 cases reach every branch the float64 ones do).

Every input of these cases is drawn from the rng, so the batch grader's hidden
cases (another rng, see ``_core.cases_for``) are new without anything more; a
value item's builder also takes ``hidden`` and varies, when it is true, the
inputs its worksheet cases fix.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._core import StepCase

SHAPES = {"vector": (5,), "matrix": (3, 4), "scalar": ()}
F32_ELSEWHERE = "float32, late in training and with other hyperparameters"


def _param(rng, shape, dtype):
    return rng.normal(0.0, 1.0, size=shape).astype(dtype)


def _grads(rng, shape, dtype, steps, scale=1.0):
    return tuple((scale * rng.normal(0.0, 1.0, size=shape)).astype(dtype) for _ in range(steps))


def log_uniform(rng: np.random.Generator, low: float, high: float, size=None):
    """Numbers spread evenly on a log scale from low to high (a float, or an array of ``size``)."""
    value = np.exp(rng.uniform(np.log(low), np.log(high), size))
    return float(value) if size is None else value


def step_cases(rng: np.random.Generator, fresh_state: Callable, warm_state: Callable | None,
               hyper: dict, other_hyper: list[dict], per_group: int = 3, tiny_scale: float = 1e-9,
               tiny_group: str = "tiny gradients (where epsilon matters)") -> list[StepCase]:
    """The standard case groups, ``per_group`` cases each (8 groups: 24 cases by default), the other
    hyperparameters, and float32 again from a late state and with the other hyperparameters.

    fresh_state(theta) -> the worksheet's initial state.
    warm_state(theta, rng) -> a state from late in training (None: the item has no memory).
    hyper: the worksheet's default hyperparameters; other_hyper: other settings to try.
    tiny_scale, tiny_group: the size of the "tiny" gradients and that group's name
    (an optimizer without epsilon should call it something else).
    """
    f64, f32 = np.float64, np.float32
    cases = []

    def add(group, shape, dtype, steps, state_from=None, scale=1.0, hyper_=None, zero=False):
        param = _param(rng, shape, dtype)
        grads = _grads(rng, shape, dtype, steps, scale)
        if zero:
            grads = tuple(np.zeros_like(g) for g in grads)
        state = (state_from or fresh_state)(param) if state_from is None or state_from is fresh_state \
            else state_from(param, rng)
        cases.append(StepCase(group, param, grads, state, dict(hyper_ or hyper)))

    for _ in range(per_group):
        add("first step (t = 1)", SHAPES["vector"], f64, 1)
        add("several steps in a row", SHAPES["vector"], f64, 6)
        if warm_state is not None:
            add("late in training (large t)", SHAPES["vector"], f64, 2, state_from=warm_state)
        add(tiny_group, SHAPES["vector"], f64, 4, scale=tiny_scale)
        add("zero gradients", SHAPES["vector"], f64, 2, zero=True)
        add("float32", SHAPES["vector"], f32, 4)
        add("matrix and scalar parameters", SHAPES["matrix"], f64, 3)
        add("matrix and scalar parameters", SHAPES["scalar"], f64, 3)
    for other in other_hyper:
        add("other hyperparameters", SHAPES["vector"], f64, 4, hyper_=other)
    # float32 wherever float64 goes: a state from late in training and the other hyperparameters reach the
    # branches a fresh state with the defaults does not (RAdam's rectified step, Lookahead's synchronisation,
    # AdamW without decay), and a dtype leak in one of them shows only on float32 cases that take it
    for _ in range(per_group if warm_state is not None else 0):
        add(F32_ELSEWHERE, SHAPES["vector"], f32, 2, state_from=warm_state)
    for other in other_hyper:
        add(F32_ELSEWHERE, SHAPES["vector"], f32, 4, hyper_=other)
    return cases
