"""Lesson 11's schedules by name (course_lib.schedule_kinds) and what its explorer computes with them."""

import math

import numpy as np
import pytest

from course_lib.schedule_kinds import SCHEDULE_KINDS, WARMUP_KINDS, learning_rates, make_schedule
from course_lib.theory.sgd_noise import noisy_quadratic_losses


def rates(kind, base_lr=0.1, warmup=50, total_steps=300):
    return learning_rates(make_schedule(kind, base_lr, warmup, total_steps), total_steps)


def test_constant_keeps_the_base_rate_at_every_step():
    assert np.all(rates("constant", 0.3) == 0.3)


def test_step_divides_the_rate_by_ten_every_third_of_the_run():
    lr = rates("step", 0.1, total_steps=300)
    assert np.allclose(lr[:100], 0.1) and np.allclose(lr[100:200], 0.01) and np.allclose(lr[200:], 0.001)


def test_inverse_sqrt_is_base_over_sqrt_t_with_t_counted_from_one():
    lr = rates("1/sqrt(t)", 0.2)
    assert lr[0] == pytest.approx(0.2) and lr[3] == pytest.approx(0.1) and lr[99] == pytest.approx(0.02)


def test_cosine_is_half_the_base_rate_halfway_through_the_run():
    lr = rates("cosine", 0.1, total_steps=400)
    assert lr[0] == pytest.approx(0.1) and lr[200] == pytest.approx(0.05) and lr[-1] < 1e-5


def test_warmup_then_cosine_climbs_from_a_hundredth_to_the_base_then_halves_midway_through_the_decay():
    lr = rates("warmup + cosine", 0.1, warmup=100, total_steps=500)
    assert lr[0] == pytest.approx(0.001)                      # torch's LinearLR start_factor 0.01
    assert lr[50] == pytest.approx(0.001 + (0.1 - 0.001) / 2)  # linear: halfway there after half the warmup
    assert lr[100] == pytest.approx(0.1) and lr.max() == pytest.approx(0.1)
    assert lr[300] == pytest.approx(0.05)                     # 200 of the 400 decay steps


def test_one_cycle_starts_at_a_25th_of_the_peak_and_peaks_at_the_end_of_its_warmup():
    lr = rates("one-cycle", 0.5, warmup=300, total_steps=1000)
    assert lr[0] == pytest.approx(0.5 / 25)
    assert int(np.argmax(lr)) == 299 and lr[299] == pytest.approx(0.5)   # pct_start * total - 1, as torch
    assert lr[-1] < 0.5 / 25 / 1e3


def test_trapezoid_is_flat_at_the_base_until_its_last_30_percent():
    lr = rates("trapezoid", 0.05, warmup=100, total_steps=500)
    assert lr[0] == pytest.approx(0.0005)
    assert np.allclose(lr[100:350], 0.05)                     # decay over the last 150 = 30% of 500 steps
    assert lr[350] == pytest.approx(0.05) and lr[351] < 0.05 and lr[-1] < 0.002


def test_only_the_warmup_kinds_depend_on_warmup():
    for kind in SCHEDULE_KINDS:
        changes = not np.array_equal(rates(kind, warmup=20), rates(kind, warmup=120))
        assert changes == (kind in WARMUP_KINDS), kind


def test_warmup_is_clipped_to_one_step_at_least_and_to_the_run():
    assert np.array_equal(rates("warmup + cosine", warmup=0), rates("warmup + cosine", warmup=1))
    lr = rates("warmup + cosine", warmup=10_000, total_steps=200)   # all warmup but the last step
    assert int(np.argmax(lr)) == 199


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="'warmup \\+ cosine'"):
        make_schedule("linear", 0.1, 10, 100)


def test_the_explorers_array_backed_schedule_gives_the_simulation_the_same_rates():
    from course_lib.widgets.lesson11 import _mean_losses

    schedule = make_schedule("one-cycle", 0.15, 40, 200)
    expected = noisy_quadratic_losses([schedule], 200)[0]
    assert np.array_equal(_mean_losses("one-cycle", 0.15, 40, 200), expected)


def test_the_divergence_line_is_two_over_the_largest_curvature():
    from course_lib.widgets.lesson11 import DIVERGENCE_LR

    assert DIVERGENCE_LR == pytest.approx(2 / 10)   # NOISY_BOWL's curvatures are 1 and 10


@pytest.mark.parametrize("base_lr", [1e-3, 0.0103, 0.08, 0.1, 0.16, 0.269, 0.5])
def test_the_lr_axis_leaves_room_above_the_base_rate_and_is_1_2_or_5_times_a_power_of_ten(base_lr):
    from course_lib.widgets.lesson11 import lr_axis_top

    top = lr_axis_top(base_lr)
    assert 1.25 * base_lr <= top * (1 + 1e-12) < 2.5 * 1.25 * base_lr
    mantissa = top / 10 ** math.floor(math.log10(top) + 1e-9)
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
