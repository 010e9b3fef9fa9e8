"""Lesson 07 (AdaMax): the explorers.

- ``lp_explorer(p, beta2, steps)``: v_t^(1/p) against AdaMax's u_t on a fixed gradient
  sequence (``course_lib.theory.lp_moments``); ``p_color(p)`` is the colour of v_t^(1/p)
  for that p, in the explorer and in the lesson's figures alike.
- ``adamax_explorer(lr, beta1, beta2, landscape)``: AdaMax and Adam on a landscape, with
  their step sizes against AdaMax's bound (``course_lib.theory.step_bounds.adamax_step_bound``).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim
from ..plots import plot_trajectories, style_for
from ..theory.lp_moments import decayed_max, lp_moment_root
from ..theory.step_bounds import adamax_step_bound

EXPLORER_STEPS = 200
P_GRID = 2.0 ** np.arange(0, 13)  # 1, 2, 4, ..., 4096


def p_color(p: float):
    """The colour of v_t^(1/p): a purple that darkens as p grows from 1 to 4096 (v_t^(1/p) is not an
    optimizer, so none of the optimizers' palette; u_t, the limit, is drawn in black)."""
    shade = min(max(math.log2(p) / 12, 0.0), 1.0) ** 0.6   # the power spreads the small p the lesson draws
    return plt.cm.RdPu(0.3 + 0.65 * shade)


def example_gradients(steps: int, seed: int = 7) -> np.ndarray:
    """A gradient sequence with a story: noise whose scale shrinks tenfold, and one spike."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    g = rng.normal(size=steps) * 10.0 ** (-t / max(steps - 1, 1))  # the scale shrinks from 1 to 0.1
    g[int(0.6 * steps)] = 4.0  # one outlier, late in the sequence
    return g


def lp_explorer(p: float = 8.0, beta2: float = 0.99, steps: int = 200):
    """Left: |g_t|, u_t and v_t^(1/p) (raw and bias-corrected) along a gradient sequence.
    Right: the relative gap |v_T^(1/p) - u_T| / u_T at the last step for every p, the chosen one marked."""
    g = example_gradients(steps)
    t = np.arange(1, steps + 1)
    u = decayed_max(g, beta2)
    root = lp_moment_root(g, beta2, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Lp's own bias correction: divide v_t by 1 - beta2^(p t); its p-th root tends to 1 as p grows
        corrected = root / (-np.expm1(t * p * math.log(beta2))) ** (1 / p) if beta2 > 0 else root
    grid = np.unique(np.r_[P_GRID, p])
    gaps = np.abs(lp_moment_root(g, beta2, grid)[-1] / u[-1] - 1)
    gap = abs(root[-1] / u[-1] - 1)

    fig, (ax_t, ax_p) = plt.subplots(1, 2, figsize=(12.0, 4.3), gridspec_kw={"width_ratios": [1.5, 1]})
    ax_t.semilogy(t, np.abs(g), ".", color="0.6", ms=3, label=r"$|g_t|$")
    ax_t.semilogy(t, u, color="black", lw=2.2, label=r"$u_t = \max(\beta_2 u_{t-1}, |g_t|)$")
    ax_t.semilogy(t, root, color=p_color(p), lw=1.5, label=rf"$v_t^{{1/p}}$, p = {p:.3g}")
    ax_t.semilogy(t, corrected, color=p_color(p), lw=1.2, ls="--",
                  label=r"$(v_t / (1-\beta_2^{pt}))^{1/p}$, bias-corrected")
    ax_t.set(xlabel="step t", ylabel="size (log scale)",
             title=rf"$\beta_2$ = {beta2:.4g}, p = {p:.3g}: gap at the last step {gap:.2%}")
    ax_t.legend(fontsize=8, loc="lower left")
    ax_p.loglog(grid, np.maximum(gaps, 1e-17), "o-", color="0.2", ms=3)
    ax_p.loglog([p], [max(gap, 1e-17)], "o", ms=10, mfc="none", mec="black", label=f"p = {p:.3g}")
    ax_p.set(xlabel="p", ylabel=r"$|v_T^{1/p} - u_T| / u_T$", title=f"The gap at the last step (T = {steps})")
    ax_p.legend(fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.25)
    return fig


def adamax_explorer(lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999, landscape: str = "Rosenbrock"):
    """AdaMax and Adam with the same lr and betas from the landscape's demo start.

    Left: both paths. Right: the largest |Delta theta_i| / lr of each step, with
    AdaMax's bound B_t (adamax_step_bound) and the line |Delta| = lr.
    """
    land = landscapes.LANDSCAPES[landscape]()
    betas = (beta1, beta2)
    paths = {"Adam": landscapes.trajectory(optim.Adam(lr=lr, betas=betas), land, steps=EXPLORER_STEPS),
             "AdaMax": landscapes.trajectory(optim.Adamax(lr=lr, betas=betas), land, steps=EXPLORER_STEPS)}

    fig, (ax_path, ax_step) = plt.subplots(1, 2, figsize=(11.5, 4.6), gridspec_kw={"width_ratios": [1, 1.25]})
    plot_trajectories(land, paths, ax=ax_path, resolution=120, markersize=2.0)
    with np.errstate(all="ignore"):
        ends = ", ".join(f"{name} f = {land(path[-1]):.2g}" if len(path) == EXPLORER_STEPS + 1
                         else f"{name} diverged" for name, path in paths.items())
    ax_path.set_title(f"{land.name}, {EXPLORER_STEPS} steps: {ends}", fontsize=10)

    for name, path in paths.items():
        steps = np.abs(np.diff(path, axis=0)).max(axis=1) / lr
        ax_step.semilogy(np.arange(1, len(steps) + 1), np.maximum(steps, 1e-12), **style_for(name), lw=1.3,
                         label=rf"{name}, $\max_i |\Delta\theta_i| / \alpha$")
    t = np.arange(1, EXPLORER_STEPS + 1)
    bound = np.array([adamax_step_bound(beta1, beta2, int(k)) for k in t])
    ax_step.semilogy(t, bound, color="black", lw=0.9, ls="--", label=r"AdaMax's bound $B_t$")
    ax_step.axhline(1.0, color="black", lw=0.6, label=r"$|\Delta| = \alpha$")
    ax_step.set_ylim(1e-4, max(10.0, 2 * min(bound[-1], 1e3)))
    ax_step.set(xlabel="step t", ylabel=r"step size in units of $\alpha$",
                title=rf"lr = {lr:.3g}, $\beta_1$ = {beta1:.3g}, $\beta_2$ = {beta2:.4g}")
    ax_step.legend(fontsize=8, loc="lower left", framealpha=0.85)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.11, top=0.92, wspace=0.22)
    return fig


EXPLORERS = {
    "lesson07_lp": (lp_explorer, [
        dict(p=8.0, beta2=0.99, steps=200),
        dict(p=1.0, beta2=0.5, steps=10),        # p = 1: a decayed mean of |g|; short memory
        dict(p=4096.0, beta2=0.9999, steps=500),  # the limit: v^(1/p) lies on u
        dict(p=2.0, beta2=0.0, steps=50),          # beta2 = 0: no memory at all, u_t = |g_t|
    ]),
    "lesson07_adamax": (adamax_explorer, [
        dict(lr=0.1, beta1=0.9, beta2=0.999, landscape="Rosenbrock"),
        dict(lr=0.1, beta1=0.9, beta2=0.99, landscape="Rosenbrock"),
        # beta2 < beta1: m remembers gradients that u has forgotten, and the bound is gone
        dict(lr=0.5, beta1=0.99, beta2=0.5, landscape="Beale"),
        dict(lr=1e-3, beta1=0.0, beta2=0.9999, landscape="Quadratic"),
        dict(lr=1.0, beta1=0.5, beta2=0.9, landscape="Himmelblau"),
    ]),
}
