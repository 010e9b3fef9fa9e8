"""Lesson 12 (capstone): the heat map of the optimizer race, and the explorer.

The race itself (the lineup, ``race_run``, ``tune_lr`` and the protocol that
makes it fair) is in ``course_lib.theory.race``; this module draws it:

- ``plot_lr_heatmap(tunings)``: optimizer x learning rate, validation accuracy.
- ``race_explorer(optimizer, lr, epochs)``: a live run of the chosen optimizer
  against Adam at its default learning rate.
"""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np

from ..plots import color_for
from ..theory.race import RaceRun, race_run

ADAM_DEFAULT_LR = 1e-3


# --- the heat map ----------------------------------------------------------------


def plot_lr_heatmap(tunings: dict, ax=None, vmin: float = 0.8, within: float | None = None):
    """Optimizer x learning rate: the validation accuracy of every run of ``tunings`` (name -> Tuning).

    Columns are the union of the grids (half a decade apart); a blank cell was
    not tried, a grey cell marked x diverged, the boxed cell is the lr chosen
    (``Tuning.best_index``: never a grid's first or last lr). With ``within``
    (an accuracy difference, e.g. one validation image), a dashed box marks the
    other cells of a row that score within that of the chosen one: a choice the
    validation split cannot really make. Colors saturate below ``vmin`` so that
    differences near the top show.
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
    cmap = plt.get_cmap("viridis").with_extremes(bad="white")
    for row, name in enumerate(names):
        tuning = tunings[name]
        for lr, acc, diverged in zip(tuning.lrs, tuning.val_accuracy, tuning.diverged):
            col = column[round(2 * math.log10(lr))]
            if diverged:
                ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, color="0.82", zorder=2))
                ax.text(col, row, "×", ha="center", va="center", fontsize=12, color="0.35", zorder=3)
            else:
                accuracy[row, col] = acc
        best = tuning.best_index
        best_col = column[round(2 * math.log10(tuning.lrs[best]))]
        # inset, so that the boxes of neighbouring rows do not merge into a box around a third cell
        ax.add_patch(plt.Rectangle((best_col - 0.44, row - 0.4), 0.88, 0.8, fill=False, edgecolor="red", lw=2.2,
                                   zorder=4))
        if within is not None:
            for i, (lr, acc, diverged) in enumerate(zip(tuning.lrs, tuning.val_accuracy, tuning.diverged)):
                if i != best and not diverged and acc >= tuning.val_accuracy[best] - within * (1 + 1e-9):  # rounding
                    col = column[round(2 * math.log10(lr))]
                    ax.add_patch(plt.Rectangle((col - 0.44, row - 0.4), 0.88, 0.8, fill=False, edgecolor="red",
                                               lw=1.3, ls="--", zorder=4))
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
    "lesson12_race": (race_explorer, [
        dict(optimizer="SGD", lr=0.1, epochs=3),
        dict(optimizer="SGD", lr=30.0, epochs=2),          # the slider's top: SGD blows up
        dict(optimizer="Adam", lr=1e-4, epochs=1),         # the slider's bottom: Adam barely moves
        dict(optimizer="AdaDelta", lr=1.0, epochs=5),      # AdaDelta's "no learning rate" default
        dict(optimizer="Lookahead", lr=3e-3, epochs=4),
        dict(optimizer="LAMB", lr=0.1, epochs=3),          # finite loss, but worse than at the start
        dict(optimizer="Adam", lr=1e-3, epochs=2),         # Adam against itself
    ]),
}

__all__ = ["ADAM_DEFAULT_LR", "plot_lr_heatmap", "race_explorer", "EXPLORERS"]
