"""Learning-rate schedules as plain functions of the step number.

A schedule is called with n, the number of optimizer steps already taken
(torch's ``last_epoch``), and returns the learning rate for the next step::

    schedule = CosineAnnealingLR(base_lr=0.1, T_max=100)
    for n in range(100):
        opt = opt.with_lr(schedule(n))
        params, state = opt.step(params, grads, state)

Each gives the same values as the torch.optim.lr_scheduler class of the same
name stepped once per optimizer step (the tests check it), written in closed
form so that the formula is what a student reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .validation import Validated, flag, nonnegative, positive, positive_int, unit_interval_closed


def _check_step(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"a schedule is called with the number of steps taken, an int >= 0; got {n!r}")
    return n


class Schedule(Validated):
    """Base of the schedules: frozen dataclasses whose ``lr(n)`` is the formula."""

    def __call__(self, n: int) -> float:
        return self.lr(_check_step(n))

    def lr(self, n: int) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class StepLR(Schedule):
    """base_lr * gamma^floor(n / step_size): drop by gamma every step_size steps."""

    base_lr: float
    step_size: int
    gamma: float = 0.1
    rules = {"base_lr": nonnegative, "step_size": positive_int, "gamma": nonnegative}

    def lr(self, n):
        return self.base_lr * self.gamma ** (n // self.step_size)


@dataclass(frozen=True)
class ExponentialLR(Schedule):
    """base_lr * gamma^n."""

    base_lr: float
    gamma: float
    rules = {"base_lr": nonnegative, "gamma": nonnegative}

    def lr(self, n):
        return self.base_lr * self.gamma**n


@dataclass(frozen=True)
class CosineAnnealingLR(Schedule):
    """eta_min + (base_lr - eta_min) * (1 + cos(pi n / T_max)) / 2 (Loshchilov and Hutter's SGDR, one cycle)."""

    base_lr: float
    T_max: int
    eta_min: float = 0.0
    rules = {"base_lr": nonnegative, "T_max": positive_int, "eta_min": nonnegative}

    def lr(self, n):
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * n / self.T_max)) / 2


@dataclass(frozen=True)
class LinearLR(Schedule):
    """Linear warmup: base_lr times a factor going from start_factor to end_factor over total_iters steps."""

    base_lr: float
    start_factor: float = 1.0 / 3
    end_factor: float = 1.0
    total_iters: int = 5
    rules = {"base_lr": nonnegative, "start_factor": positive, "end_factor": unit_interval_closed,
             "total_iters": positive_int}

    def check_combination(self):
        if self.start_factor > 1:
            raise ValueError(f"start_factor must be in (0, 1], got {self.start_factor}")

    def lr(self, n):
        progress = min(n, self.total_iters) / self.total_iters
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


@dataclass(frozen=True)
class OneCycleLR(Schedule):
    """Smith's one-cycle policy: warm up from max_lr / div_factor to max_lr over the first
    pct_start of total_steps, then anneal to max_lr / (div_factor * final_div_factor).

    With three_phase=True the second phase comes back down to the initial
    lr symmetrically and a third phase anneals to the minimum. (torch also
    cycles the momentum; here only the learning rate is scheduled.)
    """

    max_lr: float
    total_steps: int
    pct_start: float = 0.3
    anneal_strategy: str = "cos"
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    three_phase: bool = False
    rules = {"max_lr": nonnegative, "total_steps": positive_int, "pct_start": unit_interval_closed,
             "div_factor": positive, "final_div_factor": positive, "three_phase": flag}

    def check_combination(self):
        if self.anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {self.anneal_strategy!r}")

    def phases(self):
        """(end_step, start_lr, end_lr) of each phase, as torch lays them out."""
        initial = self.max_lr / self.div_factor
        minimum = initial / self.final_div_factor
        warm_end = self.pct_start * self.total_steps - 1
        last = self.total_steps - 1
        if self.three_phase:
            return [(warm_end, initial, self.max_lr),
                    (2 * self.pct_start * self.total_steps - 2, self.max_lr, initial),
                    (last, initial, minimum)]
        return [(warm_end, initial, self.max_lr), (last, self.max_lr, minimum)]

    def lr(self, n):
        if n > self.total_steps:
            raise ValueError(f"OneCycleLR was built for total_steps={self.total_steps}, asked for step {n}")
        start_step = 0.0
        phases = self.phases()
        for i, (end_step, start_lr, end_lr) in enumerate(phases):
            if n <= end_step or i == len(phases) - 1:
                pct = (n - start_step) / (end_step - start_step)
                if self.anneal_strategy == "cos":
                    return end_lr + (start_lr - end_lr) / 2 * (math.cos(math.pi * pct) + 1)
                return start_lr + pct * (end_lr - start_lr)
            start_step = end_step
        raise AssertionError("unreachable: the last phase always matches")


@dataclass(frozen=True)
class InverseSqrtLR(Schedule):
    """The Adam paper's alpha_t = alpha / sqrt(t), with t = n + 1 counted from 1
    (its convergence analysis, section 4, and Reddi et al.'s AMSGrad)."""

    base_lr: float
    rules = {"base_lr": nonnegative}

    def lr(self, n):
        return self.base_lr / math.sqrt(n + 1)


@dataclass(frozen=True)
class WarmupCosineLR(Schedule):
    """Linear warmup for warmup_steps, then cosine decay to eta_min at total_steps.

    The same values as torch's SequentialLR of LinearLR(start_factor,
    total_iters=warmup_steps) and CosineAnnealingLR(T_max=total_steps -
    warmup_steps, eta_min) with milestones=[warmup_steps].
    """

    base_lr: float
    warmup_steps: int
    total_steps: int
    start_factor: float = 0.01
    eta_min: float = 0.0
    rules = {"base_lr": nonnegative, "warmup_steps": positive_int, "total_steps": positive_int,
             "start_factor": positive, "eta_min": nonnegative}

    def check_combination(self):
        if self.total_steps <= self.warmup_steps:
            raise ValueError(f"total_steps ({self.total_steps}) must exceed warmup_steps ({self.warmup_steps})")
        if self.start_factor > 1:
            raise ValueError(f"start_factor must be in (0, 1], got {self.start_factor}")

    def lr(self, n):
        if n < self.warmup_steps:
            return LinearLR(self.base_lr, self.start_factor, 1.0, self.warmup_steps).lr(n)
        cosine = CosineAnnealingLR(self.base_lr, self.total_steps - self.warmup_steps, self.eta_min)
        return cosine.lr(n - self.warmup_steps)


@dataclass(frozen=True)
class TrapezoidLR(Schedule):
    """Linear warmup, a flat stretch at base_lr, then a linear decay over the last decay_steps.

    torch has no class for it; the same values come from its SequentialLR of
    LinearLR(start_factor, 1, warmup_steps), ConstantLR(1.0) and
    LinearLR(1, end_factor, decay_steps), with milestones
    [warmup_steps, total_steps - decay_steps].
    """

    base_lr: float
    warmup_steps: int
    decay_steps: int
    total_steps: int
    start_factor: float = 0.01
    end_factor: float = 0.01
    rules = {"base_lr": nonnegative, "warmup_steps": positive_int, "decay_steps": positive_int,
             "total_steps": positive_int, "start_factor": positive, "end_factor": unit_interval_closed}

    def check_combination(self):
        if self.warmup_steps + self.decay_steps > self.total_steps:
            raise ValueError(f"warmup_steps ({self.warmup_steps}) + decay_steps ({self.decay_steps}) must not "
                             f"exceed total_steps ({self.total_steps})")
        if self.start_factor > 1:
            raise ValueError(f"start_factor must be in (0, 1], got {self.start_factor}")

    def lr(self, n):
        if n < self.warmup_steps:
            return LinearLR(self.base_lr, self.start_factor, 1.0, self.warmup_steps).lr(n)
        decay_start = self.total_steps - self.decay_steps
        if n < decay_start:
            return self.base_lr
        return LinearLR(self.base_lr, 1.0, self.end_factor, self.decay_steps).lr(n - decay_start)
