"""Adam and AMSGrad playing Reddi, Kale and Kumar's online game, and where a setting stands
against their Theorem 1 (lesson 08's explorer).

- ``play(C, beta1, beta2, lr, steps, amsgrad)``: the points x_1..x_T and the regret of
  ``optim.Adam`` (or ``optim.AMSGrad``, torch's form, both with their default eps) on
  ``landscapes.ReddiOnlineProblem(C)`` from x_1 = 0 with alpha_t = lr / sqrt(t): what
  ``ReddiOnlineProblem.run`` returns with ``schedule=schedules.InverseSqrtLR(lr)``, point for
  point, in about a third of its time; a game played before is continued, not replayed.
- ``adam_stuck_average_regret(C)``: (2C - 4) / 3, the average regret of a learner that
  plays x = +1 for ever (lesson 08 derives it: each period of three steps costs 2C - 4).
- ``theorem1_note(C, beta1, beta2, lr)``: one sentence, either Theorem 1's setting
  and what the paper proves there, or what differs from it (``reddi_counterexamples``).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from .. import landscapes, optim
from ..i18n import _
from ..validation import positive_int
from .reddi_counterexamples import theorem1_mismatches

START = 0.0        # x_1, the first point played (the lesson's choice; the paper leaves it open)
KEPT_GAMES = 64    # games kept to be continued: an explorer's recent settings


class _Game:
    """One optimizer's game, played so far: the points, and the point and state to go on from."""

    def __init__(self, C: float, beta1: float, beta2: float, lr: float, amsgrad: bool):
        self.problem = landscapes.ReddiOnlineProblem(C)
        self.optimizer = (optim.AMSGrad if amsgrad else optim.Adam)(betas=(beta1, beta2))
        self.lr = lr
        self.x, self.state = START, self.optimizer.init_one(np.float64(START))
        self.points: list[float] = []

    def play_to(self, steps: int) -> None:
        """What ReddiOnlineProblem.run does at each step, with the optimizer's update_one on plain
        floats (run checks and converts its arrays at every step: two thirds of its time)."""
        C = self.problem.C
        for t in range(len(self.points) + 1, steps + 1):
            self.points.append(self.x)                 # x_t, the point played at step t
            g = C if t % 3 == 1 else -1.0              # f_t'(x_t)
            # InverseSqrtLR(lr) asked with n = t - 1 steps taken, as run asks its schedule
            x, self.state = self.optimizer.with_lr(self.lr / math.sqrt(t)).update_one(self.x, g, self.state)
            self.x = min(max(float(x), -1.0), 1.0)     # back into [-1, 1]; the state is kept


_games: OrderedDict = OrderedDict()


def play(C: float, beta1: float, beta2: float, lr: float, steps: int, amsgrad: bool = False) -> landscapes.ReddiRun:
    """Adam (amsgrad=False) or AMSGrad on the game of ``C`` from x_1 = 0, alpha_t = lr / sqrt(t).

    The points of a game do not depend on how long it goes on, so a game played before
    with the same C, betas and lr is continued (or cut) to ``steps``.
    """
    steps = positive_int("steps", steps)
    key = (float(C), float(beta1), float(beta2), float(lr), bool(amsgrad))
    game = _games.pop(key, None) or _Game(*key)
    _games[key] = game                                 # the most recent last
    while len(_games) > KEPT_GAMES:
        _games.popitem(last=False)
    game.play_to(steps)
    x = np.array(game.points[:steps])
    regret = game.problem.regret(x)
    return landscapes.ReddiRun(x=x, regret=regret, average_regret=regret / np.arange(1, steps + 1))


def adam_stuck_average_regret(C: float) -> float:
    """(2C - 4) / 3: the regret per step of playing x = +1 against x* = -1.

    A period of three steps costs C * 1 - C * (-1) = 2C for the step with slope C and
    (-1) - (+1) = -2 for each of the two with slope -1.
    """
    return (2.0 * C - 4.0) / 3.0


def theorem1_note(C: float, beta1: float, beta2: float, lr: float,
                  beta1_tolerance: float = 0.0, beta2_tolerance: float = 0.0) -> str:
    """One line: Theorem 1's setting (beta1 = 0 and beta2 = 1/(1+C^2) within the tolerances,
    lr < sqrt(1 - beta2)) and what the paper proves there, or what differs from it."""
    mismatches = theorem1_mismatches(C, beta1, beta2, lr, beta1_tolerance=beta1_tolerance,
                                     beta2_tolerance=beta2_tolerance)
    if not mismatches:
        return _("Theorem 1's setting (β1 = 0, β2 = 1/(1+C²), lr < √(1−β2)): "
                 "the paper proves that Adam (without bias correction) converges to the worst point, x = +1.")
    return _("Not Theorem 1's setting: {mismatches}.").format(mismatches=_("; ").join(mismatches))


__all__ = ["START", "KEPT_GAMES", "play", "adam_stuck_average_regret", "theorem1_note"]
