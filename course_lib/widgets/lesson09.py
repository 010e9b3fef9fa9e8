"""Lesson 09 (RAdam): rho_t, the rectification r_t and warmup, in one explorer.

``radam_explorer(beta2, lr, warmup_steps)``: rho_t against the two thresholds;
the learning rate RAdam actually applies to its adaptive step (lr * r_t) against
a linear warmup and plain Adam; and the first epochs of a small MLP on digits
trained with Adam, RAdam and Adam + warmup at that lr. The quantities
(``first_rectified_step``, ``rectification_curve``, ``warmup_factor``) are in
``course_lib.theory.rectification``.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from .. import data, models, optim, schedules
from ..plots import style_for
from ..theory.rectification import (PAPER_THRESHOLD, TORCH_THRESHOLD, first_rectified_step, rectification_curve,
                                    warmup_factor)

DIGITS_EPOCHS = 3       # the explorer's training run: 3 epochs of 34 mini-batches of 32
DIGITS_BATCH = 32
# the rho_t thresholds are not optimizers: neutral lines, told apart by their style
PAPER_LINE = dict(color="black", ls=":", lw=1.3)
TORCH_LINE = dict(color="0.45", ls="-.", lw=1.3)


@functools.lru_cache(maxsize=1)
def _digits():
    return data.load("digits", seed=0)


def _smooth(losses: np.ndarray, width: int = 8) -> np.ndarray:
    """Running mean over the last ``width`` mini-batches (fewer at the start)."""
    cumulative = np.cumsum(np.insert(losses, 0, 0.0))
    n = np.arange(1, len(losses) + 1)
    start = np.maximum(n - width, 0)
    return (cumulative[n] - cumulative[start]) / (n - start)


def digits_runs(beta2: float, lr: float, warmup_steps: int) -> dict:
    """Mini-batch losses of a 64-32-10 MLP on digits: Adam, RAdam, Adam + linear warmup."""
    digits, mlp = _digits(), models.MLP((64, 32, 10))
    betas = (0.9, beta2)
    # evaluated once, at the end: the curves are the mini-batch losses
    steps = DIGITS_EPOCHS * int(np.ceil(len(digits.X_train) / DIGITS_BATCH))
    common = dict(epochs=DIGITS_EPOCHS, batch_size=DIGITS_BATCH, seed=0, eval_every=steps)
    warmup = schedules.LinearLR(lr, start_factor=1.0 / warmup_steps, total_iters=warmup_steps)
    return {
        "Adam": models.train(mlp, optim.Adam(lr=lr, betas=betas), digits, **common),
        "RAdam": models.train(mlp, optim.RAdam(lr=lr, betas=betas), digits, **common),
        f"Adam + warmup ({warmup_steps} step{'s' if warmup_steps != 1 else ''})": models.train(mlp, optim.Adam(lr=lr, betas=betas), digits,
                                                             schedule=warmup, **common),
    }


def radam_explorer(beta2: float = 0.999, lr: float = 1e-2, warmup_steps: int = 2000):
    """Three panels: rho_t; the lr of the adaptive step (RAdam, warmup, Adam); digits training."""
    rho_max = optim.rho_inf(beta2)
    rule_of_thumb = 2.0 / (1.0 - beta2)
    steps_run = DIGITS_EPOCHS * int(np.ceil(len(_digits().X_train) / DIGITS_BATCH))
    horizon = int(min(max(4 * rule_of_thumb, 2 * warmup_steps, 2 * steps_run), 200_000))
    ts = np.unique(np.geomspace(1, horizon, 300).astype(int))
    rho = optim.rho_t(beta2, ts.astype(np.float64))
    first = {"paper": first_rectified_step(beta2, PAPER_THRESHOLD),
             "torch": first_rectified_step(beta2, TORCH_THRESHOLD)}
    r = rectification_curve(beta2, ts)

    fig, (ax_rho, ax_lr, ax_train) = plt.subplots(1, 3, figsize=(15, 4.4))

    # rho_t: how many gradients v_t is worth, against the two thresholds
    ax_rho.plot(ts, rho, **style_for("RAdam"), lw=1.8, label=r"$\rho_t$")
    ax_rho.axhline(rho_max, color="0.4", ls="--", lw=1, label=rf"$\rho_\infty$ = {rho_max:.4g}")
    ax_rho.axhline(PAPER_THRESHOLD, **PAPER_LINE, label=r"paper: $\rho_t > 4$")
    ax_rho.axhline(TORCH_THRESHOLD, **TORCH_LINE, label=r"torch: $\rho_t > 5$")
    ax_rho.set_xscale("log")
    ax_rho.set_yscale("log")
    ax_rho.set_xlabel("step t")
    ax_rho.set_ylabel(r"$\rho_t$ (length of the equivalent simple average)")
    said = {name: ("never" if t is None else f"t = {t}") for name, t in first.items()}
    ax_rho.set_title(f"β2 = {beta2:.4g}: first rectified step\npaper {said['paper']}, torch {said['torch']}",
                     fontsize=10)
    ax_rho.legend(fontsize=8, loc="lower right")

    # the learning rate that multiplies the adaptive step m_hat / sqrt(v_hat)
    ax_lr.plot(ts, np.full(len(ts), lr), **style_for("Adam"), lw=1.4, label="Adam: lr")
    w = warmup_factor(ts, warmup_steps)
    over = f"{warmup_steps} step" + ("s" if warmup_steps != 1 else "")
    ax_lr.plot(ts, lr * w, **style_for("Adam + warmup"), lw=1.6, label=f"Adam + linear warmup over {over}")
    ax_lr.plot(ts, lr * r, **style_for("RAdam"), lw=1.8, label=r"RAdam: lr $\cdot\, r_t$")
    if first["torch"] is None:
        ax_lr.axvspan(1, horizon, color="0.85", zorder=0, label="RAdam = momentum SGD at every step")
    else:
        ax_lr.axvspan(1, first["torch"], color="0.85", zorder=0, label="RAdam = momentum SGD (no adaptive lr)")
    ax_lr.axvline(rule_of_thumb, color="0.3", ls="--", lw=1, label=r"$2/(1-\beta_2)$ steps")
    ax_lr.axvspan(1, steps_run, ymin=0, ymax=0.04, color="tab:green", label="the digits run (right)")
    ax_lr.set_xscale("log")
    ax_lr.set_yscale("log")
    ax_lr.set_ylim(lr * 1e-4, lr * 3)
    ax_lr.set_xlabel("step t")
    ax_lr.set_ylabel("learning rate applied to the adaptive step")
    # what each schedule withholds, in "steps at the full lr": sum over t of (1 - multiplier)
    if first["torch"] is None:
        radam_deficit = "all of it"
    else:
        grid = np.unique(np.geomspace(first["torch"], horizon, 400).astype(int))
        shortfall = 1.0 - rectification_curve(beta2, grid)
        # steps before the switch count in full; sum over integers ~ integral + half of each end
        radam_deficit = (first["torch"] - 1 + np.trapezoid(shortfall, grid) + (shortfall[0] + shortfall[-1]) / 2)
        radam_deficit = f"{radam_deficit:.4g}"
    # linear warmup from 1/W: sum over n = 0..W-1 of (1 - 1/W)(1 - n/W) = (1 - 1/W)(W + 1)/2
    warmup_deficit = (1.0 - 1.0 / warmup_steps) * (warmup_steps + 1) / 2
    ax_lr.set_title(f"lr withheld, in full-lr steps: RAdam ≈ {radam_deficit}, warmup {warmup_deficit:.4g}",
                    fontsize=10)
    ax_lr.legend(fontsize=7, loc="lower right", framealpha=0.85)

    # a short run on real data with the three
    runs = digits_runs(beta2, lr, warmup_steps)
    for label, history in runs.items():
        optimizer = "Adam + warmup" if label.startswith("Adam + warmup") else label
        losses = history.loss[np.isfinite(history.loss)]
        note = " (diverged)" if history.diverged else f", val acc {history.epoch_val_accuracy[-1]:.2f}"
        ax_train.plot(np.arange(1, len(losses) + 1), _smooth(losses), **style_for(optimizer), lw=1.6,
                      label=label + note)
    ax_train.set_yscale("log")
    ax_train.set_xlabel("step t (mini-batch of 32)")
    ax_train.set_ylabel("mini-batch loss (running mean of 8)")
    ax_train.set_title(f"64-32-10 MLP on digits, {DIGITS_EPOCHS} epochs, lr = {lr:.3g}", fontsize=10)
    ax_train.legend(fontsize=8, loc="best")
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.12, top=0.86, wspace=0.27)
    return fig


EXPLORERS = {
    "lesson09_radam": (radam_explorer, [
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
