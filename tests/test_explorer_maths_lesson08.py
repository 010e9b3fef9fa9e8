"""Lesson 08's explorer: the game it plays (course_lib.theory.reddi_game) checked against the
library's own run and against torch.optim.Adam, and the outcomes Reddi et al. prove."""

import math

import numpy as np
import pytest
import torch

from course_lib import landscapes, optim, schedules
from course_lib.theory.reddi_counterexamples import theorem1_beta2
from course_lib.theory.reddi_game import adam_stuck_average_regret, play, theorem1_note
from course_lib.widgets.lesson08 import SLIDER_STEPS, regret_limits, step_axis_end

SETTINGS = [(3.0, 0.0, 0.1, 0.5, 900), (2.05, 0.9, 0.999, 2.0, 700), (6.0, 0.5, 0.5, 0.1, 300),
            (10.0, 0.99, 0.999, 0.01, 30)]


@pytest.mark.parametrize("C,beta1,beta2,lr,steps", SETTINGS)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_play_gives_the_points_and_regret_of_the_problems_own_run_even_when_continued_or_cut(
        C, beta1, beta2, lr, steps, amsgrad):
    optimizer = (optim.AMSGrad if amsgrad else optim.Adam)(betas=(beta1, beta2))
    expected = landscapes.ReddiOnlineProblem(C).run(optimizer, steps, x0=0.0, schedule=schedules.InverseSqrtLR(lr))
    for length in (steps // 3, steps, steps // 2 + 1):   # played on from a shorter game, then cut back
        run = play(C, beta1, beta2, lr, length, amsgrad=amsgrad)
        assert np.array_equal(run.x, expected.x[:length])
        assert np.array_equal(run.regret, expected.regret[:length])
        assert np.array_equal(run.average_regret, expected.average_regret[:length])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_play_matches_torch_adam_projected_onto_the_interval(amsgrad):
    C, beta1, beta2, lr, steps = 3.0, 0.0, 0.1, 0.5, 600
    x = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
    adam = torch.optim.Adam([x], lr=lr, betas=(beta1, beta2), amsgrad=amsgrad)
    points = []
    for t in range(1, steps + 1):
        points.append(x.item())
        x.grad = torch.tensor(C if t % 3 == 1 else -1.0, dtype=torch.float64)
        adam.param_groups[0]["lr"] = lr / math.sqrt(t)
        adam.step()
        with torch.no_grad():
            x.clamp_(-1.0, 1.0)
    assert np.allclose(play(C, beta1, beta2, lr, steps, amsgrad=amsgrad).x, points, rtol=0, atol=1e-12)


def test_in_theorem1s_setting_adam_settles_at_the_worst_point_and_amsgrad_learns():
    C = 3.0
    adam = play(C, 0.0, theorem1_beta2(C), 0.5, 3000)
    amsgrad = play(C, 0.0, theorem1_beta2(C), 0.5, 3000, amsgrad=True)
    assert adam.x[-300:].min() > 0.95 and amsgrad.x[-300:].max() < -0.95
    assert adam.average_regret[-1] == pytest.approx(2 / 3, abs=0.01)           # (2C - 4) / 3 for C = 3
    assert amsgrad.average_regret[-1] < 0.02 < amsgrad.average_regret[299]    # falls towards 0


@pytest.mark.parametrize("C", [2.05, 3.0, 10.0])
def test_playing_plus_one_for_ever_costs_2C_minus_4_every_three_steps(C):
    T = 3 * 400
    regret = landscapes.ReddiOnlineProblem(C).regret(np.ones(T))
    assert regret[-1] / T == pytest.approx(adam_stuck_average_regret(C), rel=1e-12)
    assert adam_stuck_average_regret(3.0) == pytest.approx(2 / 3) and adam_stuck_average_regret(2.0) == 0.0


def test_the_note_names_theorem1_only_in_its_setting_and_otherwise_lists_what_differs():
    half = dict(beta1_tolerance=SLIDER_STEPS["beta1"] / 2, beta2_tolerance=SLIDER_STEPS["beta2"] / 2)
    assert theorem1_note(3.0, 0.0, 0.1, 0.5).startswith("Theorem 1's setting")
    # 1 / (1 + 2.05^2) = 0.19222: the slider's 0.192 is within half a step, 0.193 is not
    assert theorem1_note(2.05, 0.0, 0.192, 0.5, **half).startswith("Theorem 1's setting")
    assert (theorem1_note(2.05, 0.0, 0.193, 0.5, **half)
            == "Not Theorem 1's setting: β2 = 0.193, not 1/(1+C²) = 0.192.")
    assert theorem1_note(3.0, 0.01, 0.1, 0.5, **half) == "Not Theorem 1's setting: β1 = 0.01, not 0."
    # lr must stay below sqrt(1 - beta2) = sqrt(0.9) = 0.949
    assert "lr = 0.95 is not below √(1−β2) = 0.949" in theorem1_note(3.0, 0.0, 0.1, 0.95)
    note = theorem1_note(3.0, 0.9, 0.999, 0.5, **half)
    assert note.startswith("Not Theorem 1's setting: β1 = 0.9, not 0; β2 = 0.999") and note.count(";") == 2


def test_play_refuses_a_game_without_a_best_point_and_an_empty_run():
    with pytest.raises(ValueError, match="C must be > 2"):
        play(2.0, 0.0, 0.1, 0.5, 10)
    with pytest.raises(ValueError, match="steps"):
        play(3.0, 0.0, 0.1, 0.5, 0)


def test_the_explorers_axes_end_past_the_last_step_and_leave_room_above_the_curves():
    assert [step_axis_end(s) for s in (30, 50, 51, 600, 1000, 2000)] == [62.5, 62.5, 125, 1250, 1250, 2500]
    low, high = regret_limits(np.array([-1.0, 0.03, 3.0, np.nan]))
    assert (low, high) == (0.01, 100.0)       # decades: 0.03 / 1.5 = 0.02 -> 0.01, 3 * 5 = 15 -> 100
