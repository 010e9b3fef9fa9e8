"""Lesson 12 (capstone): the heat map of the optimizer race, and the explorer.

The race itself (the lineup, ``race_run``, ``tune_lr`` and the protocol that
makes it fair) is in ``course_lib.theory.race``, and what tuning Adam's learning
rate buys in ``course_lib.theory.tuning_gain``; this module draws them:

- ``plot_lr_heatmap(tunings)``: optimizer x learning rate, validation accuracy.
- ``RaceExplorer``: a live run of the chosen optimizer against Adam at its
  default learning rate and, on request, at the race's tuned one. Its controls:
  ``optimizer, lr, epochs, tuned_adam``.
"""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np

from ..i18n import _
from ..plots import color_for
from ..theory.race import LINEUP, RaceRun, race_run
from ..theory.tuning_gain import RACE_EPOCHS, adam_tuning_gain
from .limits import log_limits
from .scene import Scene

ADAM_DEFAULT_LR = LINEUP["Adam"].default_lr   # 0.001


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
        ax = plt.subplots(figsize=(1.0 + 0.82 * len(halves), 0.9 + 0.36 * len(names)))[1]
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
    ax.set_title(_("Validation accuracy, optimizer × learning rate (red: chosen)"))
    ax.set_xlabel(_("learning rate (columns half a decade apart: {factor})").format(factor=r"$\times\sqrt{10}$"))
    ax.set_ylabel(_("optimizer"))
    colorbar = ax.figure.colorbar(image, ax=ax, extend="min", pad=0.02)
    colorbar.set_label(_("validation accuracy (%); {vmin} or less: darkest").format(vmin=f"{100 * vmin:.0f}"))
    colorbar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}"))
    return ax


# --- the explorer ---------------------------------------------------------------

LOSS_CAP = 1e3   # the top of the loss axis at most: a blown-up run would squash the other curves


@functools.lru_cache(maxsize=32)
def _race_run(optimizer: str, lr: float, epochs: int) -> RaceRun:
    return race_run(optimizer, lr, epochs=epochs)


def decade_loss_limits(curves) -> tuple[float, float]:
    """Log-axis limits at whole powers of ten around the finite losses of ``curves`` (the top at
    least 10, at most LOSS_CAP): most moves keep them, and with them the cached background."""
    return log_limits(np.concatenate([np.ravel(c) for c in curves]), footroom=1.5, headroom=1.5,
                      top_at_least=4.5, top_at_most=LOSS_CAP, empty=(1.0, 10.0))


def spread_labels(values, gap: float, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Heights for labels of ``values`` (in axis units), each moved the least so that no two are closer
    than ``gap``, all inside [low, high]: the final accuracies' labels, which must not overlap."""
    order = np.argsort(values, kind="stable")
    placed = np.empty(len(values))
    floor = low
    for i in order:                        # upwards: each at least gap above the one below
        placed[i] = floor = max(values[i], floor)
        floor += gap
    ceiling = high
    for i in order[::-1]:                  # then downwards from the top, where they overflowed
        placed[i] = ceiling = min(placed[i], ceiling)
        ceiling -= gap
    return placed


class RaceExplorer(Scene):
    """The chosen optimizer at ``lr`` against Adam at its default lr (1e-3), same init and batches;
    with ``tuned_adam``, also Adam at the race's tuned lr (``theory.tuning_gain``).

    Left: the mini-batch training loss at every step. Right: the validation
    accuracy after every epoch, its last value written beside each curve, and
    what tuning Adam's lr bought. A diverged run is named in the left title.
    One legend below both panels, redrawn only when the optimizer or
    ``tuned_adam`` changes: the numbers that change with every move are in
    the titles and labels.
    """

    figsize = (11.5, 4.7)

    def build(self):
        self.ax_loss, self.ax_acc = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        ax = self.ax_loss
        self.loss_default = self.moving("loss default", ax.plot([], [], lw=1.3, ls="--")[0])
        self.loss_tuned = self.moving("loss tuned", ax.plot([], [], lw=1.3, ls="-.")[0])
        self.loss_ours = self.moving("loss ours", ax.plot([], [], lw=1.6)[0])
        ax.set_yscale("log")
        ax.set(xlabel=_("step (mini-batch of 64)"), ylabel=_("mini-batch loss (cross-entropy)"))
        self.moving("loss title", ax.title)

        ax = self.ax_acc
        # static and first, so that a full draw also puts it below the moving curves
        self.chance = ax.axhline(0.1, color="0.6", lw=0.8, ls=":", zorder=1.5, label=_("chance (10 classes)"))
        self.acc_default = self.moving("accuracy default", ax.plot([], [], "o--")[0])
        self.acc_tuned = self.moving("accuracy tuned", ax.plot([], [], "s-.")[0])
        self.acc_ours = self.moving("accuracy ours", ax.plot([], [], "o-")[0])
        self.acc_labels = [self.moving(f"accuracy label {i}", ax.annotate(
            "", (0, 0), xytext=(7, 0), textcoords="offset points", va="center", fontsize=8.5, annotation_clip=False))
            for i in range(3)]
        ax.set_ylim(0.0, 1.0)
        ax.set(xlabel=_("epoch"), ylabel=_("validation accuracy"))
        self.moving("accuracy title", ax.title)
        self.legend = None
        self.legend_key = None
        self.fig.subplots_adjust(left=0.085, right=0.98, bottom=0.2, top=0.88, wspace=0.25)

    def update(self, optimizer="SGD", lr=0.1, epochs=2, tuned_adam=False):
        epochs = int(epochs)
        tuned_adam = bool(tuned_adam)
        run = _race_run(optimizer, float(lr), epochs)
        gain = adam_tuning_gain(epochs)       # the race's own runs: no training after the first call
        default, tuned = gain.default, gain.tuned
        color = color_for(optimizer)
        default_color, tuned_color = ("0.45", "0.15") if optimizer == "Adam" else (color_for("Adam"),) * 2

        ax = self.ax_loss
        finite = run.loss[np.isfinite(run.loss)]
        for line, losses, line_color in ((self.loss_default, default.loss, default_color),
                                         (self.loss_tuned, tuned.loss, tuned_color),
                                         (self.loss_ours, finite, color)):
            line.set_data(np.arange(len(losses)), losses)
            line.set_color(line_color)
        self.loss_tuned.set_visible(tuned_adam)
        ax.set_xlim(0, len(default.loss))
        # the tuned run counts even when hidden: ticking tuned_adam keeps the limits
        ax.set_ylim(*decade_loss_limits([default.loss, tuned.loss, finite]))
        same = [name for name, r in (("default", default), ("tuned", tuned))
                if optimizer == "Adam" and math.isclose(lr, r.lr) and (name == "default" or tuned_adam)]
        title = (_("Training loss, {epochs} epochs on digits: {optimizer} at lr = {lr}") if epochs > 1 else
                 _("Training loss, {epochs} epoch on digits: {optimizer} at lr = {lr}")).format(
            epochs=epochs, optimizer=optimizer, lr=f"{lr:.3g}")
        if same:
            title += " " + (_("(the default run)") if same[0] == "default" else _("(the tuned run)"))
        if run.stopped:
            title += "\n" + _("{optimizer} diverged: its loss became NaN or inf at step {step}").format(
                optimizer=optimizer, step=len(finite))
        elif run.diverged:
            title += "\n" + _("{optimizer} diverged: validation loss {end} at the end, {start} at the start").format(
                optimizer=optimizer, end=f"{run.val_loss[-1]:.3g}", start=f"{run.initial_val_loss:.3g}")
        ax.set_title(title, fontsize=10.5)

        ax = self.ax_acc
        epochs_axis = np.arange(1, epochs + 1)
        ax.set_xlim(0.6, epochs + 0.4 + 0.12 * epochs)   # room on the right for the labels
        ax.set_xticks(epochs_axis)
        curves = [(self.acc_default, default, default_color), (self.acc_tuned, tuned, tuned_color),
                  (self.acc_ours, run, color)]
        for line, r, line_color in curves:
            line.set_data(epochs_axis, r.val_accuracy)
            line.set_color(line_color)
        self.acc_tuned.set_visible(tuned_adam)
        self._label_last_accuracies([c for c in curves if c[0].get_visible()])
        if tuned_adam:
            ax.set_title(_("Validation accuracy after each epoch\ntuning bought Adam {gain} points "
                           "(lr {default_lr} \u2192 {tuned_lr})").format(
                gain=f"{100 * gain.accuracy_gain:+.1f}", default_lr=f"{gain.default_lr:g}",
                tuned_lr=f"{gain.tuned_lr:.2g}"), fontsize=10.5)
        else:
            ax.set_title(_("Validation accuracy after each epoch"), fontsize=10.5)
        self._show_legend(optimizer, tuned_adam, gain)

    def _label_last_accuracies(self, curves):
        """Each visible curve's last accuracy beside its last point ("NaN" for a stopped run)."""
        last_epochs, last = [], []
        for _, r, _ in curves:
            known = np.flatnonzero(np.isfinite(r.val_accuracy))
            last_epochs.append(known[-1] + 1 if known.size else 1)
            last.append(r.val_accuracy[known[-1]] if known.size else 0.0)
        heights = spread_labels(np.array(last), gap=0.055, low=0.03, high=0.97)
        for label, (_, r, line_color), x, y in zip(self.acc_labels, curves, last_epochs, heights):
            label.set_text("NaN" if r.stopped else f"{r.val_accuracy[-1]:.1%}")
            label.xy = (x, y)
            label.set_color(line_color)
            label.set_visible(True)
        for label in self.acc_labels[len(curves):]:
            label.set_visible(False)

    def _show_legend(self, optimizer, tuned_adam, gain):
        """One legend for both panels, below them: background, rebuilt when its entries change."""
        key = (optimizer, tuned_adam)
        if key == self.legend_key:
            return
        if self.legend is not None:
            self.legend.remove()
        self.loss_ours.set_label(_("{optimizer} at the chosen lr").format(optimizer=optimizer))
        self.loss_default.set_label(_("Adam, lr = {lr} (its default)").format(lr=f"{gain.default_lr:g}"))
        self.loss_tuned.set_label(_("Adam, lr = {lr} (the race's tuned lr, for {epochs} epochs)").format(
            lr=f"{gain.tuned_lr:.2g}", epochs=RACE_EPOCHS))
        handles = [self.loss_ours, self.loss_default] + [self.loss_tuned] * tuned_adam + [self.chance]
        self.legend = self.fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9,
                                      frameon=False, bbox_to_anchor=(0.5, 0.0))
        self.legend_key = key
        self.background_changed()


EXPLORERS = {
    "lesson12_race": (RaceExplorer, [
        dict(optimizer="SGD", lr=0.1, epochs=3, tuned_adam=False),
        dict(optimizer="SGD", lr=30.0, epochs=2, tuned_adam=False),      # the slider's top: SGD blows up
        dict(optimizer="Adam", lr=1e-4, epochs=1, tuned_adam=False),     # the slider's bottom: Adam barely moves
        dict(optimizer="AdaDelta", lr=1.0, epochs=5, tuned_adam=False),  # AdaDelta's "no learning rate" default
        dict(optimizer="Lookahead", lr=3e-3, epochs=4, tuned_adam=True),
        dict(optimizer="LAMB", lr=0.1, epochs=3, tuned_adam=False),      # finite loss, but worse than at the start
        dict(optimizer="Adam", lr=1e-3, epochs=2, tuned_adam=False),     # Adam against itself
        dict(optimizer="SGD", lr=0.1, epochs=2, tuned_adam=True),        # tuned against default Adam, the race's runs
        dict(optimizer="Adam", lr=1e-2, epochs=1, tuned_adam=True),      # Adam at its tuned lr: the same run
    ]),
}

__all__ = ["ADAM_DEFAULT_LR", "plot_lr_heatmap", "RaceExplorer", "EXPLORERS", "decade_loss_limits", "spread_labels"]
