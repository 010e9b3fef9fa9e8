"""Lesson 08 (AMSGrad): the explorer of Reddi, Kale and Kumar's counterexample.

- ``reddi_explorer(C, beta1, beta2, alpha, steps)``: Adam and AMSGrad (torch's
  form) playing the online problem f_t(x) = C x if t % 3 == 1 else -x on
  [-1, 1] from x_1 = 0 with alpha_t = alpha / sqrt(t). Left: the points x_t
  played; right: the average regret R_t / t, with Adam's limit (2C - 4) / 3
  when it sits at the worst point x = +1.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim, schedules
from ..plots import color_for


def reddi_explorer(C: float = 3.0, beta1: float = 0.0, beta2: float = 0.1, alpha: float = 0.5, steps: int = 600):
    """x_t and R_t / t of Adam and AMSGrad on ReddiOnlineProblem(C), the same betas for both."""
    problem = landscapes.ReddiOnlineProblem(C)
    schedule = schedules.InverseSqrtLR(alpha)
    runs = {name: problem.run(opt(betas=(beta1, beta2)), steps, x0=0.0, schedule=schedule)
            for name, opt in (("Adam", optim.Adam), ("AMSGrad", optim.AMSGrad))}
    t = np.arange(1, steps + 1)

    fig, (ax_x, ax_r) = plt.subplots(1, 2, figsize=(11.5, 4.3))
    for name, run in runs.items():
        ax_x.plot(t, run.x, color=color_for(name), lw=1.2, label=f"{name}: ends at x = {run.x[-1]:+.2f}")
        ax_r.plot(t, run.average_regret, color=color_for(name), lw=1.4, label=name)
    ax_x.axhline(problem.x_star, color="black", lw=0.8, ls=":", label=r"best point $x^* = -1$")
    ax_x.set(xscale="log", ylim=(-1.08, 1.08), xlabel="step t", ylabel=r"$x_t$, the point played",
             title=f"C = {C:.3g}, betas = ({beta1:.3g}, {beta2:.3g}), alpha = {alpha:.3g}")
    ax_x.legend(fontsize=8, loc="lower left")

    limit = (2 * C - 4) / 3
    ax_r.axhline(limit, color=color_for("Adam"), lw=0.8, ls="--", label=f"(2C - 4) / 3 = {limit:.3g}: stuck at +1")
    ax_r.axhline(0.0, color="black", lw=0.8)
    ax_r.set(xscale="log", xlabel="step t", ylabel=r"average regret $R_t / t$",
             title="Average regret: does it go to 0?")
    bound = math.sqrt(1 - beta2)
    holds = "holds" if alpha < bound else "does not hold"
    ax_r.text(0.98, 0.04, f"Theorem 1 of the paper needs alpha < sqrt(1 - beta2) = {bound:.3g}: {holds}",
              transform=ax_r.transAxes, ha="right", fontsize=7.5, color="0.3",
              bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    ax_r.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.25)
    return fig


EXPLORERS = {
    "lesson08_reddi": (reddi_explorer, [
        dict(C=3.0, beta1=0.0, beta2=0.1, alpha=0.5, steps=600),      # the paper's setting: Adam fails
        dict(C=3.0, beta1=0.9, beta2=0.999, alpha=0.5, steps=600),    # the default betas: Adam is fine
        dict(C=2.05, beta1=0.0, beta2=0.0, alpha=2.0, steps=2000),    # every slider at an end: v = g^2, signSGD
        dict(C=10.0, beta1=0.99, beta2=0.999, alpha=0.01, steps=30),  # a tiny alpha, few steps
        dict(C=6.0, beta1=0.5, beta2=0.5, alpha=0.1, steps=300),
    ]),
}
