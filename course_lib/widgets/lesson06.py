"""Lesson 06 (deriving bias correction): the explorer.

``BiasExplorer``: v_t / E[g^2] for simulated noisy gradients with E[g^2] = 1
(``course_lib.theory.zero_start``: ``noisy_gradients``, ``average_of_squares``; MEAN, STD and
SECOND_MOMENT are re-exported from there), with or without the bias correction
1 / (1 - beta2^t) (``course_lib.optim.bias_correction``), beside the weights v_t
gives g_1..g_t (``course_lib.theory.moving_averages.ema_weights``) and the weight
beta2^t it keeps on its start v_0 = 0 (``zero_start.start_weight``): together they
add up to 1. Its controls: ``beta2, t_max, correction``. Both panels have a log y
axis, so that an average holding 1 % of E[g^2], and a weight of 1e-4 beside one
of 0.99, stay visible.

The lesson's colours live here too, so that a series keeps its colour in every figure
of the lesson and in the explorer: ``SERIES_COLORS`` for m_t, v_t and v_hat_t, and
``BETA2_COLORS`` for the values of beta2 the lesson compares (neither is an optimizer,
so neither takes a colour of the optimizers' palette).
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from .. import optim
from ..i18n import _
from ..plots import colors_for
from ..theory.moving_averages import ema_weights
from ..theory.zero_start import MEAN, SECOND_MOMENT, STD, average_of_squares, noisy_gradients, start_weight
from .limits import decade_floor, round_up
from .scene import Scene

RUNS = 200        # simulated runs behind the explorer's band
GRADIENT_STEPS = 5000   # the notebook's largest t_max: gradients drawn once, each move takes a prefix
SERIES_COLORS = dict(zip(("m", "v", "v_hat"), colors_for(["m_t", "v_t", "v_hat_t"]).values()))
START_COLOR = "0.6"   # the weight left on v_0 = 0: grey, as in the lesson's first figure
# viridis: the darker, the longer the memory 1 / (1 - beta2)
BETA2_COLORS = {0.99: "#5EC962", 0.999: "#2A788E", 0.9999: "#471365"}
WEIGHT_FLOOR = 1e-6   # weights below it (beta2 = 0.9 forgets 1e-229 of g_1 in 5000 steps) end at the axis
BARS_UP_TO = 60       # a bar per step up to this many steps, a filled step curve beyond


@functools.lru_cache(maxsize=2)
def _gradients(steps: int) -> np.ndarray:
    return noisy_gradients(steps, RUNS)


@functools.lru_cache(maxsize=16)
def _runs(beta2: float, t_max: int):
    """What the left panel shows for (beta2, t_max), whatever ``correction`` says: the drawn steps t
    (~300, log-spaced), then for raw and corrected v_t / E[g^2] one run and the 10 and 90 % quantiles."""
    t = np.arange(1, t_max + 1)
    v = average_of_squares(_gradients(max(t_max, GRADIENT_STEPS))[:t_max], beta2) / SECOND_MOMENT
    corrected = v / optim.bias_correction(beta2, t)[:, None]   # 1 - beta2^t, for every t at once
    # the x axis is logarithmic: ~300 log-spaced steps draw the same picture as all of them
    drawn = np.unique(np.geomspace(1, t_max, 300).round().astype(int)) - 1
    series = {}
    for name, values in (("raw", v[drawn]), ("corrected", corrected[drawn])):
        low, high = np.percentile(values, [10, 90], axis=1)
        series[name] = (values[:, 0], low, high, values[-1].mean())
    return t[drawn], series


class BiasExplorer(Scene):
    """Left: v_t / E[g^2] (and v_hat_t / E[g^2] if ``correction``) over t = 1..t_max for noisy
    gradients with E[g^2] = 1: one run, the 10-90 % band of 200 runs, and the expectation
    1 - beta2^t of the raw average. Right: the weights v_t gives g_1..g_t, and at s = 0 the
    weight beta2^t it keeps on v_0 = 0.

    The legends are background: each panel keeps room above its curves for its legend (no
    estimate drawn exceeds 2.75, no weight 1), so no moving curve passes under them.
    """

    figsize = (11.5, 4.3)
    ESTIMATE_TOP = 30.0   # the estimates stay below 2.75: the legend sits above them
    WEIGHT_TOP = 5.0      # the weights stay below 1

    def build(self):
        self.ax, self.ax_w = ax, ax_w = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
        raw_color, corrected_color = SERIES_COLORS["v"], SERIES_COLORS["v_hat"]
        ax.axhline(1.0, color="0.4", lw=0.8, ls=":", zorder=1.5)   # below the moving curves, as in a full draw
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(_("step t"))
        ax.set_ylabel(_("estimate of {moment}, divided by {moment}").format(moment=r"$\mathbb{E}[g^2]$"))
        ax.set_title(_("One run (line) and 10-90 % of {runs} runs (band)").format(runs=RUNS), fontsize=10, pad=16)
        self.lines = {
            "raw": self.moving("raw line", ax.plot([], [], color=raw_color, lw=1.3,
                                                   label=_("raw {v}").format(v=r"$v_t$"))[0]),
            "corrected": self.moving("corrected line", ax.plot(
                [], [], color=corrected_color, lw=1.3,
                label=_("corrected {formula}").format(formula=r"$\hat v_t = v_t / (1 - \beta_2^t)$"))[0]),
        }
        self.expected = self.moving("expected", ax.plot(
            [], [], "k--", lw=1.0, label=r"$\mathbb{E}[v_t]/\mathbb{E}[g^2] = 1 - \beta_2^t$")[0])
        # what changes goes in a short line of plain text under the title: a string with $...$ would be
        # parsed as mathtext again for every new number, and every glyph of moving text costs time
        self.mean_note = self.moving("mean note", ax.text(0.5, 1.012, "", transform=ax.transAxes, ha="center",
                                                          va="bottom", fontsize=9))

        ax_w.set_yscale("log")
        ax_w.set_xlabel(_("step s of the gradient {g} (s = 0: the start {v0})").format(g="$g_s$", v0="$v_0$"))
        ax_w.set_ylabel(_("weight in {v} at the last step t").format(v=r"$v_t$"))
        self.weights = self.moving("weights", ax_w.add_collection(PolyCollection(
            [], facecolors=raw_color, edgecolors="none", alpha=0.75,
            label=_("{weight} on {g2}: sum {total}").format(
                weight=r"$(1-\beta_2)\beta_2^{t-s}$", g2=r"$g_s^2$", total=r"$1-\beta_2^t$")), autolim=False))
        self.corrected_weights = self.moving("corrected weights", ax_w.plot(
            [], [], drawstyle="steps-mid", color=corrected_color, lw=1.5,
            label=_("divided by {correction}: sum 1, none on {v0}").format(
                correction=r"$1-\beta_2^t$", v0=r"$v_0$"))[0])
        self.start = self.moving("start", ax_w.add_patch(Rectangle(
            (0, 1), 1, 1, color=START_COLOR, lw=0,
            label=_("{weight} on the start {v0}").format(weight=r"$\beta_2^t$", v0=r"$v_0 = 0$"))))
        self.start_value = self.moving("start value", ax_w.text(0, 1, "", fontsize=8, color="0.3",
                                                                va="bottom", ha="left"))
        self.moving("weights title", ax_w.title)
        self._legends_for = None
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.86, wspace=0.22)

    def update(self, beta2: float = 0.999, t_max: int = 1000, correction: bool = True):
        beta2, t_max, correction = float(beta2), int(t_max), bool(correction)
        t, series = _runs(beta2, t_max)
        ax, ax_w = self.ax, self.ax_w
        x_end = round_up(t_max)

        # left: the estimates, on axes that change only when 1 - beta2 crosses a decade or t_max a step of ~12 %
        ax.set_xlim(0.8, x_end * 1.25)
        ax.set_ylim(decade_floor(0.3 * (1 - beta2)), self.ESTIMATE_TOP)   # E[v_1] = 1 - beta2
        colors = {"raw": SERIES_COLORS["v"], "corrected": SERIES_COLORS["v_hat"]}
        for name, (one_run, low, high, _mean) in series.items():
            shown = name == "raw" or correction
            self.lines[name].set_data(t, one_run)
            self.lines[name].set_visible(shown)
            band = ax.fill_between(t, low, high, color=colors[name], alpha=0.2, lw=0, zorder=1.8)
            band.set_visible(shown)
            self.moving(f"{name} band", band)
        self.expected.set_data(t, optim.bias_correction(beta2, t))
        kind = "corrected" if correction else "raw"
        self.mean_note.set_text((_("β₂ = {beta2}; mean of the corrected estimates at t = {t}: {mean}") if correction
                                 else _("β₂ = {beta2}; mean of the raw estimates at t = {t}: {mean}")).format(
            beta2=f"{beta2:.4g}", t=t_max, mean=f"{series[kind][3]:.3f}"))

        # right: the weights of g_1..g_t, and at s = 0 the one left on v_0 = 0
        weights = ema_weights(beta2, t_max)
        on_start = float(start_weight(beta2, t_max))
        corrected_weights = weights / optim.bias_correction(beta2, t_max)
        bottom = decade_floor(max(weights[0], WEIGHT_FLOOR)) / 2   # the oldest weight is the smallest
        ax_w.set_ylim(bottom, self.WEIGHT_TOP)
        start_width = max(0.85, x_end / 60)   # a bar per step when few; v_0's stays visible when they are thousands
        ax_w.set_xlim(-start_width / 2 - max(0.3, x_end / 80), x_end + max(0.5, x_end / 80))
        floor = bottom / 10   # below the axis: bars rise from outside it
        shown_weights = np.maximum(weights, floor)
        s = np.arange(1, t_max + 1)
        if t_max <= BARS_UP_TO:
            polygons = [[(k - 0.425, floor), (k - 0.425, w), (k + 0.425, w), (k + 0.425, floor)]
                        for k, w in zip(s, shown_weights)]
        else:   # one polygon: the step curve of the weights, closed along the bottom
            edges = np.repeat(np.r_[s - 0.5, t_max + 0.5], 2)[1:-1]
            heights = np.repeat(shown_weights, 2)
            polygons = [np.r_[[(0.5, floor)], np.column_stack([edges, heights]), [(t_max + 0.5, floor)]]]
        self.weights.set_verts(polygons)
        self.corrected_weights.set_data(s, corrected_weights)
        self.corrected_weights.set_visible(correction)
        self.start.set_bounds(-start_width / 2, floor, start_width, max(on_start, floor) - floor)
        self.start_value.set_position((start_width / 2 + max(0.15, x_end / 150), max(on_start, bottom)))
        self.start_value.set_text(f"{on_start:.3g}" if on_start >= bottom
                                  else _("{weight}, below the axis").format(weight=f"{on_start:.2g}"))
        ax_w.set_title(_("Weights at t = {t}: {total} on g₁..gₜ, {start} on v₀").format(
            t=t_max, total=f"{weights.sum():.4g}", start=f"{on_start:.4g}"), fontsize=10)

        if self._legends_for != correction:   # background: redrawn only when the dropdown changes
            handles = [self.lines["raw"], *([self.lines["corrected"]] if correction else []), self.expected]
            ax.legend(handles=handles, fontsize=7.5, loc="upper right", framealpha=0.85)
            handles = [self.weights, self.start, *([self.corrected_weights] if correction else [])]
            ax_w.legend(handles=handles, fontsize=7.5, loc="upper right", framealpha=0.85)
            self._legends_for = correction
            self.background_changed()


EXPLORERS = {
    "lesson06_bias": (BiasExplorer, [
        dict(beta2=0.999, t_max=1000, correction=True),
        dict(beta2=0.999, t_max=1000, correction=False),
        # beta2 near 1 and few steps: the raw average holds 1 % of E[g^2], and v_0 keeps 99 % of the weight
        dict(beta2=0.9999, t_max=100, correction=False),
        dict(beta2=0.9999, t_max=5000, correction=True),
        # short memory: no bias left after a few dozen steps, but a noisy estimate
        dict(beta2=0.9, t_max=10, correction=True),
        dict(beta2=0.9, t_max=5000, correction=False),
    ]),
}

__all__ = ["BiasExplorer", "EXPLORERS", "MEAN", "STD", "SECOND_MOMENT", "SERIES_COLORS", "BETA2_COLORS",
           "START_COLOR"]
