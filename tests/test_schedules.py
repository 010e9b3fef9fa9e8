"""course_lib.schedules gives the learning rates torch.optim.lr_scheduler gives."""

import math

import pytest
import torch

from course_lib import schedules


def torch_lrs(make_scheduler, base_lr, steps):
    """The lr used at optimizer step n = 0 .. steps-1, stepping the scheduler once per step."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    scheduler = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


S = torch.optim.lr_scheduler
CASES = [
    ("StepLR", schedules.StepLR(0.1, step_size=7, gamma=0.5), lambda o: S.StepLR(o, 7, gamma=0.5), 0.1, 60),
    ("ExponentialLR", schedules.ExponentialLR(0.1, gamma=0.97), lambda o: S.ExponentialLR(o, 0.97), 0.1, 100),
    ("CosineAnnealingLR", schedules.CosineAnnealingLR(0.1, T_max=50, eta_min=1e-3),
     lambda o: S.CosineAnnealingLR(o, T_max=50, eta_min=1e-3), 0.1, 50),
    ("CosineAnnealingLR past T_max", schedules.CosineAnnealingLR(0.1, T_max=30),
     lambda o: S.CosineAnnealingLR(o, T_max=30), 0.1, 75),
    ("LinearLR", schedules.LinearLR(0.1, start_factor=0.25, total_iters=10),
     lambda o: S.LinearLR(o, start_factor=0.25, total_iters=10), 0.1, 30),
    ("LinearLR decay", schedules.LinearLR(0.1, start_factor=1.0, end_factor=0.1, total_iters=20),
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20), 0.1, 30),
    ("OneCycleLR", schedules.OneCycleLR(0.2, total_steps=100),
     lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=100, cycle_momentum=False), 0.2, 100),
    ("OneCycleLR linear", schedules.OneCycleLR(0.2, total_steps=80, anneal_strategy="linear", pct_start=0.25),
     lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=80, anneal_strategy="linear", pct_start=0.25,
                            cycle_momentum=False), 0.2, 80),
    ("OneCycleLR three phase", schedules.OneCycleLR(0.2, total_steps=90, three_phase=True),
     lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=90, three_phase=True, cycle_momentum=False), 0.2, 90),
    ("WarmupCosineLR", schedules.WarmupCosineLR(0.1, warmup_steps=10, total_steps=60, start_factor=0.1, eta_min=1e-4),
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                  S.CosineAnnealingLR(o, T_max=50, eta_min=1e-4)], milestones=[10]), 0.1, 60),
    ("TrapezoidLR", schedules.TrapezoidLR(0.1, warmup_steps=10, decay_steps=25, total_steps=60, start_factor=0.1,
                                          end_factor=0.05),
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10), S.ConstantLR(o, factor=1.0),
                                  S.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=25)],
                              milestones=[10, 35]), 0.1, 70),
    ("TrapezoidLR, no flat stretch", schedules.TrapezoidLR(0.1, warmup_steps=20, decay_steps=20, total_steps=40),
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.01, total_iters=20), S.ConstantLR(o, factor=1.0),
                                  S.LinearLR(o, start_factor=1.0, end_factor=0.01, total_iters=20)],
                              milestones=[20, 20]), 0.1, 40),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name,ours,make,base_lr,steps", CASES, ids=[c[0] for c in CASES])
def test_schedule_gives_the_same_learning_rates_as_torch(name, ours, make, base_lr, steps):
    expected = torch_lrs(make, base_lr, steps)
    got = [ours(n) for n in range(steps)]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_inverse_sqrt_is_the_adam_papers_alpha_over_sqrt_t_with_t_from_one():
    schedule = schedules.InverseSqrtLR(0.5)
    assert [schedule(n) for n in (0, 3, 8, 99)] == pytest.approx([0.5, 0.25, 0.5 / 3, 0.05])
    assert all(schedule(n) == pytest.approx(0.5 / math.sqrt(n + 1)) for n in range(200))


@pytest.mark.parametrize("make,message", [
    (lambda: schedules.StepLR(0.1, step_size=0), "step_size must be >= 1"),
    (lambda: schedules.StepLR(-0.1, step_size=3), "base_lr must be >= 0"),
    (lambda: schedules.OneCycleLR(0.1, total_steps=10, anneal_strategy="cosine"), "anneal_strategy must be 'cos' or 'linear'"),
    (lambda: schedules.WarmupCosineLR(0.1, warmup_steps=10, total_steps=10), "must exceed warmup_steps"),
    (lambda: schedules.LinearLR(0.1, start_factor=2.0), "start_factor must be in (0, 1]"),
    (lambda: schedules.TrapezoidLR(0.1, warmup_steps=30, decay_steps=40, total_steps=60), "must not exceed total_steps"),
    (lambda: schedules.TrapezoidLR(0.1, warmup_steps=3, decay_steps=4, total_steps=60, start_factor=1.5),
     "start_factor must be in (0, 1]"),
    (lambda: schedules.CosineAnnealingLR(0.1, T_max=0), "T_max must be >= 1"),
    (lambda: schedules.CosineAnnealingLR(0.1, T_max=10)(-1), "number of steps taken, an int >= 0"),
    (lambda: schedules.OneCycleLR(0.1, total_steps=10)(11), "built for total_steps=10"),
])
def test_bad_schedule_arguments_say_what_is_wrong(make, message):
    with pytest.raises((ValueError, TypeError)) as err:
        make()
    assert message in str(err.value)
