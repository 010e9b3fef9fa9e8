"""Lesson 07 (AdaMax): the explorers.

- ``LpExplorer``: v_t^(1/p) against AdaMax's u_t on a fixed gradient sequence
  (``course_lib.theory.lp_limit``, on ``course_lib.theory.lp_moments``); its controls
  ``p, beta2, steps``. ``p_color(p)`` is the colour of v_t^(1/p) for that p, in the
  explorer and in the lesson's figures alike.
- ``AdamaxExplorer``: AdaMax and Adam on a landscape, with their step sizes against
  AdaMax's bound (``course_lib.theory.step_sizes``, on ``step_bounds.adamax_step_bound``);
  its controls ``lr, beta1, beta2, landscape``. When every step lies within a few per cent
  of alpha, the step panel zooms in on a linear axis, so that a step a hair above alpha shows.
"""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim
from ..i18n import _
from ..plots import style_for
from ..theory.lp_limit import corrected_lp_moment_root, example_gradients, relative_gap
from ..theory.lp_moments import decayed_max, lp_moment_root
from ..theory.step_sizes import adamax_step_bounds, largest_step_in_lr
from .limits import decade_ceiling, decade_floor, round_up
from .panels import LandscapePaths, finite_prefix
from .scene import Scene

EXPLORER_STEPS = 200
P_GRID = 2.0 ** np.arange(0, 13)  # 1, 2, 4, ..., 4096
GAP_FLOOR = 1e-17   # a gap below float64's rounding is drawn here


def p_color(p: float):
    """The colour of v_t^(1/p): a purple that darkens as p grows from 1 to 4096 (v_t^(1/p) is not an
    optimizer, so none of the optimizers' palette; u_t, the limit, is drawn in black)."""
    shade = min(max(math.log2(p) / 12, 0.0), 1.0) ** 0.6   # the power spreads the small p the lesson draws
    return plt.cm.RdPu(0.3 + 0.65 * shade)


@functools.lru_cache(maxsize=8)
def _sequence(steps: int):
    """The gradients and, for the y axis of the left panel, the decade below the smallest |g_t|."""
    g = example_gradients(steps)
    return g, decade_floor(max(np.abs(g).min() / 3, 1e-4))   # room below the smallest, as p = 1 starts lower


@functools.lru_cache(maxsize=32)
def _limit_and_gaps(beta2: float, steps: int):
    """What does not depend on p: u_t, and the gap at the last step for every p of P_GRID."""
    g, _ = _sequence(steps)
    return decayed_max(g, beta2), relative_gap(g, beta2, P_GRID)


class LpExplorer(Scene):
    """Left: |g_t|, u_t and v_t^(1/p) (raw and bias-corrected) along ``example_gradients(steps)``.
    Right: the relative gap |v_T^(1/p) - u_T| / u_T at the last step for every p, the chosen one circled.

    The left legend is background, above the curves: none exceeds max |g_t| (about 4, the spike),
    since v_t^(1/p) and its corrected form both stay below u_t; its swatches for v_t^(1/p) are drawn
    in the colour of no particular p, the curves in the colour of the chosen one (``p_color``).
    """

    figsize = (12.0, 4.3)
    SIZE_TOP = 300.0   # every size drawn is below ~5: the legend sits above them

    def build(self):
        self.ax_t, self.ax_p = ax_t, ax_p = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
        ax_t.set_yscale("log")
        ax_t.set(xlabel=_("step t"), ylabel=_("size (log scale)"))
        self.gradients = self.moving("gradients", ax_t.plot([], [], ".", color="0.6", ms=3, label=r"$|g_t|$")[0])
        self.limit = self.moving("u", ax_t.plot([], [], color="black", lw=2.2,
                                                label=r"$u_t = \max(\beta_2 u_{t-1}, |g_t|)$")[0])
        self.root = self.moving("root", ax_t.plot([], [], lw=1.5)[0])
        self.corrected = self.moving("corrected", ax_t.plot([], [], lw=1.2, ls="--")[0])
        legend_color = "0.45"   # the curves' colour changes with p, the legend stays
        swatches = [ax_t.plot([], [], color=legend_color, lw=1.5,
                              label=_("{v} (colour: p)").format(v=r"$v_t^{1/p}$"))[0],
                    ax_t.plot([], [], color=legend_color, lw=1.2, ls="--",
                              label=_("{v}, bias-corrected").format(
                                  v=r"$(v_t / (1-\beta_2^{pt}))^{1/p}$"))[0]]
        ax_t.legend(handles=[self.gradients, self.limit, *swatches], fontsize=8, loc="upper left", ncol=2,
                    framealpha=0.85)
        self.moving("sizes title", ax_t.title)

        ax_p.set_xscale("log")
        ax_p.set_yscale("log")
        ax_p.set_xlim(0.7, 6000.0)
        ax_p.set(xlabel="p", ylabel=r"$|v_T^{1/p} - u_T| / u_T$")
        self.gap_curve = self.moving("gaps", ax_p.plot([], [], "o-", color="0.2", ms=3)[0])
        self.chosen = self.moving("chosen", ax_p.plot([], [], "o", ms=10, mfc="none", mec="black")[0])
        ax_p.set_title(_("The gap at the last step T, for every p (circled: the chosen p)"), fontsize=10)
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.25)

    def update(self, p: float = 8.0, beta2: float = 0.99, steps: int = 200):
        p, beta2, steps = float(p), float(beta2), int(steps)
        g, size_floor = _sequence(steps)
        u, grid_gaps = _limit_and_gaps(beta2, steps)
        root = lp_moment_root(g, beta2, p)
        corrected = corrected_lp_moment_root(g, beta2, p)
        gap = abs(root[-1] / u[-1] - 1)
        t = np.arange(1, steps + 1)

        x_end = round_up(steps)
        self.ax_t.set_xlim(-0.03 * x_end, 1.03 * x_end)
        self.ax_t.set_ylim(size_floor, self.SIZE_TOP)
        self.gradients.set_data(t, np.abs(g))
        self.limit.set_data(t, u)
        for line, values in ((self.root, root), (self.corrected, corrected)):
            line.set_data(t, values)
            line.set_color(p_color(p))
        # plain text: a title with $...$ is parsed as mathtext again for every new number
        self.ax_t.set_title(_("β₂ = {beta2}, p = {p}: gap at the last step (T = {steps}) {gap}").format(
            beta2=f"{beta2:.4g}", p=f"{p:.4g}", steps=steps, gap=f"{gap:.2%}"), fontsize=10)

        at = np.searchsorted(P_GRID, p)
        ps, gaps = np.insert(P_GRID, at, p), np.insert(grid_gaps, at, gap)   # the curve passes through the circle
        shown = np.maximum(gaps, GAP_FLOOR)
        self.ax_p.set_ylim(decade_floor(shown.min()) / 2, 2.0)   # every gap is < 1: v_t < u_t^p
        self.gap_curve.set_data(ps, shown)
        self.chosen.set_data([p], [max(gap, GAP_FLOOR)])


def step_axis(values: np.ndarray, bound_top: float):
    """The step panel's y scale and limits for the drawn step sizes and bounds (``values``).

    Steps all within a factor 1.5 (the same size, or a hair above or below alpha): a linear axis
    on a grid of 1, 2 or 5 times a power of ten, about a quarter of their spread, so that a step
    0.5 % above alpha shows. Otherwise a log axis from 1e-4 to a decade above the bound.
    Both change only when a curve crosses a grid line, so most moves keep the axes."""
    finite = values[np.isfinite(values) & (values > 0)]
    low, high = (finite.min(), finite.max()) if finite.size else (1.0, 1.0)
    if high / low <= 1.5:
        spread = max(high - low, 0.005)
        grid = min((k * 10.0 ** e for e in range(-4, 1) for k in (1, 2, 5) if k * 10.0 ** e >= spread / 4))
        return "linear", (math.floor(low / grid - 0.25) * grid, math.ceil(high / grid + 0.25) * grid)
    return "log", (1e-4, decade_ceiling(max(10.0, 2 * min(bound_top, 1e3))))


class AdamaxExplorer(Scene):
    """AdaMax and Adam with the same lr and betas from the landscape's demo start.

    Left: both paths. Right: the largest |Delta theta_i| / lr of each step, with AdaMax's bound
    B_t (``adamax_step_bounds``) and the line |Delta| = lr.
    """

    figsize = (11.5, 4.6)

    def build(self):
        self.ax_path, ax = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        self.paths = LandscapePaths(self, self.ax_path, ["Adam", "AdaMax"], resolution=120, markersize=2.0)
        self.ax_step = ax
        # the reference line first and below: the moving curves are drawn over it, as in a full draw
        ax.axhline(1.0, color="black", lw=0.6, zorder=1.5, label=r"$|\Delta| = \alpha$")
        self.steps = {}
        for name in ("Adam", "AdaMax"):
            self.steps[name] = self.moving(f"{name} steps", ax.plot(
                [], [], **style_for(name), lw=1.3, label=name)[0])
        self.bound = self.moving("bound", ax.plot([], [], color="black", lw=0.9, ls="--",
                                                  label=_("AdaMax's bound {bound}").format(bound=r"$B_t$"))[0])
        ax.set_xlim(0, EXPLORER_STEPS + 1)
        ax.set_xlabel(_("step t"))
        ax.set_ylabel(_("step size in units of {alpha}").format(alpha=r"$\alpha$"))
        # legend and title above the axes, where no curve passes: background, drawn once (the values
        # of lr and the betas are the sliders' readouts)
        ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
        ax.set_title(_("Each step's largest coordinate {step}, in units of {alpha}").format(
            step=r"$\max_i |\Delta\theta_i|$", alpha=r"$\alpha$"), fontsize=10, pad=28)
        self.moving("path title", self.ax_path.title)
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.11, top=0.88, wspace=0.22)

    def update(self, lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, landscape: str = "Rosenbrock"):
        land = landscapes.LANDSCAPES[landscape]()
        betas = (beta1, beta2)
        paths = {"Adam": landscapes.trajectory(optim.Adam(lr=lr, betas=betas), land, steps=EXPLORER_STEPS),
                 "AdaMax": landscapes.trajectory(optim.Adamax(lr=lr, betas=betas), land, steps=EXPLORER_STEPS)}
        self.paths.show(land, {name: finite_prefix(path) for name, path in paths.items()})
        with np.errstate(all="ignore"):
            ends = _(", ").join(f"{name} f = {land(path[-1]):.2g}" if len(path) == EXPLORER_STEPS + 1
                                else _("{method} diverged").format(method=name) for name, path in paths.items())
        self.ax_path.set_title(_("{landscape}, {steps} steps: {ends}").format(
            landscape=land.name, steps=EXPLORER_STEPS, ends=ends), fontsize=10)

        ax = self.ax_step
        steps = {name: largest_step_in_lr(path, lr) for name, path in paths.items()}
        bound = adamax_step_bounds(beta1, beta2, EXPLORER_STEPS)
        finite_bound = bound[np.isfinite(bound)]
        scale, limits = step_axis(np.concatenate([*steps.values(), finite_bound, [1.0]]),
                                  finite_bound.max() if finite_bound.size else 1e3)
        if ax.get_yscale() != scale:
            ax.set_yscale(scale)
        ax.set_ylim(*limits)
        for name, values in steps.items():
            # a step of exactly 0 (a run that reached its minimum) sits at the bottom of a log axis
            self.steps[name].set_data(np.arange(1, len(values) + 1),
                                      np.maximum(values, 1e-12) if scale == "log" else values)
        self.bound.set_data(np.arange(1, EXPLORER_STEPS + 1), np.where(np.isfinite(bound), bound, np.nan))


EXPLORERS = {
    "lesson07_lp": (LpExplorer, [
        dict(p=8.0, beta2=0.99, steps=200),
        dict(p=1.0, beta2=0.5, steps=10),        # p = 1: a decayed mean of |g|; short memory
        dict(p=4096.0, beta2=0.9999, steps=500),  # the limit: v^(1/p) lies on u
        dict(p=2.0, beta2=0.0, steps=50),          # beta2 = 0: no memory at all, u_t = |g_t|
    ]),
    "lesson07_adamax": (AdamaxExplorer, [
        dict(lr=0.1, beta1=0.9, beta2=0.999, landscape="Rosenbrock"),
        dict(lr=0.1, beta1=0.9, beta2=0.99, landscape="Rosenbrock"),
        # beta2 < beta1: m remembers gradients that u has forgotten, and the bound is gone
        dict(lr=0.5, beta1=0.99, beta2=0.5, landscape="Beale"),
        dict(lr=1e-3, beta1=0.0, beta2=0.9999, landscape="Quadratic"),
        # the lesson's "What to try" 3: AdaMax's steps a hair above alpha, below B_t (the axis zooms in)
        dict(lr=1e-3, beta1=0.9, beta2=0.999, landscape="Quadratic"),
        dict(lr=1.0, beta1=0.5, beta2=0.9, landscape="Himmelblau"),
    ]),
}

__all__ = ["LpExplorer", "AdamaxExplorer", "EXPLORERS", "EXPLORER_STEPS", "P_GRID", "p_color", "step_axis"]
