"""Checking arguments: the rules every hyperparameter and size in course_lib goes through.

Each rule takes (name, value) and returns the value as a plain Python float,
int or bool, or raises an error that says what was wrong and what is
allowed; ``Validated`` applies a dataclass's rules when it is built. The
optimizers, schedules, landscapes, datasets and models all use them, so every
bad argument gets the same kind of message. Nothing here computes anything an
optimizer or a lesson derives: the batch grader gives this module to graded
code.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# --- hyperparameter rules ---------------------------------------------------
# Each rule takes (name, value) and returns the value as a plain Python float
# or bool, or raises an error that says what was wrong and what is allowed.
# Plain Python floats matter: a np.float64 learning rate would silently turn
# float32 parameters into float64 (NumPy's promotion rules).


def real(name: str, value: Any) -> float:
    """Any real number (torch puts no bound on SGD's dampening)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


def nonnegative(name: str, value: Any) -> float:
    value = real(name, value)
    if not value >= 0.0:  # also rejects nan
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def positive(name: str, value: Any) -> float:
    value = real(name, value)
    if not value > 0.0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def unit_interval_open(name: str, value: Any) -> float:
    """0 <= value < 1: a moving-average decay that still forgets."""
    value = real(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def unit_interval_closed(name: str, value: Any) -> float:
    value = real(name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def beta_pair(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (beta1, beta2) such as (0.9, 0.999), got {value!r}")
    return (unit_interval_open(f"{name}[0]", value[0]), unit_interval_open(f"{name}[1]", value[1]))


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


class Validated:
    """Checks a frozen dataclass's fields once, when it is built.

    ``rules`` maps a field name to a rule function above; ``check_combination``
    checks the rules that involve several fields. Optimizers and schedules
    share it, so every bad hyperparameter gets the same kind of message.
    """

    rules: dict = {}

    def __post_init__(self) -> None:
        for name, rule in self.rules.items():
            object.__setattr__(self, name, rule(name, getattr(self, name)))
        self.check_combination()

    def check_combination(self) -> None:
        """Rules that involve several hyperparameters (override where needed)."""
