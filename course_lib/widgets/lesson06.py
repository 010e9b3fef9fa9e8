"""Lesson 06 (deriving bias correction): the explorer.

``bias_explorer(beta2, t_max, correction)``: v_t / E[g^2] for simulated noisy
gradients with E[g^2] = 1, with or without the bias correction 1 / (1 - beta2^t)
(``course_lib.optim.bias_correction``), beside the weights v_t gives g_1..g_t
(``course_lib.theory.moving_averages.ema_weights``): a moving average started
at v_0 = 0 gives weights that add up to 1 - beta2^t, not 1.

The lesson's colours live here too, so that a series keeps its colour in every figure
of the lesson and in the explorer: ``SERIES_COLORS`` for m_t, v_t and v_hat_t, and
``BETA2_COLORS`` for the values of beta2 the lesson compares (neither is an optimizer,
so neither takes a colour of the optimizers' palette).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import optim
from ..plots import colors_for
from ..theory.moving_averages import ema_weights

# The explorer's gradients: g ~ N(MEAN, STD^2), so E[g^2] = MEAN^2 + STD^2 = 1.
MEAN, STD = 0.6, 0.8
SECOND_MOMENT = MEAN**2 + STD**2
RUNS = 200        # simulated runs behind the explorer's band
LABELS = (r"raw $v_t$", r"corrected $\hat v_t = v_t / (1 - \beta_2^t)$")
SERIES_COLORS = dict(zip(("m", "v", "v_hat"), colors_for(["m_t", "v_t", "v_hat_t"]).values()))
# viridis: the darker, the longer the memory 1 / (1 - beta2)
BETA2_COLORS = {0.99: "#5EC962", 0.999: "#2A788E", 0.9999: "#471365"}


def _simulate_v(beta2: float, t_max: int, runs: int, seed: int = 0) -> np.ndarray:
    """v_t for t = 1..t_max in ``runs`` independent runs: an array (t_max, runs)."""
    g = MEAN + STD * np.random.default_rng(seed).standard_normal((t_max, runs))
    v = np.zeros(runs)
    out = np.empty((t_max, runs))
    for t in range(t_max):
        v = beta2 * v + (1 - beta2) * g[t] ** 2
        out[t] = v
    return out


def _bars(ax, weights, **style):
    """A bar per step when there are few; a filled step curve otherwise (thousands of bars are slow)."""
    s = np.arange(1, len(weights) + 1)
    if len(weights) <= 60:
        ax.bar(s, weights, width=0.85, **style)
    else:
        ax.fill_between(s, weights, step="mid", lw=0, **style)


def bias_explorer(beta2: float = 0.999, t_max: int = 1000, correction: bool = True):
    """Left: v_t / E[g^2] (and v_hat_t / E[g^2] if ``correction``) over t = 1..t_max for
    noisy gradients with E[g^2] = 1: one run, the 10-90 % band of 200 runs, and the
    expectation 1 - beta2^t of the raw average. Right: the weights v_t gives g_1..g_t.
    """
    t_max = int(t_max)
    beta2 = float(beta2)
    t = np.arange(1, t_max + 1)
    v = _simulate_v(beta2, t_max, RUNS) / SECOND_MOMENT
    corrected = v / optim.bias_correction(beta2, t)[:, None]  # 1 - beta2^t, for every t at once
    # the x axis is logarithmic: ~300 log-spaced steps draw the same picture as all of them
    drawn = np.unique(np.geomspace(1, t_max, 300).round().astype(int)) - 1
    t, v, corrected = t[drawn], v[drawn], corrected[drawn]
    raw_color, corrected_color = SERIES_COLORS["v"], SERIES_COLORS["v_hat"]

    fig, (ax, ax_w) = plt.subplots(1, 2, figsize=(11.5, 4.3), gridspec_kw={"width_ratios": [1.35, 1]})
    shown = [(v, raw_color, LABELS[0])]
    if correction:
        shown.append((corrected, corrected_color, LABELS[1]))
    for values, color, label in shown:
        low, high = np.percentile(values, [10, 90], axis=1)
        ax.fill_between(t, low, high, color=color, alpha=0.2, lw=0)
        ax.plot(t, values[:, 0], color=color, lw=1.3, label=label)
    ax.plot(t, 1 - beta2**t, "k--", lw=1.0, label=r"$\mathbb{E}[v_t]/\mathbb{E}[g^2] = 1 - \beta_2^t$")
    ax.axhline(1.0, color="0.4", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_ylim(0, 2.5)  # v_hat_1 = g_1^2 can be far larger: the correction removes the bias, not the noise
    ax.set_xlabel("step t")
    ax.set_ylabel(r"estimate of $\mathbb{E}[g^2]$, divided by $\mathbb{E}[g^2]$")
    status = "with" if correction else "without"
    mean_end = (corrected if correction else v)[-1].mean()
    ax.set_title(rf"$\beta_2$ = {beta2:.4g}, {status} correction: one run (line), 10-90 % of {RUNS} runs (band)"
                 f"\nmean over the runs at t = {t_max}: {mean_end:.3f}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left", framealpha=0.85)

    weights = ema_weights(beta2, t_max)
    _bars(ax_w, weights, color=raw_color, alpha=0.75, label=rf"$(1-\beta_2)\beta_2^{{t-s}}$, sum = {weights.sum():.4g}")
    if correction:
        ax_w.step(np.arange(1, t_max + 1), weights / optim.bias_correction(beta2, t_max), where="mid",
                  color=corrected_color, lw=1.5, label=r"divided by $1-\beta_2^t$: sum = 1")
    ax_w.set_xlabel("step s of the gradient $g_s$")
    ax_w.set_ylabel(rf"weight of $g_s^2$ in $v_t$ at t = {t_max}")
    ax_w.set_title(rf"Weights; the start $v_0 = 0$ keeps $\beta_2^t$ = {beta2**t_max:.3g}", fontsize=10)
    ax_w.set_xlim(0.5, t_max + 0.5)
    ax_w.legend(fontsize=8, loc="upper left")
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.88, wspace=0.22)
    return fig


EXPLORERS = {
    "lesson06_bias": (bias_explorer, [
        dict(beta2=0.999, t_max=1000, correction=True),
        dict(beta2=0.999, t_max=1000, correction=False),
        # beta2 near 1 and few steps: the raw average holds 1 % of E[g^2]
        dict(beta2=0.9999, t_max=100, correction=False),
        dict(beta2=0.9999, t_max=5000, correction=True),
        # short memory: no bias left after a few dozen steps, but a noisy estimate
        dict(beta2=0.9, t_max=10, correction=True),
        dict(beta2=0.9, t_max=5000, correction=False),
    ]),
}

__all__ = ["bias_explorer", "EXPLORERS", "MEAN", "STD", "SECOND_MOMENT", "SERIES_COLORS", "BETA2_COLORS"]
