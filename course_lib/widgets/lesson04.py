"""Lesson 04 (RMSProp and AdaDelta): its non-stationary problem and its explorers.

The changing bowl, shared by lesson 04 and worksheet 04::

    f_t(theta) = s_t / 2 * (theta - c_t)^2,
    (c_t, s_t) = (+1, 10)  for t <= SWITCH_STEP   (a steep bowl)
                 (-1, 0.1) for t >  SWITCH_STEP   (the minimum jumps, the bowl is 100 times flatter)

In the steep phase the gradients are up to 100 times larger than in the flat
one. AdaGrad's accumulator keeps them for ever, so after the switch its steps
stay tiny; RMSProp's moving average forgets them in about 1 / (1 - alpha)
steps and its steps grow back::

    run = run_changing_bowl(optim.RMSprop(lr=0.1, alpha=0.9).step, state, steps=600)
    steps_to_recover(run)      # steps after the switch until |theta - c_t| < 0.05

The explorers (callbacks for ``course_lib.widgets.explorer``):

- ``rmsprop_explorer(lr, alpha, eps, steps)``: RMSProp and AdaGrad with the
  same lr and eps on the narrow valley, their effective step sizes, and the
  weights RMSProp's average gives to past squared gradients.
- ``changing_bowl_explorer(lr, alpha, adagrad_lr)``: both on the changing bowl.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim
from ..plots import color_for, plot_trajectories

# --- the changing bowl -----------------------------------------------------------

SWITCH_STEP = 200   # the bowl changes after this many steps
BOWL_STEPS = 600    # a run: 200 steep steps, then 400 flat ones
STEEP = (1.0, 10.0)   # (center c, curvature s) for t <= SWITCH_STEP
FLAT = (-1.0, 0.1)    # and after
RECOVERY_TOLERANCE = 0.05


def changing_bowl(t: int) -> tuple[float, float]:
    """(c_t, s_t): the minimum and curvature of f_t(theta) = s_t / 2 (theta - c_t)^2 at step t (from 1)."""
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t counts the steps from 1, got {t!r}")
    return STEEP if t <= SWITCH_STEP else FLAT


def changing_bowl_grad(theta: np.ndarray, t: int) -> np.ndarray:
    """g_t = s_t (theta - c_t), the gradient of f_t at theta."""
    center, curvature = changing_bowl(t)
    return curvature * (theta - center)


@dataclass(frozen=True, eq=False)
class BowlRun:
    """What ``run_changing_bowl`` returns; entry t - 1 belongs to step t = 1..steps.

    theta[t - 1] is the point after step t, center[t - 1] the minimum c_t of
    that step's objective, distance[t - 1] = |theta_t - c_t|, and states[t - 1]
    the optimizer's state after step t.
    """

    theta: np.ndarray
    center: np.ndarray
    distance: np.ndarray
    states: list


def run_changing_bowl(step, state, steps: int = BOWL_STEPS, theta0: float = 0.0) -> BowlRun:
    """Follow the changing bowl from theta0 with any update rule.

    step(theta, g, state) -> (theta, state): a course_lib optimizer's
    ``opt.step``, or a worksheet's rule, e.g.
    ``lambda th, g, s: rmsprop_step(th, g, s, lr=0.1)``; ``state`` is its
    state before the first step. theta is an array of shape (1,).
    """
    theta = np.array([float(theta0)])
    thetas, centers, states = np.empty(steps), np.empty(steps), []
    with np.errstate(all="ignore"):  # a large lr may diverge: the plot shows it
        for t in range(1, steps + 1):
            theta, state = step(theta, changing_bowl_grad(theta, t), state)
            theta = np.asarray(theta, dtype=np.float64).reshape(1)
            thetas[t - 1], centers[t - 1] = theta[0], changing_bowl(t)[0]
            states.append(state)
    return BowlRun(thetas, centers, np.abs(thetas - centers), states)


def steps_to_recover(run: BowlRun, tolerance: float = RECOVERY_TOLERANCE) -> int | None:
    """Steps after the switch until |theta_t - c_t| < tolerance (None if never within the run)."""
    after = run.distance[SWITCH_STEP:]
    close = np.flatnonzero(after < tolerance)
    return int(close[0]) + 1 if close.size else None


def ema_weights(alpha: float, t: int) -> np.ndarray:
    """The weights (1 - alpha) alpha^(t - s) that v_t gives to g_s^2, for s = 1..t."""
    s = np.arange(1, t + 1)
    return (1 - alpha) * alpha ** (t - s)


# --- explorer 1: RMSProp vs AdaGrad on the narrow valley ----------------------------


def _run_with_denominators(opt, landscape, steps: int):
    """The path (n, 2) and, per step, the per-coordinate effective step size lr / (sqrt(v) + eps)."""
    point = np.array(landscape.start, dtype=np.float64)
    state = opt.init(point)
    path, effective = [point], []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            point, state = opt.step(point, landscape.grad(point), state)
            accumulated = state.square_avg if isinstance(state, optim.RMSpropState) else state.sum_sq
            if not np.all(np.isfinite(point)) or np.linalg.norm(point) > landscapes.DIVERGENCE_NORM:
                break
            path.append(point)
            effective.append(opt.lr / (np.sqrt(accumulated) + opt.eps))
    return np.array(path), np.array(effective).reshape(-1, 2)


def rmsprop_explorer(lr: float = 0.05, alpha: float = 0.9, eps: float = 1e-8, steps: int = 100):
    """RMSProp(lr, alpha, eps) and AdaGrad(lr, eps) on the narrow valley, side by side.

    Left: the two paths. Middle: each coordinate's effective step size
    lr / (sqrt(v) + eps) (AdaGrad: lr / (sqrt(G) + eps)) at every step.
    Right: the weight of g_s^2 in the denominator at the last step t:
    (1 - alpha) alpha^(t - s) for RMSProp, 1 for every s for AdaGrad's sum.
    """
    valley = landscapes.narrow_valley()
    runs = {"RMSProp": _run_with_denominators(optim.RMSprop(lr=lr, alpha=alpha, eps=eps), valley, steps),
            "AdaGrad": _run_with_denominators(optim.Adagrad(lr=lr, eps=eps), valley, steps)}
    fig, (ax_path, ax_step, ax_weight) = plt.subplots(1, 3, figsize=(15.0, 4.4))

    plot_trajectories(valley, {name: path for name, (path, _) in runs.items()}, ax=ax_path,
                      levels=20, resolution=90, markersize=2.0, legend_loc="lower right")
    ax_path.set_title(f"Narrow valley, lr = {lr:.3g}, {steps} steps")

    for name, (_, effective) in runs.items():
        k = np.arange(1, len(effective) + 1)
        for coordinate, style in ((0, "-"), (1, ":")):
            ax_step.plot(k, effective[:, coordinate], style, color=color_for(name), linewidth=1.5,
                         label=f"{name}, $\\theta_{coordinate + 1}$")
    ax_step.set_yscale("log")
    ax_step.set(title="Effective step size per coordinate", xlabel="step t",
                ylabel=r"lr / ($\sqrt{v_t}$ + eps)")
    ax_step.legend(fontsize=8)

    t = steps
    s = np.arange(1, t + 1)
    floor = 1e-6  # weights below this are invisible anyway; keeps the log axis readable
    # one filled staircase instead of t bars: same picture, a fraction of the drawing time
    ax_weight.stairs(np.maximum(ema_weights(alpha, t), floor * 0.1), np.arange(0.5, t + 1), fill=True,
                     baseline=floor * 0.1, color=color_for("RMSProp"), alpha=0.7,
                     label=rf"RMSProp: $(1-\alpha)\,\alpha^{{t-s}}$, $\alpha$ = {alpha:.3g}")
    ax_weight.axhline(1.0, color=color_for("AdaGrad"), linewidth=2, label="AdaGrad: 1 for every step")
    memory = 1.0 / (1.0 - alpha)
    if memory < t:
        ax_weight.axvline(t - memory, color="black", linestyle="--", linewidth=1,
                          label=rf"$t - 1/(1-\alpha)$: memory {memory:.3g} steps")
    ax_weight.set_yscale("log")
    ax_weight.set_ylim(floor, 2.0)
    ax_weight.set_xlim(0.5, t + 0.5)
    ax_weight.set(title=f"Weight of $g_s^2$ in the denominator at step t = {t}", xlabel="step s",
                  ylabel="weight")
    ax_weight.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.13, top=0.92, wspace=0.28)  # tight_layout costs ~0.5 s
    return fig


# --- explorer 2: the changing bowl ---------------------------------------------------


def changing_bowl_explorer(lr: float = 0.1, alpha: float = 0.9, adagrad_lr: float = 2.0):
    """RMSProp(lr, alpha) and AdaGrad(adagrad_lr) on the changing bowl.

    Left: theta_t and the moving minimum c_t. Right: the effective step size
    lr / (sqrt(v_t) + eps), with the switch marked.
    """
    rms, ada = optim.RMSprop(lr=lr, alpha=alpha), optim.Adagrad(lr=adagrad_lr)
    start = np.zeros(1)
    runs = {f"RMSProp (alpha = {alpha:.3g})": (run_changing_bowl(rms.step, rms.init(start)), "RMSProp", rms),
            "AdaGrad": (run_changing_bowl(ada.step, ada.init(start)), "AdaGrad", ada)}
    t = np.arange(1, BOWL_STEPS + 1)
    smallest = 1e3
    fig, (ax_theta, ax_step) = plt.subplots(1, 2, figsize=(12.0, 4.2))
    ax_theta.plot(t, runs["AdaGrad"][0].center, "k--", linewidth=1, label="minimum $c_t$")
    for label, (run, name, opt) in runs.items():
        recovered = steps_to_recover(run)
        note = f"within {RECOVERY_TOLERANCE} after {recovered} steps" if recovered else "never recovers"
        ax_theta.plot(t, run.theta, color=color_for(name), linewidth=1.5, label=f"{label}: {note}")
        accumulated = [s.square_avg if name == "RMSProp" else s.sum_sq for s in run.states]
        effective = opt.lr / (np.sqrt(np.concatenate(accumulated)) + opt.eps)
        ax_step.plot(t, effective, color=color_for(name), linewidth=1.5, label=label)
        finite = effective[np.isfinite(effective) & (effective > 0)]
        smallest = min(smallest, finite.min()) if finite.size else smallest
    for ax in (ax_theta, ax_step):
        ax.axvline(SWITCH_STEP, color="0.5", linewidth=1)
    ax_theta.set_ylim(-2.0, 2.0)
    ax_theta.set(title="The changing bowl: steep, then 100x flatter", xlabel="step t", ylabel=r"$\theta_t$")
    ax_theta.legend(fontsize=8, loc="upper right")
    ax_step.set_yscale("log")
    # once theta sits at a minimum, g ~ 0 and v decays towards 0, so lr / sqrt(v) climbs to lr / eps:
    # harmless (it multiplies a gradient of ~0), and cut off here so that it does not squash the rest
    ax_step.set_ylim(min(1e-3, max(smallest / 2, 1e-9)), 1e3)
    ax_step.set(title="Effective step size", xlabel="step t", ylabel=r"lr / ($\sqrt{v_t}$ + eps)")
    ax_step.legend(fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.92, wspace=0.22)
    return fig


EXPLORERS = {
    "lesson04_rmsprop": (rmsprop_explorer, [
        dict(lr=0.05, alpha=0.9, eps=1e-8, steps=100),
        dict(lr=1.0, alpha=0.99, eps=1e-8, steps=300),     # large steps: bounces across the valley
        dict(lr=0.001, alpha=0.0, eps=1e-10, steps=10),    # alpha = 0: a sign step, no memory
        dict(lr=0.05, alpha=0.999, eps=1.0, steps=200),    # eps dominates: plain gradient descent
    ]),
    "lesson04_changing_bowl": (changing_bowl_explorer, [
        dict(lr=0.1, alpha=0.9, adagrad_lr=2.0),
        dict(lr=0.001, alpha=0.999, adagrad_lr=0.01),      # both far too slow
        dict(lr=1.0, alpha=0.0, adagrad_lr=30.0),          # huge steps
    ]),
}

__all__ = ["SWITCH_STEP", "BOWL_STEPS", "STEEP", "FLAT", "RECOVERY_TOLERANCE", "changing_bowl",
           "changing_bowl_grad", "BowlRun", "run_changing_bowl", "steps_to_recover", "ema_weights",
           "rmsprop_explorer", "changing_bowl_explorer", "EXPLORERS"]
