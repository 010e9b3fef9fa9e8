"""The optimizer race of the capstone (lesson 12): the lineup and the protocol that makes it fair.

A 64-200-10 MLP (ReLU) on scikit-learn's digits, every optimizer of
``course_lib.optim`` with torch's default hyperparameters except the learning
rate, which is tuned for each one on the validation split::

    run = race_run("Adam", lr=1e-3, epochs=2)       # one training run, validation only
    result = tune_lr("Adam", lrs, epochs=2)           # one run per lr, same init and batches
    result.best_lr, result.val_accuracy, result.diverged

The protocol, the same for every optimizer: the same initial weights and the
same mini-batches in the same order (both from ``seed``), the same number of
epochs and batch size; only the learning rate changes. ``race_run`` is
``models.train`` without its per-epoch evaluation of the whole training split
(which costs more than the training itself at this size), and it never
touches the test split: the test split is for the one final evaluation.

- ``LINEUP``: name -> how to build the optimizer at a learning rate, and its
  torch.optim counterpart (None for LAMB and Lookahead, which torch lacks).
- ``race_run``, ``tune_lr``: one run, and a learning-rate sweep (``Tuning.best_lr``
  is the rule that picks the winner, never at an edge of the grid).

The heat map of a sweep and the live explorer are in ``course_lib.widgets.lesson12``.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import data, models, optim
from ..i18n import N_, _
from .sweeps import best_inside

HIDDEN = 200          # the articles' hidden width (their net is 784-200-10 on MNIST)
BATCH_SIZE = 64       # the articles' batch size
DATA_SEED = 0         # the train / val / test split; the run's seed sets init and batch order


@dataclass(frozen=True)
class Racer:
    """One entry of the race: ``build(lr)`` makes the course_lib optimizer; ``torch_class``
    (a name in torch.optim) with ``torch_kwargs`` is the same algorithm in torch, or None."""

    build: Callable[[float], optim.Optimizer]
    default_lr: float          # torch's (and course_lib's) default, for reference
    torch_class: str | None = None
    torch_kwargs: tuple = ()
    note: str = ""             # its hyperparameters other than lr, when torch's defaults are not enough to say

    @property
    def shown_note(self) -> str:
        """``note`` in the language the course is shown in (``i18n.use``), "defaults" when there is none."""
        return _(self.note) if self.note else _("defaults")


# Every hyperparameter except lr is torch's default (and course_lib's).
LINEUP = {
    "SGD": Racer(lambda lr: optim.SGD(lr=lr), 1e-3, "SGD"),
    "Momentum": Racer(lambda lr: optim.SGD(lr=lr, momentum=0.9), 1e-3, "SGD", (("momentum", 0.9),),
                      N_("momentum 0.9")),
    "Nesterov": Racer(lambda lr: optim.SGD(lr=lr, momentum=0.9, nesterov=True), 1e-3, "SGD",
                      (("momentum", 0.9), ("nesterov", True)), N_("momentum 0.9")),
    "AdaGrad": Racer(lambda lr: optim.Adagrad(lr=lr), 1e-2, "Adagrad"),
    "RMSProp": Racer(lambda lr: optim.RMSprop(lr=lr), 1e-2, "RMSprop", note=N_("beta2 0.99")),
    "AdaDelta": Racer(lambda lr: optim.Adadelta(lr=lr), 1.0, "Adadelta", note=N_("beta2 0.9")),
    "Adam": Racer(lambda lr: optim.Adam(lr=lr), 1e-3, "Adam"),
    "AdamW": Racer(lambda lr: optim.AdamW(lr=lr), 1e-3, "AdamW", note=N_("weight decay 0.01")),
    "AMSGrad": Racer(lambda lr: optim.AMSGrad(lr=lr), 1e-3, "Adam", (("amsgrad", True),)),
    "AdaMax": Racer(lambda lr: optim.Adamax(lr=lr), 2e-3, "Adamax"),
    "NAdam": Racer(lambda lr: optim.NAdam(lr=lr), 2e-3, "NAdam"),
    "RAdam": Racer(lambda lr: optim.RAdam(lr=lr), 1e-3, "RAdam"),
    "LAMB": Racer(lambda lr: optim.LAMB(lr=lr), 1e-3, note=N_("eps 1e-6, no weight decay")),
    "Lookahead": Racer(lambda lr: optim.Lookahead(optim.Adam(lr=lr)), 1e-3, note=N_("around Adam; k 5, slow_lr 0.5")),
}


def make_optimizer(name: str, lr: float):
    """The course_lib optimizer of the lineup called ``name``, at learning rate ``lr``."""
    if name not in LINEUP:
        raise ValueError(f"unknown racer {name!r}; choose one of {', '.join(LINEUP)}")
    return LINEUP[name].build(float(lr))


def torch_optimizer(name: str, lr: float):
    """The same optimizer in torch.optim behind course_lib's contract, or None if torch has none."""
    racer = LINEUP[name]
    if racer.torch_class is None:
        return None
    import torch

    from ..optim.torch_bridge import TorchOptimizer

    return TorchOptimizer(getattr(torch.optim, racer.torch_class), lr=float(lr), **dict(racer.torch_kwargs))


@functools.lru_cache(maxsize=4)
def race_data(seed: int = DATA_SEED) -> data.Dataset:
    """Digits, split 60 / 20 / 20 and standardized with the training split's statistics."""
    return data.load("digits", seed=seed)


def race_model() -> models.MLP:
    return models.MLP((64, HIDDEN, 10))


@dataclass(frozen=True, eq=False)
class RaceRun:
    """One training run. ``loss[n]`` is the mini-batch loss before step n + 1;
    ``val_loss`` and ``val_accuracy`` hold one entry per epoch end (NaN after a
    NaN or inf loss stopped the run); ``initial_val_loss`` is before any step.

    ``state`` is the optimizer's state after the last step taken.

    ``diverged``: the loss became NaN or inf, or the validation loss ended
    above where it started. Cross-entropy is computed stably, so a run blown
    up by a too-large lr often ends at a huge but finite loss (1e15) rather
    than at NaN; "worse than the untrained network" catches both.
    """

    name: str
    lr: float
    loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    initial_val_loss: float
    params: dict
    stopped: bool          # a NaN or inf loss stopped the run (models.train's `diverged`)
    seconds: float
    state: object = None   # the optimizer's state after the last step (its v, its G, ...)

    @property
    def diverged(self) -> bool:
        return self.stopped or not self.val_loss[-1] <= self.initial_val_loss


def race_run(name: str, lr: float, epochs: int = 2, seed: int = 0, dataset: data.Dataset | None = None,
             batch_size: int = BATCH_SIZE, schedule: Callable[[int], float] | None = None,
             on_step: Callable | None = None) -> RaceRun:
    """Train the race's MLP with optimizer ``name`` at ``lr``; evaluate on the validation split only.

    Same seed, same start: the initial weights and the order of the
    mini-batches come from np.random.default_rng(seed) exactly as in
    ``models.train(..., seed=seed)``, so for the same arguments the final
    params are identical to train's. A loss that becomes NaN or inf stops the
    run (``stopped``) and the validation numbers from then on are NaN.

    ``schedule`` and ``on_step`` mean what they mean in ``models.train``: step n
    (steps taken so far, from 0) uses the learning rate schedule(n), and
    on_step(n, params, state, grads) is called after step n (from 1) with the
    new params and state, for the diagnostics of ``theory.lr_diagnostics``.
    """
    start = time.perf_counter()
    dataset = race_data() if dataset is None else dataset
    model = race_model()
    optimizer = make_optimizer(name, lr)
    rng = np.random.default_rng(seed)
    params = model.init_params(seed=seed, dtype=dataset.X_train.dtype)
    state = optimizer.init(params)
    initial_val_loss = model.loss(params, dataset.X_val, dataset.y_val)
    losses, val_loss, val_accuracy = [], [], []
    stopped = False
    with np.errstate(all="ignore"):  # overflow is expected at the top of a sweep; `stopped` says so
        for _ in range(epochs):
            for X_batch, y_batch in data.minibatches(dataset.X_train, dataset.y_train, batch_size, rng):
                loss, grads = model.loss_and_grad(params, X_batch, y_batch)
                losses.append(loss)
                if not math.isfinite(loss):
                    stopped = True
                    break
                step_optimizer = optimizer if schedule is None else optimizer.with_lr(schedule(len(losses) - 1))
                params, state = step_optimizer.step(params, grads, state)
                if on_step is not None:
                    on_step(len(losses), params, state, grads)
            if stopped:
                break
            val_loss.append(model.loss(params, dataset.X_val, dataset.y_val))
            if not math.isfinite(val_loss[-1]):
                stopped = True
                break
            val_accuracy.append(models.accuracy(model, params, dataset.X_val, dataset.y_val))
    missing = epochs - len(val_accuracy)
    val_loss = np.array(val_loss[:len(val_accuracy)] + [math.nan] * missing)
    val_accuracy = np.array(val_accuracy + [math.nan] * missing)
    return RaceRun(name, float(lr), np.array(losses), val_loss, val_accuracy, initial_val_loss, params, stopped,
                   time.perf_counter() - start, state)


@dataclass(frozen=True, eq=False)
class Tuning:
    """A learning-rate sweep of one optimizer: one entry per lr, scores after the last epoch."""

    name: str
    lrs: np.ndarray
    val_loss: np.ndarray       # after the last epoch (NaN where a NaN or inf loss stopped the run)
    val_accuracy: np.ndarray
    diverged: np.ndarray       # RaceRun.diverged of each run
    runs: list

    @property
    def best_index(self) -> int:
        """Highest validation accuracy; ties go to the lower validation loss. Never the
        grid's first or last lr (``sweeps.GridEdgeError``): that would not be a tuned lr."""
        if self.diverged.all():
            raise ValueError(f"every learning rate diverged for {self.name}: move the grid lower")
        accuracy = np.where(self.diverged, -np.inf, self.val_accuracy)
        loss = np.where(self.diverged, np.inf, self.val_loss)
        rank = np.empty(len(self.lrs))
        rank[np.lexsort((loss, -accuracy))] = np.arange(len(self.lrs))
        rank[self.diverged] = np.inf
        return best_inside(self.lrs, rank, what=f"{self.name}'s learning rate")

    @property
    def best_lr(self) -> float:
        return float(self.lrs[self.best_index])

    @property
    def best_run(self) -> RaceRun:
        return self.runs[self.best_index]


def tune_lr(name: str, lrs, epochs: int = 2, seed: int = 0, dataset: data.Dataset | None = None) -> Tuning:
    """One ``race_run`` per learning rate in ``lrs``, all from the same init and batches."""
    lrs = np.asarray(lrs, dtype=np.float64)
    runs = [race_run(name, lr, epochs=epochs, seed=seed, dataset=dataset) for lr in lrs]
    return Tuning(name, lrs, np.array([r.val_loss[-1] for r in runs]),
                  np.array([r.val_accuracy[-1] for r in runs]), np.array([r.diverged for r in runs]), runs)


__all__ = ["HIDDEN", "BATCH_SIZE", "DATA_SEED", "LINEUP", "Racer", "RaceRun", "Tuning", "make_optimizer",
           "torch_optimizer", "race_data", "race_model", "race_run", "tune_lr"]
