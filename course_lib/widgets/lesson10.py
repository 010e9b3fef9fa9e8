"""Lesson 10 (beyond Adam): learning-rate schedules and Lookahead, with their explorers.

- ``make_schedule(kind, base_lr, warmup, total_steps)``: one schedule by name.
- ``noisy_quadratic_losses(schedule_list, steps)``: SGD on a quadratic with noisy
  gradients under each schedule, the loss averaged over many runs.
- ``lookahead_paths(inner, k, alpha, landscape, steps)``: the fast and the slow
  weights of Lookahead, step by step.
- ``lookahead_cycle_factor`` and ``lookahead_lr_limit``: what one Lookahead cycle
  of k gradient-descent steps does on a quadratic.
- ``schedule_explorer(kind, base_lr, warmup, total_steps)`` and
  ``lookahead_explorer(k, alpha, lr, inner)``: the lesson's two explorers.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import landscapes, optim, schedules
from ..optim._base import positive_int
from ..plots import color_for, colors_for, plot_landscape


# --- schedules ------------------------------------------------------------------


SCHEDULE_KINDS = ("constant", "step", "1/sqrt(t)", "cosine", "warmup + cosine", "one-cycle", "trapezoid")


def make_schedule(kind: str, base_lr: float, warmup: int, total_steps: int):
    """The schedule ``kind`` (one of SCHEDULE_KINDS) for a run of total_steps steps.

    ``warmup`` is the number of warmup steps of the schedules that have one
    (warmup + cosine, one-cycle, trapezoid; clipped to 1..total_steps - 1); the
    others ignore it. "step" divides the rate by 10 every third of the run; the
    trapezoid decays linearly over the last 30% of it.
    """
    total_steps = positive_int("total_steps", total_steps)
    warmup = min(max(int(warmup), 1), total_steps - 1)
    if kind == "constant":
        return schedules.ExponentialLR(base_lr, gamma=1.0)
    if kind == "step":
        return schedules.StepLR(base_lr, step_size=max(1, total_steps // 3), gamma=0.1)
    if kind == "1/sqrt(t)":
        return schedules.InverseSqrtLR(base_lr)
    if kind == "cosine":
        return schedules.CosineAnnealingLR(base_lr, T_max=total_steps)
    if kind == "warmup + cosine":
        return schedules.WarmupCosineLR(base_lr, warmup_steps=warmup, total_steps=total_steps)
    if kind == "one-cycle":
        return schedules.OneCycleLR(base_lr, total_steps=total_steps, pct_start=warmup / total_steps)
    if kind == "trapezoid":
        decay = max(1, round(0.3 * total_steps))
        return schedules.TrapezoidLR(base_lr, warmup_steps=min(warmup, total_steps - decay), decay_steps=decay,
                                     total_steps=total_steps)
    raise ValueError(f"kind must be one of {', '.join(map(repr, SCHEDULE_KINDS))}, got {kind!r}")


# The noisy problem of the schedule explorer: curvatures 1 and 10, unit gradient noise.
NOISY_BOWL = landscapes.quadratic(condition_number=10.0)
GRADIENT_NOISE = 1.0
PLOT_CEILING = 1e3


def noise_floor(lr: float, curvatures=(1.0, 10.0), sigma: float = GRADIENT_NOISE) -> float:
    """E[f] where SGD with a constant lr settles on f = sum_i lam_i x_i^2 / 2 with N(0, sigma^2) gradient noise.

    Along curvature lam the error obeys x <- (1 - lr lam) x - lr sigma z, whose
    stationary variance is lr sigma^2 / (lam (2 - lr lam)); so E[f] =
    sum_i lr sigma^2 / (2 (2 - lr lam_i)): roughly proportional to lr (inf when lr >= 2 / L).
    """
    if any(lr * lam >= 2 for lam in curvatures):
        return math.inf
    return sum(lr * sigma**2 / (2 * (2 - lr * lam)) for lam in curvatures)


def noisy_quadratic_losses(schedule_list, steps: int, runs: int = 200, seed: int = 0) -> np.ndarray:
    """Mean loss of SGD on NOISY_BOWL under each schedule of ``schedule_list``, after every step.

    Returns an array (len(schedule_list), steps + 1): column 0 is the loss at the
    start, column n + 1 the mean over ``runs`` runs after step n, taken with
    lr = schedule(n). Every schedule sees the same noise. Plain SGD,
    x <- x - lr (grad f(x) + noise), written out so that a few thousand steps
    of all runs at once cost milliseconds; a diverging run gives inf.
    """
    rng = np.random.default_rng(seed)
    lrs = np.array([[schedule(n) for schedule in schedule_list] for n in range(steps)])  # (steps, S)
    noise = GRADIENT_NOISE * rng.normal(size=(steps, runs, 2))
    hessian = NOISY_BOWL.hessian  # f(x) = x^T H x / 2, grad f(x) = H x
    x = np.broadcast_to(NOISY_BOWL.start, (len(schedule_list), runs, 2)).copy()
    losses = np.empty((len(schedule_list), steps + 1))
    with np.errstate(all="ignore"):
        losses[:, 0] = 0.5 * np.einsum("sri,ij,srj->s", x, hessian, x) / runs
        for n in range(steps):
            x = x - lrs[n][:, None, None] * (x @ hessian + noise[n])
            losses[:, n + 1] = 0.5 * np.einsum("sri,ij,srj->s", x, hessian, x) / runs
    return np.where(np.isfinite(losses), losses, np.inf)


def schedule_explorer(kind: str = "warmup + cosine", base_lr: float = 0.1, warmup: int = 50,
                      total_steps: int = 500):
    """Left: the schedule's learning rate at every step. Right: SGD on a noisy quadratic
    under it, against a constant lr = base_lr, with the constant lr's noise floor."""
    total_steps = int(total_steps)
    schedule = make_schedule(kind, base_lr, warmup, total_steps)
    lrs = np.array([schedule(n) for n in range(total_steps)])
    scheduled, constant = noisy_quadratic_losses([schedule, make_schedule("constant", base_lr, warmup, total_steps)],
                                                 total_steps)

    fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    colors = colors_for([kind, "constant"])
    ax_lr.plot(np.arange(total_steps), lrs, color=colors[kind], lw=1.8, label=kind)
    ax_lr.axhline(base_lr, color=colors["constant"], lw=1.0, ls="--", label="constant base_lr")
    ax_lr.set(xlabel="step n", ylabel="learning rate", title=f"{kind}: the learning rate at each step")
    ax_lr.legend(loc="best")

    steps = np.arange(total_steps + 1)
    # a diverging run is drawn along the top edge (PLOT_CEILING) instead of vanishing
    ax_loss.plot(steps, np.minimum(scheduled, PLOT_CEILING), color=colors[kind], lw=1.5, label=kind)
    ax_loss.plot(steps, np.minimum(constant, PLOT_CEILING), color=colors["constant"], lw=1.0, alpha=0.8,
                 label=f"constant lr = {base_lr:.3g}")
    floor = noise_floor(base_lr)
    if math.isfinite(floor):
        ax_loss.axhline(floor, color="black", lw=0.8, ls=":", label="noise floor of the constant lr")
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-4, PLOT_CEILING)
    ax_loss.set(xlabel="step n", ylabel="mean loss over 200 runs")

    def ending(losses):
        return "diverged" if not losses[-1] < PLOT_CEILING else f"{losses[-1]:.2g}"

    ax_loss.set_title(f"SGD with noisy gradients on a quadratic\nfinal loss: {ending(scheduled)} ({kind}), "
                      f"{ending(constant)} (constant lr)", fontsize=9)
    ax_loss.legend(loc="upper right", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.87, wspace=0.25)
    return fig


# --- Lookahead --------------------------------------------------------------------


VALLEY = landscapes.narrow_valley()


def lookahead_paths(inner, k: int, alpha: float, landscape=VALLEY, steps: int = 60, start=None):
    """Run optim.Lookahead(inner, k, alpha) and return (fast, slow).

    fast: (steps + 1, 2), the start and the fast weights after every step (what
    Lookahead.step returns); shorter if the run diverges (a point beyond 1e6 or
    not finite ends it, as in landscapes.trajectory).
    slow: (steps // k + 1, 2), the slow weights phi at the start and after every
    synchronisation (every k-th step), the points Lookahead should be judged by.
    """
    lookahead = optim.Lookahead(inner, k=k, alpha=alpha)
    theta = np.array(landscape.start if start is None else start, dtype=np.float64)
    state = lookahead.init(theta)
    fast, slow = [theta], [theta]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta, state = lookahead.step(theta, landscape.grad(theta), state)
            if not np.all(np.isfinite(theta)) or np.linalg.norm(theta) > landscapes.DIVERGENCE_NORM:
                break
            fast.append(theta)
            if state.t % k == 0:
                slow.append(state.slow)
    return np.array(fast), np.array(slow)


def lookahead_cycle_factor(lr: float, curvature: float, k: int, alpha: float) -> float:
    """What one Lookahead cycle (k steps of gradient descent, then phi += alpha (theta - phi))
    multiplies the error along an eigenvector of curvature lam by, on a quadratic:

        (1 - alpha) + alpha (1 - lr lam)^k

    (k plain steps alone multiply it by (1 - lr lam)^k).
    """
    return (1 - alpha) + alpha * (1 - lr * curvature) ** k


def lookahead_lr_limit(L: float, k: int, alpha: float) -> float:
    """The largest lr for which Lookahead(gradient descent) converges on a quadratic with top curvature L.

    |1 - alpha + alpha r^k| < 1 with r = 1 - lr L. For even k, r^k >= 0 and
    the condition is |r| < 1, lr < 2 / L as for gradient descent alone. For odd
    k, r^k may be negative down to 1 - 2 / alpha: lr < (1 + (2 / alpha - 1)^(1/k)) / L.
    """
    if alpha == 0 or k % 2 == 0:
        return math.inf if alpha == 0 else 2.0 / L
    return (1 + (2 / alpha - 1) ** (1 / k)) / L


INNER_OPTIMIZERS = ("SGD", "SGD + momentum 0.9", "Adam")


def _inner(name: str, lr: float):
    if name == "SGD":
        return optim.SGD(lr=lr)
    if name == "SGD + momentum 0.9":
        return optim.SGD(lr=lr, momentum=0.9)
    if name == "Adam":
        return optim.Adam(lr=lr)
    raise ValueError(f"inner must be one of {', '.join(map(repr, INNER_OPTIMIZERS))}, got {name!r}")


def lookahead_explorer(k: int = 5, alpha: float = 0.5, lr: float = 0.39, inner: str = "SGD", steps: int = 80):
    """Lookahead(inner) against inner alone on the narrow valley: paths (left) and f - f* (right).

    Lookahead is judged at its slow weights (the thick path and curve); its fast
    weights (thin) are what Lookahead.step returns between synchronisations.
    """
    k, steps = int(k), int(steps)
    optimizer = _inner(inner, lr)
    alone = landscapes.trajectory(optimizer, VALLEY, steps=steps)
    fast, slow = lookahead_paths(optimizer, k, alpha, VALLEY, steps)

    labels = {"alone": f"{inner} alone", "fast": "Lookahead, fast weights", "slow": "Lookahead, slow weights"}
    colors = colors_for(labels.values())
    colors[labels["slow"]] = color_for("Lookahead")
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.25, 1]})
    plot_landscape(VALLEY, ax=ax_path, resolution=120)
    ax_path.plot(alone[:, 0], alone[:, 1], "-", color=colors[labels["alone"]], lw=1.0, alpha=0.7,
                 label=labels["alone"])
    ax_path.plot(fast[:, 0], fast[:, 1], "-", color=colors[labels["fast"]], lw=0.9, label=labels["fast"])
    ax_path.plot(slow[:, 0], slow[:, 1], "-o", color=colors[labels["slow"]], lw=2.4, ms=5,
                 label=labels["slow"], zorder=4)
    ax_path.set_xlim(VALLEY.xlim)
    ax_path.set_ylim(VALLEY.ylim)
    ax_path.set_autoscale_on(False)
    ax_path.legend(loc="lower right", fontsize=8)
    ax_path.set_title(f"{VALLEY.name}: Lookahead(k={k}, alpha={alpha:.2g}) around {inner}, lr = {lr:.3g}",
                      fontsize=9)

    def gap(path):  # f - f*, capped so that a diverging run runs along the top edge
        with np.errstate(all="ignore"):
            return np.minimum(VALLEY(path) - VALLEY.min_value, 1e4)

    alone_diverged = len(alone) < steps + 1 or not gap(alone)[-1] < 1e4
    ax_loss.plot(np.arange(len(alone)), gap(alone), color=colors[labels["alone"]], lw=1.2,
                 label=labels["alone"] + (" (diverged)" if alone_diverged else ""))
    ax_loss.plot(np.arange(len(fast)), gap(fast), color=colors[labels["fast"]], lw=0.8, label=labels["fast"])
    ax_loss.plot(k * np.arange(len(slow)), gap(slow), "-o", color=colors[labels["slow"]], lw=2.0, ms=4,
                 label=labels["slow"])
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-12, 1e4)
    ax_loss.set(xlabel="gradient evaluations (steps)", ylabel=r"$f - f^*$")
    if inner == "SGD":
        steep = abs(lookahead_cycle_factor(lr, VALLEY.L, k, alpha))
        alone_steep = abs(1 - lr * VALLEY.L) ** k
        ax_loss.set_title(f"steep direction, per {k} steps: x{steep:.3g} (Lookahead), x{alone_steep:.3g} (SGD alone)\n"
                          f"Lookahead converges for lr < {lookahead_lr_limit(VALLEY.L, k, alpha):.3g}, "
                          f"SGD alone for lr < {2 / VALLEY.L:.3g}", fontsize=9)
    else:
        ax_loss.set_title(f"loss against steps ({inner} inside)", fontsize=10)
    ax_loss.legend(loc="lower left", fontsize=8)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.87, wspace=0.2)
    return fig


EXPLORERS = {
    "lesson10_schedule": (schedule_explorer, [
        dict(kind="warmup + cosine", base_lr=0.1, warmup=50, total_steps=500),
        dict(kind="constant", base_lr=0.001, warmup=0, total_steps=100),
        # above 2 / L = 0.2 for the constant lr: it diverges; the decaying schedules recover late or not at all
        dict(kind="one-cycle", base_lr=0.5, warmup=300, total_steps=1000),
        dict(kind="step", base_lr=0.15, warmup=10, total_steps=300),
        dict(kind="1/sqrt(t)", base_lr=0.19, warmup=1, total_steps=1000),
        dict(kind="trapezoid", base_lr=0.05, warmup=400, total_steps=500),
        dict(kind="cosine", base_lr=0.01, warmup=50, total_steps=1000),
    ]),
    "lesson10_lookahead": (lookahead_explorer, [
        dict(k=5, alpha=0.5, lr=0.39, inner="SGD"),
        # above 2 / L = 0.4: SGD alone diverges, Lookahead with odd k does not (up to its own limit)
        dict(k=5, alpha=0.5, lr=0.42, inner="SGD"),
        dict(k=1, alpha=1.0, lr=0.5, inner="SGD"),
        dict(k=20, alpha=0.1, lr=0.01, inner="SGD + momentum 0.9"),
        dict(k=2, alpha=0.8, lr=0.3, inner="Adam"),
    ]),
}

__all__ = ["SCHEDULE_KINDS", "make_schedule", "noise_floor", "noisy_quadratic_losses",
           "schedule_explorer", "lookahead_paths", "lookahead_cycle_factor", "lookahead_lr_limit",
           "lookahead_explorer", "EXPLORERS"]
