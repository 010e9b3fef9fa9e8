"""Lesson 08 (AMSGrad): the explorer of Reddi, Kale and Kumar's counterexample.

- ``reddi_explorer(C, beta1, beta2, lr, steps)``: Adam and AMSGrad (torch's form)
  playing the online problem f_t(x) = C x if t % 3 == 1 else -x on [-1, 1] from
  x_1 = 0 with alpha_t = lr / sqrt(t). Left: the points x_t played; right: the
  average regret R_t / t on log axes, with Adam's limit (2C - 4) / 3 when it sits
  at the worst point x = +1. Below the panels: whether the sliders are in the
  setting of the paper's Theorem 1, and if not, what differs.

``SLIDER_STEPS`` are the steps of the lesson's beta sliders: the explorer counts a
beta as Theorem 1's when it is within half a step of it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .. import landscapes, optim, schedules
from ..plots import style_for
from ..theory.reddi_counterexamples import theorem1_mismatches

SLIDER_STEPS = {"beta1": 0.01, "beta2": 0.001}


def theorem1_note(C: float, beta1: float, beta2: float, lr: float) -> str:
    """One line: in Theorem 1's setting (within half a slider step), or what differs from it."""
    mismatches = theorem1_mismatches(C, beta1, beta2, lr, beta1_tolerance=SLIDER_STEPS["beta1"] / 2,
                                     beta2_tolerance=SLIDER_STEPS["beta2"] / 2)
    if not mismatches:
        return ("Theorem 1's setting (β1 = 0, β2 = 1/(1+C²), lr < √(1−β2)): "
                "the paper proves that Adam (without bias correction) converges to the worst point, x = +1.")
    return "Not Theorem 1's setting: " + "; ".join(mismatches) + "."


def _log_spaced(steps: int, count: int = 12) -> np.ndarray:
    """Indices of about ``count`` markers evenly spaced on a log axis of steps 1..steps."""
    return np.unique(np.geomspace(1, steps, count).astype(int)) - 1


def reddi_explorer(C: float = 3.0, beta1: float = 0.0, beta2: float = 0.1, lr: float = 0.5, steps: int = 600):
    """x_t and R_t / t of Adam and AMSGrad on ReddiOnlineProblem(C), the same betas for both."""
    problem = landscapes.ReddiOnlineProblem(C)
    schedule = schedules.InverseSqrtLR(lr)
    runs = {name: problem.run(opt(betas=(beta1, beta2)), steps, x0=0.0, schedule=schedule)
            for name, opt in (("Adam", optim.Adam), ("AMSGrad", optim.AMSGrad))}
    t = np.arange(1, steps + 1)

    fig, (ax_x, ax_r) = plt.subplots(1, 2, figsize=(11.5, 4.6))
    # Adam solid, wide and drawn first; AMSGrad dotted, with hollow markers, on top: where the
    # two agree (the default betas) both stay visible
    looks = {"Adam": dict(lw=2.4),
             "AMSGrad": dict(lw=1.6, marker="o", ms=4.5, mfc="white", markevery=_log_spaced(steps))}
    for name, run in runs.items():
        ax_x.plot(t, run.x, **style_for(name), **looks[name], label=f"{name}: ends at x = {run.x[-1]:+.2f}")
        # R_t can dip below 0 early on; a log axis drops those points
        positive = np.where(run.average_regret > 0, run.average_regret, np.nan)
        ax_r.plot(t, positive, **style_for(name), **looks[name], label=name)
    ax_x.axhline(problem.x_star, color="0.4", lw=0.8, ls="--", label=r"best point $x^* = -1$")
    ax_x.set(xscale="log", ylim=(-1.08, 1.6), yticks=[-1, -0.5, 0, 0.5, 1], xlabel="step t",
             ylabel=r"$x_t$, the point played", title=f"C = {C:.3g}, betas = ({beta1:.3g}, {beta2:.3g}), lr = {lr:.3g}")
    ax_x.legend(fontsize=8, loc="upper center", ncol=2)   # above x = 1, where no point can be

    limit = (2 * C - 4) / 3
    ax_r.axhline(limit, color="0.4", lw=0.9, ls="--", label=f"(2C − 4)/3 = {limit:.3g}: Adam stuck at +1")
    end = runs["AMSGrad"].average_regret[-1]
    if end > 0:  # a guide of slope -1/2 through AMSGrad's last point
        ax_r.plot(t, end * np.sqrt(steps / t), color="0.55", lw=0.9, ls="-.", label=r"$\propto 1/\sqrt{t}$")
    shown = np.concatenate([r.average_regret for r in runs.values()] + [[limit]])
    shown = shown[shown > 0]
    # room above the curves (which start at R_1 = C) for the legend
    ax_r.set(xscale="log", yscale="log", ylim=(shown.min() / 1.5, shown.max() * 12), xlabel="step t",
             ylabel=r"average regret $R_t / t$ (log scale)", title="Average regret: does it go to 0?")
    ax_r.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax_r.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax_r.yaxis.set_minor_formatter(NullFormatter())
    ax_r.legend(fontsize=8, loc="upper right", ncol=2)
    fig.text(0.5, 0.015, theorem1_note(C, beta1, beta2, lr), ha="center", va="bottom", fontsize=9, color="0.2")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.92, wspace=0.25)
    return fig


EXPLORERS = {
    "lesson08_reddi": (reddi_explorer, [
        dict(C=3.0, beta1=0.0, beta2=0.1, lr=0.5, steps=600),        # the paper's setting: Adam fails
        dict(C=3.0, beta1=0.9, beta2=0.999, lr=0.5, steps=600),      # the default betas: Adam is fine
        dict(C=2.05, beta1=0.0, beta2=0.192, lr=0.5, steps=2000),    # Theorem 1 at the smallest C, within a slider step
        dict(C=2.05, beta1=0.0, beta2=0.0, lr=2.0, steps=2000),      # every slider at an end: v = g^2, signSGD
        dict(C=10.0, beta1=0.99, beta2=0.999, lr=0.01, steps=30),    # a tiny lr, few steps
        dict(C=6.0, beta1=0.5, beta2=0.5, lr=0.1, steps=300),
    ]),
}
