"""Axis limits that move in steps (course_lib/widgets/limits.py): most moves of a control must
keep an explorer's axes, so that its cached background stays good."""

import math

import numpy as np
import pytest

from course_lib.widgets.limits import ROUND_MANTISSAS, decade_ceiling, decade_floor, log_limits, round_up, step_axis_end


def test_round_up_gives_the_next_round_number_and_keeps_a_round_one():
    assert [round_up(x) for x in (1, 1.1, 1.2, 2.6, 7, 9.99, 10, 0.031, 4500)] == \
        pytest.approx([1, 1.2, 1.2, 3, 8, 10, 10, 0.04, 5000])
    assert [round_up(x, (1, 2, 5, 10)) for x in (0.11, 0.3, 6, 30)] == pytest.approx([0.2, 0.5, 10, 50])


def test_round_up_never_more_than_a_third_above_the_value():
    """The axis ends step by 20-33 %: a curve fills at least three quarters of its axis."""
    assert ROUND_MANTISSAS[-1] == 10
    for x in np.geomspace(0.01, 1e5, 2000):
        assert x <= round_up(x) <= x * (1 + 1 / 3) * (1 + 1e-9)


def test_the_step_axis_holds_every_step_and_changes_only_a_few_times():
    ends = [step_axis_end(steps) for steps in range(1, 1001)]
    assert all(end >= steps for steps, end in zip(range(1, 1001), ends))
    assert min(ends) == 10 and all(isinstance(end, int) for end in ends)
    assert len(set(ends)) == 21   # 10, 12, 15, 20, ..., 800, 1000: a slider of 1000 steps crosses 21


def test_decades_around_a_value():
    assert (decade_floor(0.031), decade_ceiling(0.031)) == pytest.approx((0.01, 0.1))
    assert decade_floor(100) == decade_ceiling(100) == pytest.approx(100)


def test_log_limits_round_outwards_with_room_and_bounds():
    values = np.array([-1.0, 0.0, 0.03, 3.0, np.nan, np.inf])   # only 0.03 and 3 are drawn
    assert log_limits(values) == pytest.approx((0.01, 10))
    assert log_limits(values, footroom=5, headroom=5) == pytest.approx((0.001, 100))
    assert log_limits(values, lowest=0.05) == pytest.approx((0.01, 10))
    assert log_limits(values, top_at_least=500) == pytest.approx((0.01, 1000))
    assert log_limits([1e-3, 1e30], top_at_most=1e10) == pytest.approx((1e-3, 1e10))
    assert log_limits([np.nan, -2.0], empty=(1.0, 10.0)) == (1.0, 10.0)


def test_log_limits_of_one_power_of_ten_still_span_a_decade():
    low, high = log_limits([100.0])
    assert high > low and math.isclose(high / low, 10)


def test_small_changes_keep_the_limits():
    """The point of it all: a curve that grows by 5 % mostly keeps its axis."""
    rng = np.random.default_rng(0)
    kept = 0
    for _ in range(200):
        curve = 10 ** rng.uniform(-3, 3, size=50)
        kept += log_limits(curve) == log_limits(1.05 * curve)
    assert kept > 150
