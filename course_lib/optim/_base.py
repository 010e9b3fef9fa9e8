"""What every optimizer in ``course_lib.optim`` shares.

The contract, stated once::

    opt = optim.Adam(lr=1e-3)                       # hyperparameters live here
    state = opt.init(params)                        # what the algorithm accumulates
    params, state = opt.step(params, grads, state)  # pure: inputs are never changed

``params`` and ``grads`` are float32 or float64 NumPy arrays of any shape, or
dicts mapping a name to such an array (a model's weights). The state is a
small named tuple whose buffers mirror ``params``: an array, or a dict with
the same keys. No hyperparameter is stored in the state, so a learning-rate
schedule can do ``opt = opt.with_lr(new_lr)`` between steps and keep the state.

Each algorithm writes one method, ``update_one(theta, g, state)``, for a single
array; this module maps it over the entries of a dict, checks the inputs, and
applies ``maximize`` (follow -g instead of g, as torch does).

Readability before speed. Every ``update_one`` reads line for line like the
formula in its lesson, with the lesson's names (``m_hat``, ``v_hat``, ``G``,
``rho_t``), one fresh array per line. torch updates in place, fuses passes
(``addcdiv_``) and uses every core, so on large arrays it is faster; on the
lessons' models (at most 15k parameters) the in-place form would save about
0.1 ms a step, which no learner notices, and it would hide the formula.
``make bench`` still measures the step times against torch, as information.

- A 0-d array becomes a NumPy scalar under a ufunc: ``as_arrays`` turns
  scalars back into arrays at the boundary, so a student never has to care.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any, NamedTuple

import numpy as np

# The hyperparameter rules and Validated live in course_lib.validation, which landscapes, data and
# models share without importing anything of the optimizers (the grader gives them to graded code).
from ..validation import (FLOAT_DTYPES, Validated, beta_pair, flag, nonnegative, positive,  # noqa: E402,F401
                          positive_int, real, unit_interval_closed, unit_interval_open)


# --- parameter trees: an array, or a dict of name -> array ------------------


def as_arrays(tree: Any) -> Any:
    """NumPy float scalars become 0-d arrays: 4 * x**3 on a 0-d array x returns a
    np.float64, not an array, and a student should not have to care."""
    if isinstance(tree, dict):
        return {name: as_arrays(value) for name, value in tree.items()}
    return np.asarray(tree) if isinstance(tree, np.floating) else tree


def check_params(params: Any, what: str = "params") -> None:
    if isinstance(params, dict):
        if not params:
            raise ValueError(f"{what} is an empty dict: there is nothing to optimize")
        for name, array in params.items():
            check_params(array, f"{what}[{name!r}]")
        return
    if not isinstance(params, np.ndarray):
        raise TypeError(
            f"{what} must be a NumPy array or a dict of arrays, got {type(params).__name__}; "
            f"wrap it with np.asarray(..., dtype=np.float64)"
        )
    if params.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{what} must be float32 or float64, got {params.dtype}; "
            f"convert it with .astype(np.float64)"
        )


def check_grads_match(params: Any, grads: Any) -> None:
    """Grads must have exactly the structure, shapes and dtypes of params: never broadcast."""
    if isinstance(params, dict):
        if not isinstance(grads, dict):
            raise TypeError(f"params is a dict, so grads must be a dict too, got {type(grads).__name__}")
        if set(params) != set(grads):
            missing = sorted(set(params) - set(grads))
            extra = sorted(set(grads) - set(params))
            raise ValueError(f"grads must have the same keys as params; missing {missing}, unexpected {extra}")
        for name in params:
            _check_array_match(params[name], grads[name], f"grads[{name!r}]")
        return
    _check_array_match(params, grads, "grads")


def _check_array_match(theta: np.ndarray, g: Any, what: str) -> None:
    if not isinstance(g, np.ndarray):
        raise TypeError(f"{what} must be a NumPy array like its parameter, got {type(g).__name__}")
    if g.shape != theta.shape:
        raise ValueError(f"{what} has shape {g.shape} but its parameter has shape {theta.shape}")
    if g.dtype != theta.dtype:
        raise TypeError(f"{what} has dtype {g.dtype} but its parameter has dtype {theta.dtype}; cast one to match")


def tree_map(fn, *trees):
    """Apply fn to the arrays of one or more trees with the same structure."""
    if isinstance(trees[0], dict):
        return {name: fn(*(tree[name] for tree in trees)) for name in trees[0]}
    return fn(*trees)


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, with 0 where the denominator is 0.

    The paper forms without eps divide by a running statistic that is 0 only
    while every gradient so far was 0, and then the numerator is 0 too.
    """
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


# --- the base classes -------------------------------------------------------


class Optimizer(Validated):
    """Base of every optimizer: subclasses are frozen dataclasses.

    A subclass declares its hyperparameters as dataclass fields, their rules in
    ``rules`` (field name -> rule function above), its state as a NamedTuple in
    ``State`` and implements ``init_one`` and ``update_one`` for one array.
    """

    State: type[NamedTuple]

    # what a subclass writes
    def init_one(self, theta: np.ndarray):
        raise NotImplementedError

    def update_one(self, theta: np.ndarray, g: np.ndarray, state):
        raise NotImplementedError

    # the contract
    def init(self, params):
        params = as_arrays(params)
        check_params(params)
        if isinstance(params, dict):
            return _merge_states({name: self.init_one(theta) for name, theta in params.items()})
        return self.init_one(params)

    def step(self, params, grads, state):
        params, grads = as_arrays(params), as_arrays(grads)
        check_params(params)
        check_grads_match(params, grads)
        self._check_state(state)
        if getattr(self, "maximize", False):
            grads = tree_map(np.negative, grads)
        if isinstance(params, dict):
            results = {
                name: self.update_one(params[name], grads[name], _state_of(state, name))
                for name in params
            }
            new_params = {name: theta for name, (theta, _) in results.items()}
            return new_params, _merge_states({name: s for name, (_, s) in results.items()})
        theta, state = self.update_one(params, grads, state)
        # arithmetic on 0-d arrays yields NumPy scalars: give back arrays, as received
        return as_arrays(theta), type(state)(*(as_arrays(value) for value in state))

    def with_lr(self, lr: float):
        """The same optimizer with another learning rate (for schedules)."""
        return dataclasses.replace(self, lr=lr)

    def _check_state(self, state) -> None:
        if not isinstance(state, self.State):
            made_by = type(state).__name__
            raise TypeError(
                f"state must come from {type(self).__name__}.init(params) (a {self.State.__name__}), "
                f"got {made_by}; did you pass the state of another optimizer?"
            )


def _state_of(state, name: str):
    """The part of a dict-mirroring state that belongs to params[name]."""
    return type(state)(*(value[name] if isinstance(value, dict) else value for value in state))


def _merge_states(states: dict):
    """Inverse of _state_of: one state whose array buffers are dicts by name.

    Scalars (the step count t, NAdam's product of momenta) are the same for
    every array, so the first one stands for all.
    """
    first = next(iter(states.values()))
    fields = []
    for i, value in enumerate(first):
        if isinstance(value, np.ndarray):
            fields.append({name: s[i] for name, s in states.items()})
        else:
            fields.append(value)
    return type(first)(*fields)


def bias_correction(beta: float, t: int) -> float:
    """1 - beta^t: the weight a zero-initialized moving average is missing at step t."""
    return 1.0 - beta**t


__all__ = ["Optimizer", "Validated", "bias_correction", "safe_divide", "tree_map"]
