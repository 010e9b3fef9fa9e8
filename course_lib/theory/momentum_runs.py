"""Heavy ball, Nesterov and plain gradient descent run on the narrow valley: lesson 02's explorer.

The explorer draws, for one learning rate, the path and the loss of gradient
descent and of momentum (or Nesterov), next to the rate per step that
``momentum_rates.predicted_rate`` reads off the roots of the update::

    path, loss = valley_run(lr=0.1, momentum=0.9, nesterov=False, steps=60)
    loss[t]        # f(theta_t) = 1/2 theta_t^T A theta_t, minimum 0 at the origin

A run is ``course_lib.optim.SGD`` (torch.optim.SGD's update) from the valley's
demo start, cut where it diverges (``landscapes.trajectory``). Runs are
remembered: a student who moves the momentum slider does not rerun gradient
descent, whose run depends on lr and steps only. A remembered run is shared
between callers, so its arrays are read-only.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import landscapes, optim

VALLEY = landscapes.narrow_valley()


@functools.lru_cache(maxsize=64)
def valley_run(lr: float, momentum: float = 0.0, nesterov: bool = False,
               steps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(path, loss) of optim.SGD(lr, momentum, nesterov) on the narrow valley from its demo start.

    path: (n, 2) with n = steps + 1, or fewer if the run diverged; loss: f at each
    row. momentum = 0 is plain gradient descent; nesterov needs momentum > 0.
    Both arrays are read-only (they are shared by every call with these values).
    """
    path = landscapes.trajectory(optim.SGD(lr=lr, momentum=momentum, nesterov=nesterov), VALLEY, steps=steps)
    with np.errstate(all="ignore"):   # a diverged run's last point may overflow f
        loss = VALLEY(path)
    path.flags.writeable = False
    loss.flags.writeable = False
    return path, loss


__all__ = ["VALLEY", "valley_run"]
