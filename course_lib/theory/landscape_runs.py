"""One optimizer, named, run on a test landscape from its demo start: lesson 00's tour.

Lesson 00 lets a student pick any of five optimizers and any of the six test
landscapes of ``course_lib.landscapes`` and watch the run; its table of
"things to try" and its explorer both come from here::

    land, path = optimizer_path("Rosenbrock", "Adam", lr=0.1, steps=300)
    loss_gap(land, path)            # f(theta_t) - f*, t = 0 .. 300, ready for a log scale
    outcome(land, path, 300)        # "after 300 steps: 0.81 from the minimum (1, 1)"

The optimizers are ``course_lib.optim``'s with every hyperparameter but the
learning rate at ``torch.optim``'s default. A run is deterministic and does not
depend on how many steps it will take, so the path of n steps is the first
n + 1 rows of any longer run's path (or all of it, if the run diverged before).
How a run ended (the step it diverged at, the distance to the nearest minimum)
comes from ``course_lib.theory.outcomes``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import optim
from ..i18n import _
from ..landscapes import DIVERGENCE_NORM, LANDSCAPES, Landscape, trajectory
from .outcomes import diverged_at, nearest_minimum

# Display name -> optimizer at a given learning rate, every other
# hyperparameter at torch.optim's default; "Momentum" is torch.optim.SGD with
# momentum=0.9 (heavy ball, lesson 02).
OPTIMIZERS = {
    "SGD": lambda lr: optim.SGD(lr=lr),
    "Momentum": lambda lr: optim.SGD(lr=lr, momentum=0.9),
    "Adam": lambda lr: optim.Adam(lr=lr),
    "RMSProp": lambda lr: optim.RMSprop(lr=lr),
    "AdaGrad": lambda lr: optim.Adagrad(lr=lr),
}

# A loss gap below this is rounding: a log-scale plot floors it here
# (plain gradient descent can land exactly on a minimum, gap 0).
GAP_FLOOR = 1e-16


def make_optimizer(optimizer: str, lr: float):
    """The course_lib optimizer named ``optimizer`` ("SGD", "Momentum", "Adam", "RMSProp", "AdaGrad")."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(map(repr, OPTIMIZERS))}")
    return OPTIMIZERS[optimizer](lr)


def optimizer_path(landscape: str, optimizer: str, lr: float, steps: int) -> tuple[Landscape, np.ndarray]:
    """(the landscape named ``landscape``, the path of ``optimizer`` at ``lr`` from its demo start).

    The path has steps + 1 rows, or fewer if the run diverged (see
    ``course_lib.landscapes.trajectory``).
    """
    if landscape not in LANDSCAPES:
        raise ValueError(f"unknown landscape {landscape!r}; choose one of {', '.join(map(repr, LANDSCAPES))}")
    land = LANDSCAPES[landscape]()
    return land, trajectory(make_optimizer(optimizer, lr), land, steps=int(steps))


def loss_gap(land: Landscape, path: np.ndarray) -> np.ndarray:
    """f(theta_t) - f* along the path, floored at GAP_FLOOR for a log scale;
    inf (a diverged run's overflow) becomes nan, which matplotlib leaves out."""
    with np.errstate(all="ignore"):  # a diverging path overflows on purpose
        gap = land(path) - land.min_value
    return np.where(np.isfinite(gap), np.maximum(gap, GAP_FLOOR), np.nan)


def _power_of_ten(x: float) -> str:
    """1e6 -> "10⁶", in plain text: no "|" or "$" that a Markdown table would misread."""
    return "10" + str(round(math.log10(x))).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def outcome(land: Landscape, path: np.ndarray, steps: int) -> str:
    """One line: diverged at which step, or where the last point ended up."""
    step = diverged_at(path, steps)
    if step is not None:
        return _("diverged: ‖θ‖ > {limit} at step {step}").format(limit=_power_of_ten(DIVERGENCE_NORM), step=step)
    index, distance = nearest_minimum(land, path[-1])
    where = f"({land.minima[index][0]:.3g}, {land.minima[index][1]:.3g})"
    return _("after {steps} steps: {distance} from the minimum {where}").format(
        steps=steps, distance=f"{distance:.2g}", where=where)


__all__ = ["OPTIMIZERS", "GAP_FLOOR", "make_optimizer", "optimizer_path", "loss_gap", "outcome"]
