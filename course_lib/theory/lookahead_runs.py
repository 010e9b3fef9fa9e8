"""Lookahead around an inner optimizer, and the inner optimizer alone, on the narrow valley: lesson 10's explorer.

The explorer compares, for one inner optimizer and learning rate, the inner
optimizer's own run with Lookahead's fast and slow weights around it::

    alone = inner_alone_run("SGD", lr=0.39, steps=80)                 # (81, 2)
    fast, slow = lookahead_run("SGD", lr=0.39, k=5, slow_lr=0.5, steps=80)

The inner optimizers are named as the explorer's dropdown names them
(``INNER_OPTIMIZERS``), every other hyperparameter at torch.optim's default.
The runs are ``landscapes.trajectory`` and ``lookahead.lookahead_paths`` from
the valley's demo start. They are remembered, so that moving k or slow_lr does
not rerun the inner optimizer alone; a remembered run is shared between
callers, so its arrays are read-only.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import landscapes, optim
from .lookahead import lookahead_paths

VALLEY = landscapes.narrow_valley()
INNER_OPTIMIZERS = ("SGD", "SGD + momentum 0.9", "Adam")


def inner_optimizer(name: str, lr: float):
    """The optimizer named ``name`` (one of INNER_OPTIMIZERS) at learning rate ``lr``."""
    if name == "SGD":
        return optim.SGD(lr=lr)
    if name == "SGD + momentum 0.9":
        return optim.SGD(lr=lr, momentum=0.9)
    if name == "Adam":
        return optim.Adam(lr=lr)
    raise ValueError(f"inner must be one of {', '.join(map(repr, INNER_OPTIMIZERS))}, got {name!r}")


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@functools.lru_cache(maxsize=64)
def inner_alone_run(name: str, lr: float, steps: int) -> np.ndarray:
    """The path of the inner optimizer ``name`` alone on the valley: (steps + 1, 2), shorter if it diverged."""
    return _read_only(landscapes.trajectory(inner_optimizer(name, lr), VALLEY, steps=steps))


@functools.lru_cache(maxsize=64)
def lookahead_run(name: str, lr: float, k: int, slow_lr: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(fast, slow) weights of Lookahead(inner ``name``, k, slow_lr) on the valley (see ``lookahead_paths``):
    fast after every step, slow at the start and after every k-th step."""
    fast, slow = lookahead_paths(inner_optimizer(name, lr), k, slow_lr, VALLEY, steps)
    return _read_only(fast), _read_only(slow)


__all__ = ["VALLEY", "INNER_OPTIMIZERS", "inner_optimizer", "inner_alone_run", "lookahead_run"]
