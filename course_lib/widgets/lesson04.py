"""Lesson 04 (RMSProp and AdaDelta): its two explorers.

Callbacks for ``course_lib.widgets.explorer``:

- ``rmsprop_explorer(lr, beta2, eps, steps)``: RMSProp and AdaGrad with the
  same lr and eps on the narrow valley, their effective step sizes, and the
  weights RMSProp's average gives to past squared gradients
  (``course_lib.theory.moving_averages.ema_weights``).
- ``changing_bowl_explorer(lr, beta2, adagrad_lr)``: both on the changing bowl, the
  lesson's problem whose minimum jumps at step 200 (``course_lib.landscapes.run_changing_bowl``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim
from ..landscapes import BOWL_STEPS, RECOVERY_TOLERANCE, SWITCH_STEP, run_changing_bowl, steps_to_recover
from ..plots import color_for, plot_trajectories, style_for
from ..theory.moving_averages import ema_weights

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


def rmsprop_explorer(lr: float = 0.05, beta2: float = 0.9, eps: float = 1e-8, steps: int = 100):
    """RMSProp(lr, beta2, eps) and AdaGrad(lr, eps) on the narrow valley, side by side.

    Left: the two paths. Middle: each coordinate's effective step size
    lr / (sqrt(v) + eps) (AdaGrad: lr / (sqrt(G) + eps)) at every step.
    Right: the weight of g_s^2 in the denominator at the last step t:
    (1 - beta2) beta2^(t - s) for RMSProp, 1 for every s for AdaGrad's sum.
    """
    valley = landscapes.narrow_valley()
    runs = {"RMSProp": _run_with_denominators(optim.RMSprop(lr=lr, beta2=beta2, eps=eps), valley, steps),
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
    ax_weight.stairs(np.maximum(ema_weights(beta2, t), floor * 0.1), np.arange(0.5, t + 1), fill=True,
                     baseline=floor * 0.1, color=color_for("RMSProp"), alpha=0.7,
                     label=rf"RMSProp: $(1-\beta_2)\,\beta_2^{{t-s}}$, $\beta_2$ = {beta2:.3g}")
    ax_weight.axhline(1.0, color=color_for("AdaGrad"), linewidth=2, label="AdaGrad: 1 for every step")
    memory = 1.0 / (1.0 - beta2)
    if memory < t:
        ax_weight.axvline(t - memory, color="black", linestyle="--", linewidth=1,
                          label=rf"$t - 1/(1-\beta_2)$: memory {memory:.3g} steps")
    ax_weight.set_yscale("log")
    ax_weight.set_ylim(floor, 2.0)
    ax_weight.set_xlim(0.5, t + 0.5)
    ax_weight.set(title=f"Weight of $g_s^2$ in the denominator at step t = {t}", xlabel="step s",
                  ylabel="weight")
    ax_weight.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.13, top=0.92, wspace=0.28)  # tight_layout costs ~0.5 s
    return fig


# --- explorer 2: the changing bowl ---------------------------------------------------


def changing_bowl_explorer(lr: float = 0.1, beta2: float = 0.9, adagrad_lr: float = 2.0):
    """RMSProp(lr, beta2) and AdaGrad(adagrad_lr) on the changing bowl.

    Left: theta_t and the moving minimum c_t. Right: the effective step size
    lr / (sqrt(v_t) + eps), with the switch marked.
    """
    rms, ada = optim.RMSprop(lr=lr, beta2=beta2), optim.Adagrad(lr=adagrad_lr)
    start = np.zeros(1)
    runs = {f"RMSProp (beta2 = {beta2:.3g})": (run_changing_bowl(rms.step, rms.init(start)), "RMSProp", rms),
            "AdaGrad": (run_changing_bowl(ada.step, ada.init(start)), "AdaGrad", ada)}
    t = np.arange(1, BOWL_STEPS + 1)
    smallest = 1e3
    fig, (ax_theta, ax_step) = plt.subplots(1, 2, figsize=(12.0, 4.2))
    ax_theta.plot(t, runs["AdaGrad"][0].center, "k--", linewidth=1, label="minimum $c_t$")
    for label, (run, name, opt) in runs.items():
        recovered = steps_to_recover(run)
        note = f"within {RECOVERY_TOLERANCE} after {recovered} steps" if recovered else "never recovers"
        ax_theta.plot(t, run.theta, **style_for(name), linewidth=1.5, label=f"{label}: {note}")
        accumulated = [s.square_avg if name == "RMSProp" else s.sum_sq for s in run.states]
        effective = opt.lr / (np.sqrt(np.concatenate(accumulated)) + opt.eps)
        ax_step.plot(t, effective, **style_for(name), linewidth=1.5, label=label)
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
        dict(lr=0.05, beta2=0.9, eps=1e-8, steps=100),
        dict(lr=1.0, beta2=0.99, eps=1e-8, steps=300),     # large steps: bounces across the valley
        dict(lr=0.001, beta2=0.0, eps=1e-10, steps=10),    # beta2 = 0: a sign step, no memory
        dict(lr=0.05, beta2=0.999, eps=1.0, steps=200),    # eps dominates: plain gradient descent
    ]),
    "lesson04_changing_bowl": (changing_bowl_explorer, [
        dict(lr=0.1, beta2=0.9, adagrad_lr=2.0),
        dict(lr=0.001, beta2=0.999, adagrad_lr=0.01),      # both far too slow
        dict(lr=1.0, beta2=0.0, adagrad_lr=30.0),          # huge steps
    ]),
}

__all__ = ["rmsprop_explorer", "changing_bowl_explorer", "EXPLORERS"]
