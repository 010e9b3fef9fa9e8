"""Lesson 10 (AdamW, NAdam, Lookahead, LAMB): the Lookahead explorer.

- ``LookaheadExplorer``: Lookahead's fast and slow weights against the inner
  optimizer alone on the narrow valley, with what one cycle does to the steep
  direction and the largest lr it survives (``course_lib.theory.lookahead``).
  Its controls: ``k, slow_lr, lr, inner`` (and ``steps``, 80). The runs come
  from ``course_lib.theory.lookahead_runs``, which names the inner optimizers.

The learning-rate schedules' explorer moved with the schedules to lesson 11
(``course_lib.widgets.lesson11``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from ..i18n import _
from ..plots import color_for, plot_landscape
from ..theory.lookahead import lookahead_cycle_factor, lookahead_lr_limit
from ..theory.lookahead_runs import INNER_OPTIMIZERS, VALLEY, inner_alone_run, lookahead_run
from ..theory.outcomes import diverged_at
from .scene import Scene

# the palette's name for each inner optimizer, so that it keeps its colour from the other lessons
PALETTE_NAME = {"SGD": "SGD", "SGD + momentum 0.9": "Momentum", "Adam": "Adam"}
GAP_CAP = 1e4   # f - f* is drawn up to here: a diverging run runs along the top edge


def _gap(path: np.ndarray) -> np.ndarray:
    """f - f* along a path, capped at GAP_CAP."""
    with np.errstate(all="ignore"):
        return np.minimum(VALLEY(path) - VALLEY.min_value, GAP_CAP)


class LookaheadExplorer(Scene):
    """Lookahead(inner) against inner alone on the narrow valley: paths (left) and f - f* (right).

    Lookahead is judged at its slow weights (the thick path and curve); its fast
    weights (thin, same colour) are what Lookahead.step returns between synchronisations.
    Only the paths, the curves and the loss panel's title (its numbers) change with a
    move. The legends change only with ``inner`` and when the inner run starts or stops
    diverging; they lie below the paths and curves, so they stay in the background.
    """

    figsize = (12, 4.4)

    def build(self):
        self.ax_path, self.ax_loss = ax_path, ax_loss = self.fig.subplots(
            1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        plot_landscape(VALLEY, ax=ax_path, resolution=120)
        # the minimum's star lies above the paths, as in a full draw: it must be drawn after them
        for i, star in enumerate(c for c in ax_path.collections if c.get_zorder() >= 5):
            self.moving(f"minimum {i}", star)
        ax_path.set_autoscale_on(False)
        ax_path.set_title(_("{landscape}: the inner optimizer alone, and Lookahead around it").format(
            landscape=VALLEY.name), fontsize=9)
        lookahead_color = color_for("Lookahead")
        # zorder above the contours' lines (2) and the path legend (2.5)
        self.alone_path = self.moving("alone path", ax_path.plot([], [], "-", lw=1.2, zorder=2.6)[0])
        self.fast_path = self.moving("fast path", ax_path.plot([], [], "-", color=lookahead_color, lw=0.8, alpha=0.6,
                                                               zorder=2.7)[0])
        self.slow_path = self.moving("slow path", ax_path.plot([], [], "-o", color=lookahead_color, lw=2.4, ms=5,
                                                               zorder=4)[0])
        self.alone_loss = self.moving("alone loss", ax_loss.plot([], [], lw=1.2)[0])
        self.fast_loss = self.moving("fast loss", ax_loss.plot([], [], color=lookahead_color, lw=0.8, alpha=0.6)[0])
        self.slow_loss = self.moving("slow loss", ax_loss.plot([], [], "-o", color=lookahead_color, lw=2.0, ms=4)[0])
        self.legend_key = None   # (inner, whether it diverged): what the legends show
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(1e-12, GAP_CAP)
        ax_loss.set(xlabel=_("gradient evaluations (steps)"), ylabel=r"$f - f^*$")
        self.moving("loss title", ax_loss.title)
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.87, wspace=0.2)

    def update(self, k=5, slow_lr=0.5, lr=0.39, inner="SGD", steps=80):
        k, steps, lr, slow_lr = int(k), int(steps), float(lr), float(slow_lr)
        alone = inner_alone_run(inner, lr, steps)   # an unknown inner raises here, naming the choices
        fast, slow = lookahead_run(inner, lr, k, slow_lr, steps)
        alone_gap = _gap(alone)
        alone_diverged = diverged_at(alone, steps) is not None or not alone_gap[-1] < GAP_CAP
        inner_color = color_for(PALETTE_NAME[inner])
        # faded when it diverges: it would hide Lookahead's path and the legend
        self.alone_path.set(data=(alone[:, 0], alone[:, 1]), color=inner_color, alpha=0.35 if alone_diverged else 1.0)
        self.fast_path.set_data(fast[:, 0], fast[:, 1])
        self.slow_path.set_data(slow[:, 0], slow[:, 1])
        self.alone_loss.set(data=(np.arange(len(alone)), alone_gap), color=inner_color)
        self.fast_loss.set_data(np.arange(len(fast)), _gap(fast))
        self.slow_loss.set_data(k * np.arange(len(slow)), _gap(slow))
        self.ax_loss.set_xlim(-0.05 * steps, 1.05 * steps)   # matplotlib's own margins around 0..steps

        if (inner, alone_diverged) != self.legend_key:
            self._make_legends(inner, alone_diverged)
        if inner == "SGD":
            steep = abs(lookahead_cycle_factor(lr, VALLEY.L, k, slow_lr))
            alone_steep = abs(lookahead_cycle_factor(lr, VALLEY.L, k, 1.0))   # slow_lr = 1: k plain steps
            self.ax_loss.set_title(_(
                "steep direction, per {k} steps: x{steep} (Lookahead), x{alone_steep} (SGD alone)\n"
                "Lookahead converges for lr < {lookahead_limit}, SGD alone for lr < {sgd_limit}").format(
                k=k, steep=f"{steep:.3g}", alone_steep=f"{alone_steep:.3g}",
                lookahead_limit=f"{lookahead_lr_limit(VALLEY.L, k, slow_lr):.3g}", sgd_limit=f"{2 / VALLEY.L:.3g}"),
                fontsize=9)
        else:
            self.ax_loss.set_title(_("loss against steps ({inner} inside)").format(inner=inner), fontsize=10)

    def _make_legends(self, inner: str, alone_diverged: bool):
        lookahead_color = color_for("Lookahead")
        handles = [Line2D([], [], color=color_for(PALETTE_NAME[inner]), lw=1.2, alpha=0.35 if alone_diverged else 1.0,
                          label=(_("{inner} alone (diverged)") if alone_diverged
                                 else _("{inner} alone")).format(inner=inner)),
                   Line2D([], [], color=lookahead_color, lw=0.8, alpha=0.6, label=_("Lookahead, fast weights")),
                   Line2D([], [], color=lookahead_color, lw=2.4, marker="o", ms=5, label=_("Lookahead, slow weights"))]
        # below the paths and curves: background artists, drawn again only when they change
        self.ax_path.legend(handles=handles, loc="lower right", fontsize=8).set_zorder(2.5)
        handles[0].set_alpha(1.0)   # the loss curve is not faded
        self.ax_loss.legend(handles=handles, loc="lower left", fontsize=8).set_zorder(1.5)
        self.legend_key = (inner, alone_diverged)
        self.background_changed()


EXPLORERS = {
    "lesson10_lookahead": (LookaheadExplorer, [
        dict(k=5, slow_lr=0.5, lr=0.39, inner="SGD"),
        # above 2 / L = 0.4: SGD alone diverges, Lookahead with odd k does not (up to its own limit)
        dict(k=5, slow_lr=0.5, lr=0.42, inner="SGD"),
        dict(k=1, slow_lr=1.0, lr=0.5, inner="SGD"),
        dict(k=20, slow_lr=0.1, lr=0.01, inner="SGD + momentum 0.9"),
        dict(k=2, slow_lr=0.8, lr=0.3, inner="Adam"),
        # even k above 2 / L: Lookahead diverges with SGD alone
        dict(k=6, slow_lr=0.5, lr=0.441, inner="SGD"),
    ]),
}

__all__ = ["INNER_OPTIMIZERS", "LookaheadExplorer", "EXPLORERS"]
