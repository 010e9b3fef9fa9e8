"""Lesson 10 (AdamW, NAdam, Lookahead, LAMB): the Lookahead explorer.

- ``lookahead_explorer(k, slow_lr, lr, inner)``: Lookahead's fast and slow weights
  against the inner optimizer alone on the narrow valley, with what one cycle does
  to the steep direction and the largest lr it survives (``course_lib.theory.lookahead``).

The learning-rate schedules' explorer moved with the schedules to lesson 11
(``course_lib.widgets.lesson11``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim
from ..plots import color_for, plot_landscape
from ..theory.lookahead import lookahead_cycle_factor, lookahead_lr_limit, lookahead_paths

VALLEY = landscapes.narrow_valley()
INNER_OPTIMIZERS = ("SGD", "SGD + momentum 0.9", "Adam")
# the palette's name for each inner optimizer, so that it keeps its colour from the other lessons
PALETTE_NAME = {"SGD": "SGD", "SGD + momentum 0.9": "Momentum", "Adam": "Adam"}


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
    weights (thin, same colour) are what Lookahead.step returns between synchronisations.
    """
    k, steps = int(k), int(steps)
    optimizer = _inner(inner, lr)
    alone = landscapes.trajectory(optimizer, VALLEY, steps=steps)
    fast, slow = lookahead_paths(optimizer, k, slow_lr, VALLEY, steps)

    labels = {"alone": f"{inner} alone", "fast": "Lookahead, fast weights", "slow": "Lookahead, slow weights"}
    inner_color, lookahead_color = color_for(PALETTE_NAME[inner]), color_for("Lookahead")
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.25, 1]})
    plot_landscape(VALLEY, ax=ax_path, resolution=120)
    ax_path.plot(alone[:, 0], alone[:, 1], "-", color=inner_color, lw=1.2, label=labels["alone"])
    ax_path.plot(fast[:, 0], fast[:, 1], "-", color=lookahead_color, lw=0.8, alpha=0.6, label=labels["fast"])
    ax_path.plot(slow[:, 0], slow[:, 1], "-o", color=lookahead_color, lw=2.4, ms=5, label=labels["slow"], zorder=4)
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
    ax_loss.plot(np.arange(len(alone)), gap(alone), color=inner_color, lw=1.2,
                 label=labels["alone"] + (" (diverged)" if alone_diverged else ""))
    ax_loss.plot(np.arange(len(fast)), gap(fast), color=lookahead_color, lw=0.8, alpha=0.6, label=labels["fast"])
    ax_loss.plot(k * np.arange(len(slow)), gap(slow), "-o", color=lookahead_color, lw=2.0, ms=4, label=labels["slow"])
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
    "lesson10_lookahead": (lookahead_explorer, [
        dict(k=5, slow_lr=0.5, lr=0.39, inner="SGD"),
        # above 2 / L = 0.4: SGD alone diverges, Lookahead with odd k does not (up to its own limit)
        dict(k=5, slow_lr=0.5, lr=0.42, inner="SGD"),
        dict(k=1, slow_lr=1.0, lr=0.5, inner="SGD"),
        dict(k=20, slow_lr=0.1, lr=0.01, inner="SGD + momentum 0.9"),
        dict(k=2, slow_lr=0.8, lr=0.3, inner="Adam"),
    ]),
}

__all__ = ["INNER_OPTIMIZERS", "lookahead_explorer", "EXPLORERS"]
