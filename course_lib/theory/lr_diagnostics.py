"""Two practical checks of a learning rate, run on the race's network (lesson 12).

Both come from practice rather than from a convergence proof, and the capstone
checks each one against its own tuned learning rates:

- ``update_ratios(name, lr, epochs)``: CS231n's ratio of the size of an update to
  the size of the weights it changes, per weight matrix and per step,
  ``||theta_t - theta_{t-1}|| / ||theta_{t-1}||`` (``update_to_weight_ratio``).
  The notes' rule of thumb: somewhere around 1e-3; much lower, the learning rate
  is probably too small; much higher, too large. The biases are left out: they
  start at zero, where the ratio is infinite.
- ``lr_range_test(name, lr_min, lr_max, steps)``: one short run whose learning rate
  grows exponentially from lr_min to lr_max, the loss recorded against the
  learning rate. Smith (*Cyclical Learning Rates for Training Neural Networks*,
  2017) introduced the range test, raising the rate linearly over a few epochs;
  the exponential sweep, the smoothing and the stopping rule here are those of
  fastai's ``lr_find``: a bias-corrected exponential moving average of the loss,
  and a stop once it exceeds 4 times its lowest value (the loss has blown up).
  ``RangeTest.suggested_lr`` is the learning rate at the lowest smoothed loss,
  divided by 10: a rate safely below the blow-up, still on the steep part.

Both use ``race.race_run``: the same network, initial weights and batch order as
every run of the race with the same seed::

    ratios = update_ratios("SGD", 0.3, epochs=2)          # ratios.ratios[step, layer]
    test = lr_range_test("Adam", 1e-5, 1e2, steps=68)     # test.lrs, test.smoothed, test.suggested_lr
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import data
from .race import BATCH_SIZE, RaceRun, race_data, race_model, race_run
from .sweeps import best_inside

WEIGHT_LAYERS = ("W1", "W2")   # the race's weight matrices; biases start at 0, where the ratio is infinite
RULE_OF_THUMB = 1e-3           # CS231n: an update about a thousandth of the weights' size
BLOW_UP = 4.0                  # fastai's lr_find stops once the smoothed loss exceeds 4 times its lowest value
SUGGESTION_FACTOR = 10.0       # one order of magnitude below the lowest smoothed loss


def update_to_weight_ratio(before: dict, after: dict, layers=WEIGHT_LAYERS) -> np.ndarray:
    """||after[k] - before[k]|| / ||before[k]|| for each weight matrix k of ``layers`` (Frobenius norms)."""
    return np.array([np.linalg.norm(after[k] - before[k]) / np.linalg.norm(before[k]) for k in layers])


@dataclass(frozen=True, eq=False)
class RatioRun:
    """One race run with its update-to-weight ratio at every step: ``ratios[n - 1, i]`` is
    the ratio of step n for the weight matrix ``layers[i]``."""

    run: RaceRun
    layers: tuple
    ratios: np.ndarray

    def median(self, steps: slice = slice(None)) -> np.ndarray:
        """The median ratio of each layer over ``steps`` (all by default)."""
        return np.median(self.ratios[steps], axis=0)


def update_ratios(name: str, lr: float, epochs: int = 2, seed: int = 0, dataset: data.Dataset | None = None,
                  layers=WEIGHT_LAYERS) -> RatioRun:
    """A ``race_run`` of ``name`` at ``lr`` that records the update-to-weight ratio of every step."""
    dataset = race_data() if dataset is None else dataset
    # race_run starts from exactly these weights (same model, seed and dtype)
    previous = race_model().init_params(seed=seed, dtype=dataset.X_train.dtype)
    ratios = []

    def record(n, params, state, grads):
        nonlocal previous
        ratios.append(update_to_weight_ratio(previous, params, layers))
        previous = params

    run = race_run(name, lr, epochs=epochs, seed=seed, dataset=dataset, on_step=record)
    return RatioRun(run, tuple(layers), np.array(ratios).reshape(-1, len(layers)))


def smoothed_losses(losses, beta: float) -> np.ndarray:
    """Bias-corrected exponential moving average of ``losses``: (1 - beta) sum beta^(t-i) L_i / (1 - beta^t)."""
    average, out = 0.0, np.empty(len(losses))
    for t, loss in enumerate(losses, start=1):
        average = beta * average + (1 - beta) * loss
        out[t - 1] = average / (1 - beta**t)
    return out


@dataclass(frozen=True, eq=False)
class RangeTest:
    """A learning-rate range test. ``lrs[n]`` is the learning rate of step n + 1, ``loss[n]`` the
    mini-batch loss measured right after that step, ``smoothed`` its moving average; the
    arrays stop where the smoothed loss blew up (``blew_up``) or at the end of the range."""

    name: str
    lrs: np.ndarray
    loss: np.ndarray
    smoothed: np.ndarray
    blew_up: bool

    @property
    def lowest_index(self) -> int:
        """Where the smoothed loss is lowest; never the first or last step kept (GridEdgeError):
        at the first, lr_min was already too large; at the last, the range never reached the blow-up."""
        return best_inside(self.lrs, self.smoothed, what=f"{self.name}'s range test (lowest smoothed loss)")

    @property
    def lr_at_lowest(self) -> float:
        return float(self.lrs[self.lowest_index])

    @property
    def suggested_lr(self) -> float:
        return self.lr_at_lowest / SUGGESTION_FACTOR

    @property
    def blow_up_lr(self) -> float:
        """The learning rate of the step where the smoothed loss passed BLOW_UP times its lowest
        (the last step kept); NaN if it never did within the range."""
        return float(self.lrs[-1]) if self.blew_up else math.nan


def lr_range_test(name: str, lr_min: float = 1e-5, lr_max: float = 1e2, steps: int = 68, beta: float = 0.8,
                  seed: int = 0, dataset: data.Dataset | None = None) -> RangeTest:
    """Raise the learning rate of ``name`` from lr_min to lr_max geometrically over ``steps`` steps.

    Runs on the race's network with the race's first batches (``race_run``, same
    seed). ``beta`` smooths the loss: fastai uses 0.98; a test this short needs
    less smoothing, and with 0.8 the average lags by beta / (1 - beta) = 4 steps,
    under half a decade of learning rate with the defaults.
    """
    if not 0 < lr_min < lr_max:
        raise ValueError(f"the range must go up: got lr_min = {lr_min:g}, lr_max = {lr_max:g}")
    growth = (lr_max / lr_min) ** (1 / (steps - 1))
    dataset = race_data() if dataset is None else dataset
    batches_per_epoch = math.ceil(len(dataset.y_train) / BATCH_SIZE)
    # one batch more than steps: the loss after step n is measured on the batch of step n + 1
    epochs = math.ceil((steps + 1) / batches_per_epoch)
    run = race_run(name, lr_min, epochs=epochs, seed=seed, dataset=dataset, schedule=lambda n: lr_min * growth**n)
    lrs = lr_min * growth ** np.arange(steps)
    loss = np.full(steps, np.nan)
    after = run.loss[1:steps + 1]
    loss[:len(after)] = after
    smoothed = smoothed_losses(loss, beta)
    stop, lowest = steps, math.inf
    for n, value in enumerate(smoothed):
        if not math.isfinite(value) or value > BLOW_UP * lowest:
            stop = n + 1   # keep the step that blew up: it marks where
            break
        lowest = min(lowest, value)
    return RangeTest(name, lrs[:stop], loss[:stop], smoothed[:stop], stop < steps)


__all__ = ["WEIGHT_LAYERS", "RULE_OF_THUMB", "BLOW_UP", "SUGGESTION_FACTOR", "update_to_weight_ratio", "RatioRun",
           "update_ratios", "smoothed_losses", "RangeTest", "lr_range_test"]
