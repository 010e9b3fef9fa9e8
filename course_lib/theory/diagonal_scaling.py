"""Where AdaGrad's per-coordinate step sizes help, and where they cannot (lesson 03).

AdaGrad multiplies coordinate i's gradient by its own effective step size
lr / (sqrt(G_t,i) + eps), with G_t,i = G_0 + g_1,i^2 + ... + g_t,i^2: a
rescaling of each coordinate axis, never of a direction that mixes them.
Three problems show what that can and cannot do, each against plain SGD:

- ``"aligned valley"``: f = (mu theta_1^2 + L theta_2^2) / 2 with mu = 0.1 and
  L = 5 (lesson 01's narrow valley, its axes on the coordinate axes). The flat
  coordinate's gradients are small, so its effective step grows above lr, the
  steep one's falls below: AdaGrad equalizes the two coordinates.
- ``"valley turned 45°"``: the same valley turned by 45 degrees. Both coordinates
  now mix the flat and the steep direction equally (the Hessian's diagonal is
  (mu + L) / 2 twice), so their effective steps stay close: no rescaling of
  the axes can undo a rotation, and AdaGrad is gradient descent with a
  shrinking step. SGD's path is the aligned one's, turned.
- ``"rare feature"``: the aligned valley, but theta_1's gradient is seen only at
  steps 1, 1 + k, 1 + 2k, ... (k = ``RARE_EVERY``), like the weight of a feature
  present in one example in k; theta_2's, a frequent feature's, at every step.
  G_t,1 grows only at those steps, so theta_1's effective step stays large, where
  SGD, whose lr must stay below 2 / L for theta_2, moves it by lr * 0.1 * theta_1.

Since G_t >= G_0, no effective step ever exceeds ``effective_step_ceiling`` =
lr / (sqrt(G_0) + eps): that ceiling, not the gradients, sets a coordinate's
steps while sqrt(G_t) is not much larger than sqrt(G_0) or eps, which for a
rare coordinate with small gradients lasts a long time.

The runs write AdaGrad's update out with NumPy on two coordinates: the
explorer reruns them on every slider move, and ``optim.Adagrad``'s checks of
its inputs make a step over ten times slower. ``tests/test_explorer_maths_lesson03.py``
checks them against ``optim.Adagrad``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .. import landscapes
from ..i18n import _

MU, L = 0.1, 5.0                   # the valley's curvatures along and across its floor: kappa = 50
RARE_EVERY = 10                    # the rare coordinate's gradient is seen at one step in RARE_EVERY
ALIGNED_START = (-2.5, -0.5)       # lesson 01's start: far along the floor, a little up the wall
PROBLEMS = ("aligned valley", "valley turned 45°", "rare feature")


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def valley(angle: float = 0.0, name: str = "Aligned valley", xlim=(-2.8, 0.8), ylim=(-1.2, 1.2)
           ) -> landscapes.Quadratic:
    """The valley f = (mu u^2 + L v^2) / 2 in coordinates (u, v) turned by ``angle`` (radians).

    The start is ``ALIGNED_START`` turned with it, so every path on a turned
    valley can be compared with the aligned one, turned. The window frames the
    start and the minimum.
    """
    land = landscapes.quadratic(condition_number=L / MU, scale=MU, angle=angle, name=name)
    return replace(land, xlim=xlim, ylim=ylim, start=_rotation(angle) @ np.array(ALIGNED_START), log_scale=True)


@dataclass(frozen=True)
class Problem:
    """A problem of the explorer: a valley, and which steps see theta_1's gradient.

    ``landscape`` is what the contours show; its gradient is the one at every
    step, except that with ``rare_every = k`` theta_1's component is 0 at every
    step t but 1, 1 + k, 1 + 2k, ...
    """

    name: str
    title: str
    landscape: landscapes.Quadratic
    rare_every: int | None = None

    def grad(self, theta: np.ndarray, t: int) -> np.ndarray:
        """The gradient used at step t (t counted from 1) at the point theta."""
        g = self.landscape.hessian @ theta
        if self.rare_every is not None and not rare_feature_seen(t, self.rare_every):
            g[0] = 0.0
        return g


def rare_feature_seen(t: int, every: int = RARE_EVERY) -> bool:
    """Whether step t (counted from 1) sees the rare coordinate's gradient: t = 1, 1 + every, 1 + 2 every, ..."""
    if t < 1:
        raise ValueError(f"steps are counted from 1, got t = {t}")
    return (t - 1) % every == 0


def problem(name: str) -> Problem:
    """The explorer's problem called ``name``, one of ``PROBLEMS``."""
    if name == "aligned valley":
        return Problem(name, _("Aligned valley: L = {L} across, μ = {mu} along").format(L=f"{L:g}", mu=f"{MU:g}"),
                       valley())
    if name == "valley turned 45°":
        return Problem(name, _("The same valley turned by 45°"), valley(math.pi / 4, "Valley turned 45°",
                                                                          (-2.6, 1.0), (-2.6, 1.0)))
    if name == "rare feature":
        return Problem(name, _("Aligned valley, θ1's gradient seen at 1 step in {every}").format(every=RARE_EVERY), valley(),
                       rare_every=RARE_EVERY)
    raise ValueError(f"problem must be one of {', '.join(repr(p) for p in PROBLEMS)}; got {name!r}")


def effective_step_ceiling(lr: float, eps: float, initial_accumulator_value: float) -> float:
    """lr / (sqrt(G_0) + eps): no effective step of AdaGrad exceeds it, since G_t >= G_0."""
    return lr / (math.sqrt(initial_accumulator_value) + eps)


def adagrad_run(name: str, lr: float, eps: float = 1e-10, initial_accumulator_value: float = 0.0,
                steps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """AdaGrad on problem ``name``: its path (steps + 1, 2) and its effective steps (steps, 2).

    Row t - 1 of the effective steps is lr / (sqrt(G_t) + eps) per coordinate,
    the factor that multiplied g_t at step t.
    """
    prob = problem(name)
    theta = np.array(prob.landscape.start, dtype=np.float64)
    G = np.full(2, float(initial_accumulator_value))
    path, effective = [theta], []
    for t in range(1, steps + 1):
        g = prob.grad(theta, t)
        G = G + g * g                               # G_t = G_{t-1} + g_t^2
        step_size = lr / (np.sqrt(G) + eps)         # eps outside the root, as torch
        theta = theta - step_size * g
        path.append(theta)
        effective.append(step_size)
    return np.array(path), np.array(effective).reshape(steps, 2)


def sgd_run(name: str, lr: float, steps: int = 60) -> np.ndarray:
    """Plain SGD (theta <- theta - lr g) on problem ``name``: its path, cut where it diverges.

    As ``landscapes.trajectory``: the first point that is not finite or lies
    farther than ``landscapes.DIVERGENCE_NORM`` from the origin ends the path.
    """
    prob = problem(name)
    theta = np.array(prob.landscape.start, dtype=np.float64)
    path = [theta]
    with np.errstate(all="ignore"):   # lr > 2 / L diverges, on purpose
        for t in range(1, steps + 1):
            theta = theta - lr * prob.grad(theta, t)
            distance = math.hypot(theta[0], theta[1])   # inf or nan once a coordinate is
            if math.isfinite(distance):
                path.append(theta)
            if not math.isfinite(distance) or distance > landscapes.DIVERGENCE_NORM:
                break
    return np.array(path)


__all__ = ["MU", "L", "RARE_EVERY", "ALIGNED_START", "PROBLEMS", "Problem", "valley", "problem",
           "rare_feature_seen", "effective_step_ceiling", "adagrad_run", "sgd_run"]
