"""Lesson 09 (RAdam): rho_t, the rectification r_t and warmup, in one explorer.

``RAdamExplorer``: rho_t against the two thresholds; the factor on the learning rate of
the adaptive step (RAdam's r_t) against a linear warmup and plain Adam, with how much
learning rate each holds back; and the first epochs of a small MLP on digits trained with
Adam, RAdam and Adam + warmup at that lr. Its controls: ``beta2, lr, warmup_steps``. The
quantities are in ``course_lib.theory.rectification`` (``first_rectified_step``,
``rectification_curve``, ``warmup_factor``) and the held-back totals and the runs in
``course_lib.theory.radam_warmup``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import optim
from ..i18n import _
from ..plots import style_for
from ..theory.radam_warmup import (DIGITS_BATCH, DIGITS_EPOCHS, digits_runs, digits_steps, running_mean,
                                   withheld_by_linear_warmup, withheld_by_radam)
from ..theory.rectification import (PAPER_THRESHOLD, TORCH_THRESHOLD, first_rectified_step, rectification_curve,
                                    warmup_factor)
from .limits import decade_ceiling, log_limits
from .scene import Scene

# the rho_t thresholds are not optimizers: neutral lines, told apart by their style
PAPER_LINE = dict(color="black", ls=":", lw=1.3)
TORCH_LINE = dict(color="0.45", ls="-.", lw=1.3)
FACTOR_LIMITS = (1e-4, 3.0)   # the factor on lr: fixed, so a move keeps the middle panel's axes
# rho_t: fixed from below the first step's 1 to above the slider's largest rho_inf (19999 at
# beta2 = 0.9999), so dragging beta2 never moves the left panel's axes (each move of them is a
# full redraw, ~200 ms); the thresholds 4 and 5 stay a tenth of a decade apart, in two styles
RHO_LIMITS = (0.5, 3e4)
LOSS_FLOOR = 1e-2             # below every smoothed loss of these runs (the lowest, at lr = 0.01, is 0.03)
SMOOTHING = 8                 # mini-batches in the running mean of the training curves


def in_steps(total: float) -> str:
    """A held-back total, in steps at the full rate: whole steps from 100 on."""
    return f"{total:.0f}" if total >= 100 else f"{total:.3g}"


def step_horizon(beta2: float, warmup_steps: int) -> float:
    """The end of the step axes: past 4 x 2/(1-beta2) (RAdam's warmup is over), twice the warmup
    and twice the digits run, rounded up to a power of ten."""
    return decade_ceiling(max(8.0 / (1.0 - beta2), 2 * warmup_steps, 2 * digits_steps()))


def loss_limits(losses: np.ndarray) -> tuple[float, float]:
    """Log-axis limits at whole powers of ten around the finite positive losses: the bottom at
    LOSS_FLOOR unless a loss goes lower, the top at 10 at least. The losses start near 2.3 and
    end above 0.03, so moving beta2 or the warmup keeps the axes (no full redraw) unless a run
    blows up past 6.7; only a large lr lifts the top."""
    bottom, top = log_limits(losses, headroom=1.5, top_at_least=10.0)
    return min(bottom, LOSS_FLOOR), top


class RAdamExplorer(Scene):
    """Three panels: rho_t; the factor on lr of the adaptive step (RAdam, warmup, Adam); digits training."""

    figsize = (15, 5.0)
    # The legends sit below their axes, where no moving artist draws: they
    # are background, redrawn only when their labels change (the warmup's length). Inside the axes
    # they had to be moving artists, redrawn on every move (38 ms of a beta2 move's ~180). With
    # them, RHO_LIMITS and LOSS_FLOOR, dragging beta2 is a fast frame at every move.
    LEGEND_BELOW = dict(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=8, frameon=False)

    def build(self):
        self.ax_rho, self.ax_lr, self.ax_train = ax_rho, ax_lr, ax_train = self.fig.subplots(1, 3)

        # rho_t: how many gradients v_t is worth, against the two thresholds (static, below the curve)
        thresholds = [ax_rho.axhline(PAPER_THRESHOLD, **PAPER_LINE, zorder=1.5,
                                     label=_("paper: {rule}").format(rule=r"$\rho_t > 4$")),
                      ax_rho.axhline(TORCH_THRESHOLD, **TORCH_LINE, zorder=1.5,
                                     label=_("torch: {rule}").format(rule=r"$\rho_t > 5$"))]
        self.rho = self.moving("rho", ax_rho.plot([], [], **style_for("RAdam"), lw=1.8, label=r"$\rho_t$")[0])
        self.rho_max = self.moving("rho_inf", ax_rho.axhline(1.0, color="0.4", ls="--", lw=1,
                                                             label=_("{rho_inf} (in the title)").format(
                                                                 rho_inf=r"$\rho_\infty$")))
        ax_rho.set(xscale="log", yscale="log", ylim=RHO_LIMITS, xlabel=_("step t"),
                   ylabel=_("{rho_t} (length of the equivalent simple average)").format(rho_t=r"$\rho_t$"))
        # below the axes like the other two: inside, the curve and rho_inf's line would cross it
        ax_rho.legend(handles=[self.rho, self.rho_max, *thresholds], ncol=2, **self.LEGEND_BELOW)
        self.moving("rho title", ax_rho.title)

        # the factor on lr of the adaptive step m_hat / sqrt(v_hat); all moving: the grey band
        # (zorder 0) lies under everything else, and it moves
        self.adam = self.moving("adam", ax_lr.plot([], [], **style_for("Adam"), lw=1.4, label=_("Adam: 1"))[0])
        self.warmup = self.moving("warmup", ax_lr.plot([], [], **style_for("Adam + warmup"), lw=1.6)[0])
        self.radam = self.moving("radam", ax_lr.plot([], [], **style_for("RAdam"), lw=1.8,
                                                     label=r"RAdam: $r_t$")[0])
        self.rule = self.moving("rule", ax_lr.axvline(1.0, color="0.3", ls="--", lw=1,
                                                      label=_("{steps} steps").format(steps=r"$2/(1-\beta_2)$")))
        self.run_bar = self.moving("run bar", ax_lr.axvspan(1, digits_steps(), ymin=0, ymax=0.04,
                                                            color="tab:green", label=_("the digits run (right)")))
        ax_lr.set(xscale="log", yscale="log", ylim=FACTOR_LIMITS, xlabel=_("step t"),
                  ylabel=_("factor on lr of the adaptive step"))
        self.moving("lr title", ax_lr.title)
        self.legend_warmup = None   # the warmup's length, which the two legends say

        # a short run on real data with the three
        self.losses = {name: self.moving(f"loss {name}", ax_train.plot([], [], **style_for(name), lw=1.6)[0])
                       for name in ("Adam", "RAdam", "Adam + warmup")}
        ax_train.set(yscale="log", xlim=(0, digits_steps() + 1),
                     xlabel=_("step t (mini-batch of {batch})").format(batch=DIGITS_BATCH),
                     ylabel=_("mini-batch loss (running mean of {width})").format(width=SMOOTHING))
        self.moving("train title", ax_train.title)
        self.fig.subplots_adjust(left=0.05, right=0.99, bottom=0.25, top=0.86, wspace=0.27)

    def update(self, beta2=0.999, lr=1e-2, warmup_steps=2000):
        rho_max = optim.rho_inf(beta2)
        horizon = step_horizon(beta2, warmup_steps)
        ts = np.unique(np.geomspace(1, horizon, 300).astype(int))
        first = {"paper": first_rectified_step(beta2, PAPER_THRESHOLD),
                 "torch": first_rectified_step(beta2, TORCH_THRESHOLD)}

        ax = self.ax_rho
        self.rho.set_data(ts, optim.rho_t(beta2, ts.astype(np.float64)))
        self.rho_max.set_ydata([rho_max, rho_max])
        ax.set_xlim(1, horizon)
        said = {name: (_("never") if t is None else f"t = {t}") for name, t in first.items()}
        ax.set_title(_("β2 = {beta2}: ρ∞ = {rho_inf}, first rectified step\npaper {paper}, torch {torch}").format(
            beta2=f"{beta2:.4g}", rho_inf=f"{rho_max:.6g}", paper=said["paper"], torch=said["torch"]), fontsize=10)

        ax = self.ax_lr
        self.adam.set_data([1, horizon], [1.0, 1.0])
        self.warmup.set_data(ts, warmup_factor(ts, warmup_steps))
        self.warmup.set_label((_("Adam + linear warmup over {steps} steps") if warmup_steps != 1 else
                               _("Adam + linear warmup over {steps} step")).format(steps=warmup_steps))
        self.radam.set_data(ts, rectification_curve(beta2, ts))
        self.rule.set_xdata([2.0 / (1.0 - beta2)] * 2)
        # RAdam's momentum-SGD steps: no adaptive step at all (for ever if rho_t never passes 5)
        never = first["torch"] is None
        sgd_until = horizon if never else first["torch"]
        # one label whether or not it ends (the title says "all of it"): a new label redraws the legend
        self.moving("sgd band", ax.axvspan(1, sgd_until, color="0.85", zorder=0,
                                           label=_("RAdam = momentum SGD (no adaptive step)")))
        ax.set_xlim(1, horizon)
        radam_total = withheld_by_radam(beta2)
        radam_said = _("all of it") if math.isinf(radam_total) else in_steps(radam_total)
        ax.set_title(_("lr withheld, in full-lr steps: RAdam {radam}, warmup {warmup}").format(
            radam=radam_said, warmup=in_steps(withheld_by_linear_warmup(warmup_steps))), fontsize=10)

        ax = self.ax_train
        curves, results = [], []
        for label, history in digits_runs(beta2, lr, warmup_steps).items():
            method = "Adam + warmup" if label.startswith("Adam + warmup") else label
            losses = history.loss[np.isfinite(history.loss)]
            smooth = running_mean(losses, SMOOTHING)
            curves.append(smooth)
            line = self.losses[method]
            line.set_data(np.arange(1, len(smooth) + 1), smooth)
            if method == "Adam + warmup":   # the runs' key, theory.radam_warmup.warmup_label, in the reader's language
                label = (_("Adam + warmup ({steps} steps)") if warmup_steps != 1 else
                         _("Adam + warmup ({steps} step)")).format(steps=warmup_steps)
            line.set_label(label)
            short = _("warmup") if method == "Adam + warmup" else method
            results.append(_("{method} diverged").format(method=short) if history.diverged
                           else f"{short} {history.epoch_val_accuracy[-1]:.2f}")
        ax.set_ylim(*loss_limits(np.concatenate(curves)))
        ax.set_title(_("64-32-10 MLP on digits, {epochs} epochs, lr = {lr}\nvalidation accuracy: {results}").format(
            epochs=DIGITS_EPOCHS, lr=f"{lr:.3g}", results=_(", ").join(results)), fontsize=10)

        if self.legend_warmup != warmup_steps:
            self.legend_warmup = warmup_steps
            lr_handles = [self.adam, self.warmup, self.radam, self._moving["sgd band"], self.rule, self.run_bar]
            self.ax_lr.legend(handles=lr_handles, ncol=2, **{**self.LEGEND_BELOW, "fontsize": 7})
            ax.legend(handles=list(self.losses.values()), ncol=3, **self.LEGEND_BELOW)
            self.background_changed()


EXPLORERS = {
    "lesson09_radam": (RAdamExplorer, [
        dict(beta2=0.999, lr=1e-2, warmup_steps=2000),
        # a large lr: Adam's first full-size steps hurt, RAdam and warmup hold it back
        dict(beta2=0.999, lr=0.3, warmup_steps=2000),
        # a short memory: rho_inf = 199, the rectification is over in a few hundred steps
        dict(beta2=0.99, lr=3e-3, warmup_steps=200),
        # rho_inf = 4: rho_t never passes either threshold, RAdam is momentum SGD for ever
        dict(beta2=0.6, lr=1e-1, warmup_steps=1),
        # a tiny lr with a long memory: RAdam and warmup crawl
        dict(beta2=0.9999, lr=1e-4, warmup_steps=20000),
        dict(beta2=0.9, lr=1.0, warmup_steps=10),
    ]),
}

__all__ = ["RAdamExplorer", "EXPLORERS", "PAPER_LINE", "TORCH_LINE", "FACTOR_LIMITS", "RHO_LIMITS", "LOSS_FLOOR", "SMOOTHING", "step_horizon",
           "loss_limits", "in_steps"]
