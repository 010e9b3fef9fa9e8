"""Lesson 11 (capstone): the optimizer race on digits, its tuning protocol, and the explorer.

The race: a 64-200-10 MLP (ReLU) on scikit-learn's digits, every optimizer of
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
- ``race_run``, ``tune_lr``: one run, and a learning-rate sweep.
- ``plot_lr_heatmap(tunings)``: optimizer x learning rate, validation accuracy.
- ``race_explorer(optimizer, lr, epochs)``: a live run of the chosen optimizer
  against Adam at its default learning rate.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from .. import data, models, optim
from ..plots import color_for

HIDDEN = 200          # the articles' hidden width (their net is 784-200-10 on MNIST)
BATCH_SIZE = 64       # the articles' batch size
DATA_SEED = 0         # the train / val / test split; the run's seed sets init and batch order
ADAM_DEFAULT_LR = 1e-3


@dataclass(frozen=True)
class Racer:
    """One entry of the race: ``build(lr)`` makes the course_lib optimizer; ``torch_class``
    (a name in torch.optim) with ``torch_kwargs`` is the same algorithm in torch, or None."""

    build: Callable[[float], optim.Optimizer]
    default_lr: float          # torch's (and course_lib's) default, for reference
    torch_class: str | None = None
    torch_kwargs: tuple = ()
    note: str = ""


# Every hyperparameter except lr is torch's default (and course_lib's).
LINEUP = {
    "SGD": Racer(lambda lr: optim.SGD(lr=lr), 1e-3, "SGD"),
    "Momentum": Racer(lambda lr: optim.SGD(lr=lr, momentum=0.9), 1e-3, "SGD", (("momentum", 0.9),),
                      "momentum 0.9"),
    "Nesterov": Racer(lambda lr: optim.SGD(lr=lr, momentum=0.9, nesterov=True), 1e-3, "SGD",
                      (("momentum", 0.9), ("nesterov", True)), "momentum 0.9"),
    "AdaGrad": Racer(lambda lr: optim.Adagrad(lr=lr), 1e-2, "Adagrad"),
    "RMSProp": Racer(lambda lr: optim.RMSprop(lr=lr), 1e-2, "RMSprop", note="alpha 0.99"),
    "AdaDelta": Racer(lambda lr: optim.Adadelta(lr=lr), 1.0, "Adadelta", note="rho 0.9"),
    "Adam": Racer(lambda lr: optim.Adam(lr=lr), 1e-3, "Adam"),
    "AdamW": Racer(lambda lr: optim.AdamW(lr=lr), 1e-3, "AdamW", note="weight decay 0.01"),
    "AMSGrad": Racer(lambda lr: optim.AMSGrad(lr=lr), 1e-3, "Adam", (("amsgrad", True),)),
    "AdaMax": Racer(lambda lr: optim.Adamax(lr=lr), 2e-3, "Adamax"),
    "NAdam": Racer(lambda lr: optim.NAdam(lr=lr), 2e-3, "NAdam"),
    "RAdam": Racer(lambda lr: optim.RAdam(lr=lr), 1e-3, "RAdam"),
    "LAMB": Racer(lambda lr: optim.LAMB(lr=lr), 1e-3, note="eps 1e-6, no weight decay"),
    "Lookahead": Racer(lambda lr: optim.Lookahead(optim.Adam(lr=lr)), 1e-3, note="around Adam; k 5, alpha 0.5"),
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

    @property
    def diverged(self) -> bool:
        return self.stopped or not self.val_loss[-1] <= self.initial_val_loss


def race_run(name: str, lr: float, epochs: int = 2, seed: int = 0, dataset: data.Dataset | None = None,
             batch_size: int = BATCH_SIZE) -> RaceRun:
    """Train the race's MLP with optimizer ``name`` at ``lr``; evaluate on the validation split only.

    Same seed, same start: the initial weights and the order of the
    mini-batches come from np.random.default_rng(seed) exactly as in
    ``models.train(..., seed=seed)``, so for the same arguments the final
    params are identical to train's. A loss that becomes NaN or inf stops the
    run (``stopped``) and the validation numbers from then on are NaN.
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
                params, state = optimizer.step(params, grads, state)
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
                   time.perf_counter() - start)


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
        """Highest validation accuracy; ties go to the lower validation loss."""
        if self.diverged.all():
            raise ValueError(f"every learning rate diverged for {self.name}: move the grid lower")
        accuracy = np.where(self.diverged, -np.inf, self.val_accuracy)
        loss = np.where(self.diverged, np.inf, self.val_loss)
        return int(np.lexsort((loss, -accuracy))[0])

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


# --- the heat map ----------------------------------------------------------------


def plot_lr_heatmap(tunings: dict, ax=None, vmin: float = 0.8):
    """Optimizer x learning rate: the validation accuracy of every run of ``tunings`` (name -> Tuning).

    Columns are the union of the grids (half a decade apart); a blank cell was
    not tried, a grey cell marked x diverged, the boxed cell is the lr chosen.
    Colors saturate below ``vmin`` so that differences near the top show.
    """
    exponents = [2 * math.log10(lr) for t in tunings.values() for lr in t.lrs]
    if any(abs(e - round(e)) > 1e-6 for e in exponents):
        raise ValueError("the heat map's columns are half a decade apart: every lr must be 10^(k/2), "
                         "as np.logspace(low, high, n) gives when low, high and the step are multiples of 0.5")
    halves = sorted({round(e) for e in exponents})
    column = {h: i for i, h in enumerate(halves)}
    names = list(tunings)
    accuracy = np.full((len(names), len(halves)), np.nan)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.82 * len(halves), 0.9 + 0.36 * len(names)))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("white")
    for row, name in enumerate(names):
        tuning = tunings[name]
        for lr, acc, diverged in zip(tuning.lrs, tuning.val_accuracy, tuning.diverged):
            col = column[round(2 * math.log10(lr))]
            if diverged:
                ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, color="0.82", zorder=2))
                ax.text(col, row, "×", ha="center", va="center", fontsize=12, color="0.35", zorder=3)
            else:
                accuracy[row, col] = acc
        best_col = column[round(2 * math.log10(tuning.best_lr))]
        # inset, so that the boxes of neighbouring rows do not merge into a box around a third cell
        ax.add_patch(plt.Rectangle((best_col - 0.44, row - 0.4), 0.88, 0.8, fill=False, edgecolor="red", lw=2.2,
                                   zorder=4))
    image = ax.imshow(accuracy, cmap=cmap, vmin=vmin, vmax=1.0, aspect="auto")
    for row in range(len(names)):
        for col in range(len(halves)):
            value = accuracy[row, col]
            if np.isfinite(value):
                ax.text(col, row, f"{100 * value:.1f}", ha="center", va="center", fontsize=7.5,
                        color="black" if value > vmin + 0.6 * (1 - vmin) else "white", zorder=3)
    ax.set_xticks(range(len(halves)), [f"{10 ** (h / 2):.2g}" for h in halves])
    ax.set_yticks(range(len(names)), names)
    for label, name in zip(ax.get_yticklabels(), names):
        label.set_color(color_for(name))
    ax.set_xlim(-0.5, len(halves) - 0.5)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_title("Validation accuracy, optimizer × learning rate (red: chosen)")
    ax.set_xlabel(r"learning rate (columns half a decade apart: $\times\sqrt{10}$)")
    ax.set_ylabel("optimizer")
    colorbar = ax.figure.colorbar(image, ax=ax, extend="min", pad=0.02)
    colorbar.set_label(f"validation accuracy (%); {100 * vmin:.0f} or less: darkest")
    colorbar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}"))
    return ax


# --- the explorer ---------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _adam_reference(epochs: int) -> RaceRun:
    return race_run("Adam", ADAM_DEFAULT_LR, epochs=epochs)


def race_explorer(optimizer: str = "SGD", lr: float = 0.1, epochs: int = 2):
    """The chosen optimizer at ``lr`` against Adam at its default lr (1e-3), same init and batches.

    Left: the mini-batch training loss at every step. Right: the validation
    accuracy after every epoch. A diverged run is named in the left title.
    """
    run = race_run(optimizer, lr, epochs=epochs)
    reference = _adam_reference(int(epochs))
    same = optimizer == "Adam" and math.isclose(lr, ADAM_DEFAULT_LR)
    color = color_for(optimizer)
    ref_color = "0.45" if optimizer == "Adam" else color_for("Adam")
    ours_label = f"{optimizer}, lr = {lr:.3g}"
    ref_label = f"Adam, lr = {ADAM_DEFAULT_LR:g} (default)"
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11.5, 4.4), gridspec_kw={"width_ratios": [1.6, 1]})

    ax_loss.plot(np.arange(len(reference.loss)), reference.loss, color=ref_color, lw=1.3, ls="--", label=ref_label)
    finite = run.loss[np.isfinite(run.loss)]
    ax_loss.plot(np.arange(len(finite)), finite, color=color, lw=1.6, label=ours_label)
    ax_loss.set_yscale("log")
    low = min(reference.loss.min(), finite.min() if finite.size else 1.0)
    high = max(reference.loss.max(), 3.0, min(finite.max(), 1e3) if finite.size else 0.0)
    ax_loss.set_ylim(low / 1.5, high * 1.5)  # capped: a blown-up run would squash the other curve
    title = f"Training loss, {epochs} epoch{'s' if epochs > 1 else ''} on digits"
    if run.stopped:
        title += f"\n{optimizer} diverged: its loss became NaN or inf at step {len(finite)}"
    elif run.diverged:
        title += (f"\n{optimizer} diverged: validation loss {run.val_loss[-1]:.3g} at the end, "
                  f"{run.initial_val_loss:.3g} at the start")
    ax_loss.set(xlabel="step (mini-batch of 64)", ylabel="mini-batch loss (cross-entropy)")
    ax_loss.set_title(title, fontsize=10.5)
    ax_loss.legend(fontsize=8.5, loc="best")

    def final(r):
        return "NaN" if r.stopped else f"{r.val_accuracy[-1]:.1%}"

    epochs_axis = np.arange(1, epochs + 1)
    ax_acc.plot(epochs_axis, reference.val_accuracy, "o--", color=ref_color,
                label=f"Adam, default lr: {final(reference)}" + (" (the same run)" if same else ""))
    ax_acc.plot(epochs_axis, run.val_accuracy, "o-", color=color, label=f"{ours_label}: {final(run)}")
    ax_acc.axhline(0.1, color="0.6", lw=0.8, ls=":", label="chance (10 classes)")
    ax_acc.set_ylim(0.0, 1.0)
    ax_acc.set_xticks(epochs_axis)
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy")
    ax_acc.set_title("Validation accuracy after each epoch", fontsize=10.5)
    ax_acc.legend(fontsize=8.5, loc="lower right")
    fig.subplots_adjust(left=0.085, right=0.98, bottom=0.12, top=0.87, wspace=0.25)
    return fig


EXPLORERS = {
    "lesson11_race": (race_explorer, [
        dict(optimizer="SGD", lr=0.1, epochs=3),
        dict(optimizer="SGD", lr=30.0, epochs=2),          # the slider's top: SGD blows up
        dict(optimizer="Adam", lr=1e-4, epochs=1),         # the slider's bottom: Adam barely moves
        dict(optimizer="AdaDelta", lr=1.0, epochs=5),      # AdaDelta's "no learning rate" default
        dict(optimizer="Lookahead", lr=3e-3, epochs=4),
        dict(optimizer="LAMB", lr=0.1, epochs=3),          # finite loss, but worse than at the start
        dict(optimizer="Adam", lr=1e-3, epochs=2),         # Adam against itself
    ]),
}

__all__ = ["LINEUP", "Racer", "RaceRun", "Tuning", "make_optimizer", "torch_optimizer", "race_data", "race_model",
           "race_run", "tune_lr", "plot_lr_heatmap", "race_explorer", "EXPLORERS"]
