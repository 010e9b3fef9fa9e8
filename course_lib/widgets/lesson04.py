"""Lesson 04 (RMSProp and AdaDelta): its two explorers.

- ``RMSPropExplorer``: RMSProp and AdaGrad with the same lr and eps on the
  narrow valley, their effective step sizes
  (``course_lib.theory.effective_steps.run_with_effective_steps``), and the
  weights RMSProp's average gives to past squared gradients
  (``course_lib.theory.moving_averages.ema_weights``). Its controls:
  ``lr, beta2, eps, steps``.
- ``ChangingBowlExplorer``: both on the changing bowl, the lesson's problem
  whose minimum jumps at step 200 (``course_lib.landscapes.run_changing_bowl``).
  Its controls: ``lr, beta2, adagrad_lr``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import landscapes, optim
from ..i18n import _
from ..landscapes import (BOWL_STEPS, RECOVERY_TOLERANCE, SWITCH_STEP, changing_bowl, run_changing_bowl,
                          steps_to_recover)
from ..plots import color_for, style_for
from ..theory.effective_steps import effective_step_sizes, memory, run_with_effective_steps
from ..theory.moving_averages import ema_weights
from .limits import log_limits, step_axis_end
from .panels import LandscapePaths
from .scene import Scene

# --- explorer 1: RMSProp vs AdaGrad on the narrow valley ----------------------------

WEIGHT_FLOOR = 1e-6   # weights below this are invisible anyway; keeps the log axis readable
WEIGHT_TOP = 1e2      # weights are at most 1: the decades above hold the legend


@lru_cache(maxsize=64)
def _valley_run(name: str, lr: float, beta2: float | None, eps: float, steps: int):
    """(path, effective step sizes) on the narrow valley; beta2 is None for AdaGrad, which has none,
    so that a move of beta2 reuses AdaGrad's run. The arrays are shared: not to be changed."""
    opt = optim.RMSprop(lr=lr, beta2=beta2, eps=eps) if name == "RMSProp" else optim.Adagrad(lr=lr, eps=eps)
    return run_with_effective_steps(opt, landscapes.narrow_valley(), steps)


class RMSPropExplorer(Scene):
    """RMSProp(lr, beta2, eps) and AdaGrad(lr, eps) on the narrow valley, side by side.

    Left: the two paths. Middle: each coordinate's effective step size
    lr / (sqrt(v) + eps) (AdaGrad: lr / (sqrt(G) + eps)) at every step.
    Right: the weight of g_s^2 in the denominator at the last step t:
    (1 - beta2) beta2^(t - s) for RMSProp, 1 for every s for AdaGrad's sum.
    """

    figsize = (15.0, 4.4)
    names = ("RMSProp", "AdaGrad")

    def build(self):
        self.valley = landscapes.narrow_valley()
        self.ax_path, self.ax_step, self.ax_weight = self.fig.subplots(1, 3)
        self.paths = LandscapePaths(self, self.ax_path, self.names, levels=20, resolution=90, markersize=2.0,
                                    legend_loc="lower right")
        self.moving("path title", self.ax_path.title)

        ax = self.ax_step
        self.step_lines = {}
        for name in self.names:
            for coordinate, style in ((0, "-"), (1, ":")):
                self.step_lines[name, coordinate] = self.moving(f"step {name} {coordinate}", ax.plot(
                    [], [], style, color=color_for(name), linewidth=1.5)[0])
        ax.set_yscale("log")
        # the colors are the paths' (left), and the title says the styles: a legend over the curves would
        # have to be redrawn on every move, and text is the costly part of a frame
        ax.set(title=_("Effective step size: {first} solid, {second} dotted").format(
                   first=r"$\theta_1$", second=r"$\theta_2$"), xlabel=_("step t"),
               ylabel=r"lr / ($\sqrt{v_t}$ + eps)")

        ax = self.ax_weight
        # one filled staircase instead of t bars: the same picture, a fraction of the drawing time
        self.weights = self.moving("weights", ax.stairs([WEIGHT_FLOOR], [0.5, 1.5], fill=True,
                                                        baseline=WEIGHT_FLOOR * 0.1, color=color_for("RMSProp"),
                                                        alpha=0.7, label=r"RMSProp: $(1-\beta_2)\,\beta_2^{t-s}$"))
        self.adagrad_weight = self.moving("adagrad weight", ax.plot(
            [], [], color=color_for("AdaGrad"), linewidth=2, label=_("AdaGrad: 1 for every s"))[0])
        # up to weight 1 only, like everything else that moves here: the legend above it is then background
        self.memory_line = self.moving("memory", ax.plot(
            [], [], color="black", linestyle="--", linewidth=1,
            label=_("memory: {rule}").format(rule=r"$s > t - 1/(1-\beta_2)$"))[0])
        ax.set_yscale("log")
        ax.set_ylim(WEIGHT_FLOOR, WEIGHT_TOP)
        ax.set_yticks([10.0**k for k in range(round(math.log10(WEIGHT_FLOOR)), 1)])   # none above 1
        ax.set_yticks([], minor=True)
        ax.set(title=_("Weight of {g2} in the denominator at step t").format(g2=r"$g_s^2$"), xlabel=_("step s"),
               ylabel=_("weight"))
        # above every weight (<= 1), where nothing moves, so drawn once with the background
        ax.legend(fontsize=8, loc="upper left", ncols=2, columnspacing=1.0)
        self.fig.subplots_adjust(left=0.05, right=0.99, bottom=0.13, top=0.92, wspace=0.28)

    def update(self, lr=0.05, beta2=0.9, eps=1e-8, steps=100):
        steps = int(steps)
        runs = {"RMSProp": _valley_run("RMSProp", lr, beta2, eps, steps),
                "AdaGrad": _valley_run("AdaGrad", lr, None, eps, steps)}
        self.paths.show(self.valley, {name: path for name, (path, _effective) in runs.items()})
        self.ax_path.set_title(_("{landscape}, lr = {lr}, {steps} steps").format(
            landscape=self.valley.name, lr=f"{lr:.3g}", steps=steps))

        end = step_axis_end(steps)
        for name, (_path, effective) in runs.items():
            k = np.arange(1, len(effective) + 1)
            for coordinate in (0, 1):
                self.step_lines[name, coordinate].set_data(k, effective[:, coordinate])
        self.ax_step.set_xlim(0, end)
        every = np.concatenate([effective.ravel() for _path, effective in runs.values()])
        self.ax_step.set_ylim(*log_limits(every, lowest=1e-10, top_at_least=1e-2, top_at_most=1e10))

        t = steps
        self.weights.set_data(np.maximum(ema_weights(beta2, t), WEIGHT_FLOOR * 0.1), np.arange(0.5, t + 1))
        self.adagrad_weight.set_data([0.5, t + 0.5], [1.0, 1.0])
        remembered = memory(beta2)
        self.memory_line.set_visible(remembered < t)
        self.memory_line.set_data([t - remembered] * 2 if remembered < t else [0.0, 0.0], [WEIGHT_FLOOR, 1.0])
        self.ax_weight.set_xlim(0.5, end + 0.5)


# --- explorer 2: the changing bowl ---------------------------------------------------


@lru_cache(maxsize=64)
def _bowl_run(name: str, lr: float, beta2: float | None):
    """theta_t, the effective step size and the steps to recover of one run on the changing bowl;
    beta2 is None for AdaGrad, so that a move of beta2 reuses AdaGrad's run. The arrays are shared:
    not to be changed."""
    opt = optim.RMSprop(lr=lr, beta2=beta2) if name == "RMSProp" else optim.Adagrad(lr=lr)
    run = run_changing_bowl(opt.step, opt.init(np.zeros(1)))
    return run.theta, effective_step_sizes(opt, run.states)[:, 0], steps_to_recover(run)


class ChangingBowlExplorer(Scene):
    """RMSProp(lr, beta2) and AdaGrad(adagrad_lr) on the changing bowl.

    Left: theta_t and the moving minimum c_t. Right: the effective step size
    lr / (sqrt(v_t) + eps), with the switch marked.
    """

    figsize = (12.0, 4.2)
    names = ("RMSProp", "AdaGrad")

    def build(self):
        self.ax_theta, self.ax_step = self.fig.subplots(1, 2)
        t = np.arange(1, BOWL_STEPS + 1)
        center = [changing_bowl(int(step))[0] for step in t]
        # the background first: the moving curves are drawn over it, as in a full draw
        for ax in (self.ax_theta, self.ax_step):
            ax.axvline(SWITCH_STEP, color="0.5", linewidth=1)
            ax.set_xlim(0, BOWL_STEPS + 1)
            ax.set_xlabel(_("step t"))
        self.center = self.ax_theta.plot(t, center, "k--", linewidth=1, label=_("minimum {c}").format(c="$c_t$"))[0]
        self.theta_lines, self.step_lines = {}, {}
        for name in self.names:
            self.theta_lines[name] = self.moving(f"theta {name}", self.ax_theta.plot(
                [], [], **style_for(name), linewidth=1.5)[0])
            self.step_lines[name] = self.moving(f"step {name}", self.ax_step.plot(
                [], [], **style_for(name), linewidth=1.5, label=name)[0])
        self.ax_theta.set_ylim(-2.0, 2.0)
        self.ax_theta.set(title=_("The changing bowl: steep, then 100x flatter"), ylabel=r"$\theta_t$")
        self.ax_step.set_yscale("log")
        self.ax_step.set(title=_("Effective step size"), ylabel=r"lr / ($\sqrt{v_t}$ + eps)")
        # above the curves, so moving; its labels never change, so it is made once
        self.moving("step legend", self.ax_step.legend(fontsize=8, loc="center right"))
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.92, wspace=0.22)

    def update(self, lr=0.1, beta2=0.9, adagrad_lr=2.0):
        t = np.arange(1, BOWL_STEPS + 1)
        runs = {"RMSProp": _bowl_run("RMSProp", lr, beta2), "AdaGrad": _bowl_run("AdaGrad", adagrad_lr, None)}
        smallest = 1e3
        for name, (theta, effective, recovered) in runs.items():
            note = (_("within {tolerance} after {steps} steps").format(tolerance=RECOVERY_TOLERANCE, steps=recovered)
                    if recovered else _("never recovers"))
            self.theta_lines[name].set_data(t, theta)
            self.theta_lines[name].set_label(_("{optimizer}: {note}").format(optimizer=name, note=note))
            self.step_lines[name].set_data(t, effective)
            finite = effective[np.isfinite(effective) & (effective > 0)]
            smallest = min(smallest, finite.min()) if finite.size else smallest
        self.moving("theta legend", self.ax_theta.legend(
            handles=[self.center, *self.theta_lines.values()], fontsize=8, loc="upper right"))
        # once theta sits at a minimum, g ~ 0 and v decays towards 0, so lr / sqrt(v) climbs to lr / eps:
        # harmless (it multiplies a gradient of ~0), and cut off here so that it does not squash the rest.
        # The lower limit at a whole power of ten, so that most moves keep the axes (and the background).
        low = min(1e-3, max(smallest / 2, 1e-9))
        self.ax_step.set_ylim(10.0 ** math.floor(math.log10(low)), 1e3)


EXPLORERS = {
    "lesson04_rmsprop": (RMSPropExplorer, [
        dict(lr=0.05, beta2=0.9, eps=1e-8, steps=100),
        dict(lr=1.0, beta2=0.99, eps=1e-8, steps=300),     # large steps: bounces across the valley
        dict(lr=0.001, beta2=0.0, eps=1e-10, steps=10),    # beta2 = 0: a sign step, no memory
        dict(lr=0.05, beta2=0.999, eps=1.0, steps=200),    # eps dominates: plain gradient descent
    ]),
    "lesson04_changing_bowl": (ChangingBowlExplorer, [
        dict(lr=0.1, beta2=0.9, adagrad_lr=2.0),
        dict(lr=0.001, beta2=0.999, adagrad_lr=0.01),      # both far too slow
        dict(lr=1.0, beta2=0.0, adagrad_lr=30.0),          # huge steps
    ]),
}

__all__ = ["RMSPropExplorer", "ChangingBowlExplorer", "EXPLORERS"]
