"""What tuning the learning rate buys: lesson 12's race, Adam at its tuned learning rate against its default.

The race (``course_lib.theory.race``) tunes every optimizer's learning rate on a
grid and keeps the best run inside it (``Tuning.best_index``). Adam's grid
starts at Adam's default, 0.001, so the race has already run both: what tuning
bought is the difference between two of its runs, read off without training
anything again (``tuning_gain``).

Runs of another length follow from the race's protocol. Every run starts from
the same weights and draws its mini-batches from the same seeded generator,
epoch after epoch, so the first k epochs of a longer run *are* the run of k
epochs, loss for loss: ``first_epochs`` cuts a run short exactly, and a
longer run at the same learning rate begins with the race's run.

- ``ADAM_GRID``, ``RACE_EPOCHS``: lesson 12's grid for Adam and its budget (the
  notebook checks that its race uses these).
- ``adam_race_tuning()``: the race's tuning of Adam (computed once, then cached).
- ``first_epochs(run, epochs)``: the run of fewer epochs that a longer run begins with.
- ``tuning_gain(tuning, default_lr)``: a ``TuningGain``, the tuning's chosen run
  against its run at ``default_lr``.
- ``adam_tuning_gain(epochs)``: Adam at the race's tuned lr against Adam at
  0.001, after ``epochs`` epochs (cached, for lesson 12's explorer).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np

from .race import BATCH_SIZE, LINEUP, RaceRun, Tuning, race_data, race_run, tune_lr

ADAM_GRID = np.logspace(-3, -0.5, 6)   # lesson 12's grid for Adam: 0.001 (its default) to 0.32
RACE_EPOCHS = 2                        # lesson 12's budget: T = 2 epochs of mini-batches of 64


def steps_per_epoch(dataset=None, batch_size: int = BATCH_SIZE) -> int:
    """Mini-batches in one epoch of the race's training split (the last one may be smaller)."""
    dataset = race_data() if dataset is None else dataset
    return math.ceil(len(dataset.y_train) / batch_size)


def first_epochs(run: RaceRun, epochs: int, per_epoch: int | None = None) -> RaceRun:
    """The run of ``epochs`` epochs that ``run`` (a longer one, same seed) begins with.

    Its losses, validation scores and stop are what ``race_run`` returns for
    ``epochs`` epochs; its final weights and optimizer state are not known (None),
    nor its time (NaN). per_epoch: steps in an epoch, ``steps_per_epoch()`` if None.
    """
    have = len(run.val_accuracy)
    if not 1 <= epochs <= have:
        raise ValueError(f"epochs must be between 1 and the run's {have}, got {epochs}")
    if epochs == have:
        return run
    per_epoch = steps_per_epoch() if per_epoch is None else per_epoch
    loss = run.loss[:epochs * per_epoch]
    val_loss, val_accuracy = run.val_loss[:epochs], run.val_accuracy[:epochs]
    # a run stops at its first NaN or inf loss, or at its first NaN or inf validation loss
    stopped = not (np.all(np.isfinite(loss)) and np.all(np.isfinite(val_loss)))
    return replace(run, loss=loss, val_loss=val_loss, val_accuracy=val_accuracy, params=None, state=None,
                   stopped=stopped, seconds=math.nan)


@dataclass(frozen=True, eq=False)
class TuningGain:
    """One optimizer at its default learning rate and at its tuned one, over the same epochs."""

    default: RaceRun
    tuned: RaceRun

    @property
    def default_lr(self) -> float:
        return self.default.lr

    @property
    def tuned_lr(self) -> float:
        return self.tuned.lr

    @property
    def accuracy_gain(self) -> float:
        """Validation accuracy at the end, tuned minus default (0.05: five points)."""
        return float(self.tuned.val_accuracy[-1] - self.default.val_accuracy[-1])


def tuning_gain(tuning: Tuning, default_lr: float) -> TuningGain:
    """The tuning's chosen run (``Tuning.best_run``) against its run at ``default_lr``, which the
    grid must contain: both are runs the tuning has already made."""
    at_default = np.isclose(tuning.lrs, default_lr, rtol=1e-9, atol=0.0)
    if at_default.sum() != 1:
        raise ValueError(f"{tuning.name}'s grid ({', '.join(f'{lr:.3g}' for lr in tuning.lrs)}) does not "
                         f"contain the default lr {default_lr:g}: add it to compare with the tuned one")
    return TuningGain(default=tuning.runs[int(np.argmax(at_default))], tuned=tuning.best_run)


@functools.lru_cache(maxsize=1)
def adam_race_tuning() -> Tuning:
    """The race's tuning of Adam: one run per lr of ADAM_GRID for RACE_EPOCHS epochs, seed 0."""
    return tune_lr("Adam", ADAM_GRID, epochs=RACE_EPOCHS)


@functools.lru_cache(maxsize=8)
def adam_tuning_gain(epochs: int = RACE_EPOCHS) -> TuningGain:
    """Adam at the race's tuned lr against Adam at its default lr (0.001), after ``epochs`` epochs.

    The learning rates are the race's, chosen for RACE_EPOCHS epochs. Up to
    RACE_EPOCHS the runs are the race's own runs (cut short by ``first_epochs``);
    beyond, runs at the same two learning rates whose first RACE_EPOCHS epochs are
    the race's.
    """
    race = tuning_gain(adam_race_tuning(), LINEUP["Adam"].default_lr)
    if epochs <= RACE_EPOCHS:
        return TuningGain(first_epochs(race.default, epochs), first_epochs(race.tuned, epochs))
    return TuningGain(race_run("Adam", race.default_lr, epochs=epochs), race_run("Adam", race.tuned_lr, epochs=epochs))


__all__ = ["ADAM_GRID", "RACE_EPOCHS", "steps_per_epoch", "first_epochs", "TuningGain", "tuning_gain",
           "adam_race_tuning", "adam_tuning_gain"]
