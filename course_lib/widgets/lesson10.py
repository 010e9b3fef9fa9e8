"""Lesson 10 (beyond Adam): learning-rate schedules and Lookahead, with their explorers.

- ``make_schedule(kind, base_lr, warmup, total_steps)``: one schedule by name.
- ``schedule_explorer(kind, base_lr, warmup, total_steps)``: the schedule, and SGD
  with noisy gradients under it against a constant lr and its noise floor
  (``course_lib.theory.sgd_noise``).
- ``lookahead_explorer(k, slow_lr, lr, inner)``: Lookahead's fast and slow weights
  against the inner optimizer alone, with what one cycle does to the steep
  direction and the largest lr it survives (``course_lib.theory.lookahead``).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim, schedules
from ..validation import positive_int
from ..plots import color_for, colors_for, plot_landscape
from ..theory.lookahead import lookahead_cycle_factor, lookahead_lr_limit, lookahead_paths
from ..theory.sgd_noise import noise_floor, noisy_quadratic_losses


# --- schedules ------------------------------------------------------------------


SCHEDULE_KINDS = ("constant", "step", "1/sqrt(t)", "cosine", "warmup + cosine", "one-cycle", "trapezoid")


def make_schedule(kind: str, base_lr: float, warmup: int, total_steps: int):
    """The schedule ``kind`` (one of SCHEDULE_KINDS) for a run of total_steps steps.

    ``warmup`` is the number of warmup steps of the schedules that have one
    (warmup + cosine, one-cycle, trapezoid; clipped to 1..total_steps - 1); the
    others ignore it. "step" divides the rate by 10 every third of the run; the
    trapezoid decays linearly over the last 30% of it.
    """
    total_steps = positive_int("total_steps", total_steps)
    warmup = min(max(int(warmup), 1), total_steps - 1)
    if kind == "constant":
        return schedules.ExponentialLR(base_lr, gamma=1.0)
    if kind == "step":
        return schedules.StepLR(base_lr, step_size=max(1, total_steps // 3), gamma=0.1)
    if kind == "1/sqrt(t)":
        return schedules.InverseSqrtLR(base_lr)
    if kind == "cosine":
        return schedules.CosineAnnealingLR(base_lr, T_max=total_steps)
    if kind == "warmup + cosine":
        return schedules.WarmupCosineLR(base_lr, warmup_steps=warmup, total_steps=total_steps)
    if kind == "one-cycle":
        return schedules.OneCycleLR(base_lr, total_steps=total_steps, pct_start=warmup / total_steps)
    if kind == "trapezoid":
        decay = max(1, round(0.3 * total_steps))
        return schedules.TrapezoidLR(base_lr, warmup_steps=min(warmup, total_steps - decay), decay_steps=decay,
                                     total_steps=total_steps)
    raise ValueError(f"kind must be one of {', '.join(map(repr, SCHEDULE_KINDS))}, got {kind!r}")


PLOT_CEILING = 1e3  # the top of the loss axis


def schedule_explorer(kind: str = "warmup + cosine", base_lr: float = 0.1, warmup: int = 50,
                      total_steps: int = 500):
    """Left: the schedule's learning rate at every step. Right: SGD on a noisy quadratic
    under it, against a constant lr = base_lr, with the constant lr's noise floor."""
    total_steps = int(total_steps)
    schedule = make_schedule(kind, base_lr, warmup, total_steps)
    lrs = np.array([schedule(n) for n in range(total_steps)])
    scheduled, constant = noisy_quadratic_losses([schedule, make_schedule("constant", base_lr, warmup, total_steps)],
                                                 total_steps)

    fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    colors = colors_for([kind, "constant"])
    ax_lr.plot(np.arange(total_steps), lrs, color=colors[kind], lw=1.8, label=kind)
    ax_lr.axhline(base_lr, color=colors["constant"], lw=1.0, ls="--", label="constant base_lr")
    ax_lr.set(xlabel="step n", ylabel="learning rate", title=f"{kind}: the learning rate at each step")
    ax_lr.legend(loc="best")

    steps = np.arange(total_steps + 1)
    # a diverging run is drawn along the top edge (PLOT_CEILING) instead of vanishing
    ax_loss.plot(steps, np.minimum(scheduled, PLOT_CEILING), color=colors[kind], lw=1.5, label=kind)
    ax_loss.plot(steps, np.minimum(constant, PLOT_CEILING), color=colors["constant"], lw=1.0, alpha=0.8,
                 label=f"constant lr = {base_lr:.3g}")
    floor = noise_floor(base_lr)
    if math.isfinite(floor):
        ax_loss.axhline(floor, color="black", lw=0.8, ls=":", label="noise floor of the constant lr")
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-4, PLOT_CEILING)
    ax_loss.set(xlabel="step n", ylabel="mean loss over 200 runs")

    def ending(losses):
        return "diverged" if not losses[-1] < PLOT_CEILING else f"{losses[-1]:.2g}"

    ax_loss.set_title(f"SGD with noisy gradients on a quadratic\nfinal loss: {ending(scheduled)} ({kind}), "
                      f"{ending(constant)} (constant lr)", fontsize=9)
    ax_loss.legend(loc="upper right", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.87, wspace=0.25)
    return fig


# --- Lookahead --------------------------------------------------------------------


VALLEY = landscapes.narrow_valley()
INNER_OPTIMIZERS = ("SGD", "SGD + momentum 0.9", "Adam")


def _inner(name: str, lr: float):
    if name == "SGD":
        return optim.SGD(lr=lr)
    if name == "SGD + momentum 0.9":
        return optim.SGD(lr=lr, momentum=0.9)
    if name == "Adam":
        return optim.Adam(lr=lr)
    raise ValueError(f"inner must be one of {', '.join(map(repr, INNER_OPTIMIZERS))}, got {name!r}")


def lookahead_explorer(k: int = 5, slow_lr: float = 0.5, lr: float = 0.39, inner: str = "SGD", steps: int = 80):
    """Lookahead(inner) against inner alone on the narrow valley: paths (left) and f - f* (right).

    Lookahead is judged at its slow weights (the thick path and curve); its fast
    weights (thin) are what Lookahead.step returns between synchronisations.
    """
    k, steps = int(k), int(steps)
    optimizer = _inner(inner, lr)
    alone = landscapes.trajectory(optimizer, VALLEY, steps=steps)
    fast, slow = lookahead_paths(optimizer, k, slow_lr, VALLEY, steps)

    labels = {"alone": f"{inner} alone", "fast": "Lookahead, fast weights", "slow": "Lookahead, slow weights"}
    colors = colors_for(labels.values())
    colors[labels["slow"]] = color_for("Lookahead")
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.25, 1]})
    plot_landscape(VALLEY, ax=ax_path, resolution=120)
    ax_path.plot(alone[:, 0], alone[:, 1], "-", color=colors[labels["alone"]], lw=1.0, alpha=0.7,
                 label=labels["alone"])
    ax_path.plot(fast[:, 0], fast[:, 1], "-", color=colors[labels["fast"]], lw=0.9, label=labels["fast"])
    ax_path.plot(slow[:, 0], slow[:, 1], "-o", color=colors[labels["slow"]], lw=2.4, ms=5,
                 label=labels["slow"], zorder=4)
    ax_path.set_xlim(VALLEY.xlim)
    ax_path.set_ylim(VALLEY.ylim)
    ax_path.set_autoscale_on(False)
    ax_path.legend(loc="lower right", fontsize=8)
    ax_path.set_title(f"{VALLEY.name}: Lookahead(k={k}, slow_lr={slow_lr:.2g}) around {inner}, lr = {lr:.3g}",
                      fontsize=9)

    def gap(path):  # f - f*, capped so that a diverging run runs along the top edge
        with np.errstate(all="ignore"):
            return np.minimum(VALLEY(path) - VALLEY.min_value, 1e4)

    alone_diverged = len(alone) < steps + 1 or not gap(alone)[-1] < 1e4
    ax_loss.plot(np.arange(len(alone)), gap(alone), color=colors[labels["alone"]], lw=1.2,
                 label=labels["alone"] + (" (diverged)" if alone_diverged else ""))
    ax_loss.plot(np.arange(len(fast)), gap(fast), color=colors[labels["fast"]], lw=0.8, label=labels["fast"])
    ax_loss.plot(k * np.arange(len(slow)), gap(slow), "-o", color=colors[labels["slow"]], lw=2.0, ms=4,
                 label=labels["slow"])
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-12, 1e4)
    ax_loss.set(xlabel="gradient evaluations (steps)", ylabel=r"$f - f^*$")
    if inner == "SGD":
        steep = abs(lookahead_cycle_factor(lr, VALLEY.L, k, slow_lr))
        alone_steep = abs(1 - lr * VALLEY.L) ** k
        ax_loss.set_title(f"steep direction, per {k} steps: x{steep:.3g} (Lookahead), x{alone_steep:.3g} (SGD alone)\n"
                          f"Lookahead converges for lr < {lookahead_lr_limit(VALLEY.L, k, slow_lr):.3g}, "
                          f"SGD alone for lr < {2 / VALLEY.L:.3g}", fontsize=9)
    else:
        ax_loss.set_title(f"loss against steps ({inner} inside)", fontsize=10)
    ax_loss.legend(loc="lower left", fontsize=8)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.87, wspace=0.2)
    return fig


EXPLORERS = {
    "lesson10_schedule": (schedule_explorer, [
        dict(kind="warmup + cosine", base_lr=0.1, warmup=50, total_steps=500),
        dict(kind="constant", base_lr=0.001, warmup=0, total_steps=100),
        # above 2 / L = 0.2 for the constant lr: it diverges; the decaying schedules recover late or not at all
        dict(kind="one-cycle", base_lr=0.5, warmup=300, total_steps=1000),
        dict(kind="step", base_lr=0.15, warmup=10, total_steps=300),
        dict(kind="1/sqrt(t)", base_lr=0.19, warmup=1, total_steps=1000),
        dict(kind="trapezoid", base_lr=0.05, warmup=400, total_steps=500),
        dict(kind="cosine", base_lr=0.01, warmup=50, total_steps=1000),
    ]),
    "lesson10_lookahead": (lookahead_explorer, [
        dict(k=5, slow_lr=0.5, lr=0.39, inner="SGD"),
        # above 2 / L = 0.4: SGD alone diverges, Lookahead with odd k does not (up to its own limit)
        dict(k=5, slow_lr=0.5, lr=0.42, inner="SGD"),
        dict(k=1, slow_lr=1.0, lr=0.5, inner="SGD"),
        dict(k=20, slow_lr=0.1, lr=0.01, inner="SGD + momentum 0.9"),
        dict(k=2, slow_lr=0.8, lr=0.3, inner="Adam"),
    ]),
}

__all__ = ["SCHEDULE_KINDS", "make_schedule", "schedule_explorer", "lookahead_explorer", "EXPLORERS"]
