"""RAdam against a linear warmup: how much learning rate each holds back, and a short run
of each on real data (lesson 09's explorer).

- ``withheld_by_radam(beta2)``: the sum over t >= 1 of 1 - r_t, with r_t = 0 while
  torch's RAdam takes momentum-SGD steps (rho_t <= 5): the learning rate its adaptive
  step misses, counted in steps at the full rate; infinite when rho_t never passes 5.
- ``withheld_by_linear_warmup(warmup_steps)``: the same sum for the linear warmup of
  ``schedules.LinearLR`` from 1 / W over W steps, (1 - 1/W)(W + 1)/2.
- ``digits_runs(beta2, lr, warmup_steps)``: the mini-batch losses of a 64-32-10 MLP on
  digits over three epochs with Adam, RAdam and Adam + that warmup (``digits_run`` for
  one of them, cached: an explorer's move of the warmup does not train Adam and RAdam again).
- ``running_mean(losses, width)``: the curves' smoothing, a running mean over the last
  ``width`` mini-batches.

rho_t, r_t and the warmup factor themselves are in ``course_lib.optim`` and
``course_lib.theory.rectification``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import data, models, optim, schedules
from .rectification import TORCH_THRESHOLD, first_rectified_step

DIGITS_EPOCHS = 3       # the explorer's training run: 3 epochs of 34 mini-batches of 32
DIGITS_BATCH = 32
DIGITS_LAYERS = (64, 32, 10)
METHODS = ("Adam", "RAdam", "Adam + warmup")
# 1 - r_t shrinks like t beta2^t: past first + TAIL / (1 - beta2) steps the rest of the sum is below 1e-12
TAIL = 40


def withheld_by_radam(beta2: float) -> float:
    """sum over t >= 1 of (1 - r_t), r_t = 0 until torch rectifies: RAdam's momentum-SGD steps count
    in full, since they do not use the adaptive step at all. math.inf if rho_inf <= 5 (never)."""
    return _withheld_by_radam(float(beta2))


@functools.lru_cache(maxsize=256)
def _withheld_by_radam(beta2: float) -> float:
    first = first_rectified_step(beta2, TORCH_THRESHOLD)
    if first is None:
        return math.inf
    t = np.arange(first, first + math.ceil(TAIL / (1.0 - beta2)), dtype=np.float64)
    rho, rho_max = optim.rho_t(beta2, t), optim.rho_inf(beta2)
    # optim.rectification, for every t at once
    r = np.sqrt((rho - 4) * (rho - 2) * rho_max / ((rho_max - 4) * (rho_max - 2) * rho))
    return (first - 1) + float(np.sum(1.0 - r))


def withheld_by_linear_warmup(warmup_steps: int) -> float:
    """sum over n = 0..W-1 of (1 - 1/W)(1 - n/W) = (1 - 1/W)(W + 1)/2: the learning rate that
    schedules.LinearLR(lr, start_factor=1/W, total_iters=W) holds back, in steps at the full rate."""
    W = warmup_steps
    return (1.0 - 1.0 / W) * (W + 1) / 2


@functools.lru_cache(maxsize=1)
def digits() -> data.Dataset:
    """The digits split the runs train on (seed 0)."""
    return data.load("digits", seed=0)


def digits_steps() -> int:
    """How many steps a run takes: DIGITS_EPOCHS epochs of mini-batches of DIGITS_BATCH."""
    return DIGITS_EPOCHS * math.ceil(len(digits().X_train) / DIGITS_BATCH)


def digits_run(method: str, beta2: float, lr: float, warmup_steps: int | None = None) -> models.History:
    """One run: "Adam", "RAdam" (betas (0.9, beta2), learning rate lr) or "Adam + warmup"
    (Adam with lr warmed up linearly from lr / warmup_steps over warmup_steps steps).

    Cached: the history returned is shared, do not change its arrays. Evaluated once, at
    the end (the curves are the mini-batch losses; the last validation accuracy is kept).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if (method == "Adam + warmup") != (warmup_steps is not None):
        raise ValueError("warmup_steps is for 'Adam + warmup', and only for it")
    return _digits_run(method, float(beta2), float(lr), warmup_steps)


@functools.lru_cache(maxsize=96)
def _digits_run(method: str, beta2: float, lr: float, warmup_steps: int | None) -> models.History:
    optimizer = (optim.RAdam if method == "RAdam" else optim.Adam)(lr=lr, betas=(0.9, beta2))
    schedule = None
    if warmup_steps is not None:
        schedule = schedules.LinearLR(lr, start_factor=1.0 / warmup_steps, total_iters=warmup_steps)
    return models.train(models.MLP(DIGITS_LAYERS), optimizer, digits(), epochs=DIGITS_EPOCHS,
                        batch_size=DIGITS_BATCH, seed=0, eval_every=digits_steps(), schedule=schedule)


def warmup_label(warmup_steps: int) -> str:
    return f"Adam + warmup ({warmup_steps} step{'s' if warmup_steps != 1 else ''})"


def digits_runs(beta2: float, lr: float, warmup_steps: int) -> dict:
    """Mini-batch losses of a 64-32-10 MLP on digits: Adam, RAdam, Adam + linear warmup
    (labelled with its length), as ``models.History`` objects."""
    return {"Adam": digits_run("Adam", beta2, lr), "RAdam": digits_run("RAdam", beta2, lr),
            warmup_label(warmup_steps): digits_run("Adam + warmup", beta2, lr, warmup_steps)}


def running_mean(losses: np.ndarray, width: int = 8) -> np.ndarray:
    """Running mean over the last ``width`` mini-batches (fewer at the start)."""
    cumulative = np.cumsum(np.insert(np.asarray(losses, dtype=np.float64), 0, 0.0))
    n = np.arange(1, len(losses) + 1)
    start = np.maximum(n - width, 0)
    return (cumulative[n] - cumulative[start]) / (n - start)


__all__ = ["DIGITS_EPOCHS", "DIGITS_BATCH", "DIGITS_LAYERS", "METHODS", "withheld_by_radam",
           "withheld_by_linear_warmup", "digits", "digits_steps", "digits_run", "digits_runs", "warmup_label",
           "running_mean"]
