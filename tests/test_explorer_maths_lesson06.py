"""Lesson 06's explorer: the maths it draws (course_lib.theory.zero_start), against the recursion
and its expectation, and what its picture must keep showing (the weight left on v_0, a visible
raw average when it holds 1 % of E[g^2])."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.theory.moving_averages import ema_weights  # noqa: E402
from course_lib.theory.zero_start import (  # noqa: E402
    BLOCK, MEAN, SECOND_MOMENT, STD, average_of_squares, noisy_gradients, simulate_v, start_weight,
)
from course_lib.widgets.lesson06 import BiasExplorer  # noqa: E402


def step_by_step(gradients, beta2):
    """v_t = beta2 v_{t-1} + (1 - beta2) g_t^2 from v_0 = 0, one step at a time: the definition."""
    v, out = np.zeros(gradients.shape[1]), []
    for g in gradients:
        v = beta2 * v + (1 - beta2) * g**2
        out.append(v)
    return np.array(out)


@pytest.mark.parametrize("beta2", [0.5, 0.9, 0.999, 0.9999])
@pytest.mark.parametrize("t", [1, 7, 20, 1000])
def test_the_start_keeps_beta2_to_the_t_and_with_the_gradients_weights_makes_one(beta2, t):
    assert math.isclose(start_weight(beta2, t), beta2**t, rel_tol=1e-12)
    assert math.isclose(ema_weights(beta2, t).sum() + start_weight(beta2, t), 1.0, rel_tol=1e-12)


def test_start_weight_takes_an_array_of_steps():
    np.testing.assert_allclose(start_weight(0.9, np.array([1, 2, 3])), [0.9, 0.81, 0.729], rtol=1e-12)


@pytest.mark.parametrize("t_max", [1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5, 1000])
@pytest.mark.parametrize("beta2", [0.0, 0.9, 0.999, 0.9999])
def test_the_blocked_average_of_squares_equals_the_step_by_step_recursion(t_max, beta2):
    gradients = np.random.default_rng(3).normal(size=(t_max, 5)) * 10.0 ** np.linspace(-2, 2, t_max)[:, None]
    np.testing.assert_allclose(average_of_squares(gradients, beta2), step_by_step(gradients, beta2),
                               rtol=1e-11, atol=0)


def test_on_a_constant_stream_the_average_is_one_minus_beta2_to_the_t():
    t = np.arange(1, 301)
    v = average_of_squares(np.ones((300, 1)), 0.99)[:, 0]
    np.testing.assert_allclose(v, 1 - 0.99**t, rtol=1e-12)


def test_the_noisy_gradients_have_mean_square_one_and_a_longer_draw_starts_with_the_same_ones():
    assert math.isclose(SECOND_MOMENT, MEAN**2 + STD**2) and math.isclose(SECOND_MOMENT, 1.0)
    g = noisy_gradients(400, 500)
    assert g.shape == (400, 500)
    assert abs(g.mean() - MEAN) < 0.01 and abs((g**2).mean() - 1.0) < 0.01
    np.testing.assert_array_equal(noisy_gradients(1000, 500)[:400], g)


@pytest.mark.parametrize("beta2", [0.9, 0.99])
def test_the_simulated_average_has_the_derived_expectation_one_minus_beta2_to_the_t(beta2):
    runs = 4000
    v = simulate_v(beta2, 200, runs, seed=1)
    fourth_moment = MEAN**4 + 6 * MEAN**2 * STD**2 + 3 * STD**4   # E[g^4] for a normal g
    variance_of_square = fourth_moment - SECOND_MOMENT**2
    for t in (1, 10, 50, 200):
        weights = ema_weights(beta2, t)
        standard_error = math.sqrt(variance_of_square * (weights**2).sum() / runs)
        assert abs(v[t - 1].mean() - (1 - beta2**t)) < 5 * standard_error, t


def test_the_explorer_draws_the_weight_left_on_v0_as_a_bar_at_s_zero_with_its_value():
    scene = BiasExplorer()
    for beta2, t_max in ((0.999, 1000), (0.9999, 100), (0.9, 10)):
        scene.show(beta2=beta2, t_max=t_max, correction=True)
        bar = scene.start
        low, high = scene.ax_w.get_ylim()
        assert bar.get_visible() and bar.get_x() < 0 < bar.get_x() + bar.get_width()
        assert math.isclose(bar.get_y() + bar.get_height(), beta2**t_max, rel_tol=1e-9)
        assert low < beta2**t_max < high, "the bar's top is inside the axes"
        assert scene.start_value.get_text() == f"{beta2**t_max:.3g}"


def test_the_raw_average_holding_one_percent_is_not_a_flat_line():
    """'Correction off, beta2 = 0.9999, 100 steps': the raw v_t climbs from 1e-4 to 1e-2 of E[g^2]; it
    must span a good part of the axis height, not lie flat along the bottom."""
    scene = BiasExplorer()
    scene.show(beta2=0.9999, t_max=100, correction=False)
    _, y = scene.lines["raw"].get_data()
    low, high = scene.ax.get_ylim()
    assert scene.ax.get_yscale() == "log" and low <= y.min()
    assert (np.log10(y.max()) - np.log10(y.min())) / (np.log10(high) - np.log10(low)) > 0.25
