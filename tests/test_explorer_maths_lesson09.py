"""Lesson 09's explorer: how much learning rate RAdam and a linear warmup hold back, and the
short digits runs it shows (course_lib.theory.radam_warmup), checked against direct sums of the
library's r_t and warmup factor and against models.train itself."""

import math

import numpy as np
import pytest

from course_lib import data, models, optim, schedules
from course_lib.theory.radam_warmup import (digits_run, digits_runs, digits_steps, running_mean,
                                            withheld_by_linear_warmup, withheld_by_radam)
from course_lib.theory.rectification import warmup_factor
from course_lib.widgets.lesson09 import RAdamExplorer, decade_ceiling, in_steps, loss_limits, step_horizon


@pytest.mark.parametrize("W,expected", [(1, 0.0), (2, 0.75), (4, 1.875)])
def test_a_linear_warmup_holds_back_what_its_factors_miss(W, expected):
    # W = 4: factors 1/4, 7/16, 10/16, 13/16, then 1: misses 12/16 + 9/16 + 6/16 + 3/16 = 30/16
    assert withheld_by_linear_warmup(W) == pytest.approx(expected, abs=1e-15)
    assert withheld_by_linear_warmup(W) == pytest.approx(np.sum(1 - warmup_factor(np.arange(1, W + 2), W)))


def test_a_warmup_over_2_over_1_minus_beta2_steps_holds_back_about_1_over_1_minus_beta2():
    assert withheld_by_linear_warmup(2000) == pytest.approx(1000, rel=1e-3)


@pytest.mark.parametrize("beta2", [0.7, 0.9, 0.99])
def test_radam_holds_back_the_sum_of_1_minus_r_t_with_its_momentum_sgd_steps_in_full(beta2):
    total, t = 0.0, 1
    while t < 60 / (1 - beta2) + 50:      # 1 - r_t shrinks like t beta2^t: the rest is negligible
        rectified = optim.rho_t(beta2, t) > 5
        total += 1 - optim.rectification(beta2, t) if rectified else 1.0
        t += 1
    assert withheld_by_radam(beta2) == pytest.approx(total, rel=1e-10)


def test_radam_holds_back_about_what_the_rule_of_thumb_warmup_does_and_everything_when_it_never_rectifies():
    # Ma and Yarats: RAdam is about a linear warmup over 2 / (1 - beta2) steps (lesson 09)
    for beta2 in (0.99, 0.999, 0.9999):
        assert withheld_by_radam(beta2) == pytest.approx(withheld_by_linear_warmup(round(2 / (1 - beta2))), rel=0.1)
    # rho_inf = 2 / (1 - beta2) - 1 <= 5 for beta2 <= 2/3: rho_t never passes torch's threshold
    assert math.isinf(withheld_by_radam(0.6)) and math.isinf(withheld_by_radam(2 / 3))
    assert math.isfinite(withheld_by_radam(0.67))


def test_running_mean_averages_the_last_width_losses_and_fewer_at_the_start():
    assert np.allclose(running_mean(np.array([1.0, 2.0, 3.0, 4.0]), width=2), [1.0, 1.5, 2.5, 3.5])
    assert np.allclose(running_mean(np.array([4.0, 2.0, 6.0]), width=8), [4.0, 3.0, 4.0])


def test_the_digits_runs_are_models_train_of_each_optimizer_and_a_one_step_warmup_is_adam():
    digits = data.load("digits", seed=0)
    steps = 3 * math.ceil(len(digits.X_train) / 32)
    assert digits_steps() == steps == 102
    expected = models.train(models.MLP((64, 32, 10)), optim.RAdam(lr=0.01, betas=(0.9, 0.99)), digits, epochs=3,
                            batch_size=32, seed=0, eval_every=steps)
    assert np.array_equal(digits_run("RAdam", 0.99, 0.01).loss, expected.loss)
    warmed = models.train(models.MLP((64, 32, 10)), optim.Adam(lr=0.01, betas=(0.9, 0.99)), digits, epochs=3,
                          batch_size=32, seed=0, eval_every=steps,
                          schedule=schedules.LinearLR(0.01, start_factor=1 / 50, total_iters=50))
    runs = digits_runs(0.99, 0.01, 50)
    assert list(runs) == ["Adam", "RAdam", "Adam + warmup (50 steps)"]
    assert np.array_equal(runs["Adam + warmup (50 steps)"].loss, warmed.loss)
    assert len(runs["Adam"].loss) == steps and runs["Adam"].epoch_val_accuracy[-1] > 0.5
    # a warmup over 1 step starts at lr / 1: it is Adam
    one = digits_runs(0.99, 0.01, 1)
    assert list(one)[2] == "Adam + warmup (1 step)"
    assert np.array_equal(one["Adam + warmup (1 step)"].loss, one["Adam"].loss)
    with pytest.raises(ValueError, match="method must be one of"):
        digits_run("SGD", 0.99, 0.01)
    with pytest.raises(ValueError, match="warmup_steps is for"):
        digits_run("Adam", 0.99, 0.01, warmup_steps=10)


def test_the_explorers_axes_end_at_powers_of_ten_past_the_warmups_and_the_run():
    assert decade_ceiling(1999) == 1e4 and decade_ceiling(1000) == 1e3
    assert step_horizon(0.999, 2000) == 1e4        # 8 / (1 - beta2) = 8000
    assert step_horizon(0.6, 1) == 1e3             # twice the digits run, 204 steps
    assert step_horizon(0.9999, 20000) == 1e5
    assert loss_limits(np.array([0.05, 2.3, np.nan, np.inf])) == (0.01, 10.0)
    assert in_steps(1033.34) == "1033" and in_steps(9.98) == "9.98" and in_steps(0.75) == "0.75"


def test_the_loss_axis_keeps_its_floor_unless_a_loss_goes_lower_and_its_top_unless_one_blows_up():
    assert loss_limits(np.array([0.2, 2.3])) == (0.01, 10.0)       # the floor, not 0.1 from the data
    assert loss_limits(np.array([0.004, 2.3])) == (0.001, 10.0)
    assert loss_limits(np.array([0.05, 166.0])) == (0.01, 1000.0)


def test_dragging_beta2_never_moves_an_axes_so_every_picture_is_a_fast_frame():
    # the browser bench drags beta2 across 10-90 % of its track (0.64-0.96) at lr 0.01, warmup 2000;
    # a move that changes an axes' limits or a legend redraws the whole figure (~200 ms, not ~35)
    explorer = RAdamExplorer()
    explorer.show(beta2=0.999, lr=1e-2, warmup_steps=2000)
    explorer.frame()
    background = explorer._background_key
    for beta2 in np.round(np.linspace(0.6, 0.999, 25), 4):   # past 0.9992 the step axes grow to 1e5
        explorer.show(beta2=float(beta2), lr=1e-2, warmup_steps=2000)
        explorer.frame()
        assert explorer._background_key == background, f"beta2 = {beta2} redrew the background"
    explorer.show(beta2=0.9, lr=1e-2, warmup_steps=200)   # a new warmup length is a new legend: redrawn
    explorer.frame()
    assert explorer._background_key != background
