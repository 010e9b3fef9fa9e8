"""Lesson 07's explorers: the maths they draw (course_lib.theory.lp_limit and step_sizes), against
direct computations of the definitions, and what their pictures must keep showing (AdaMax's steps a
hair above alpha on the quadratic, AdaMax's colour far from Adam's)."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import landscapes, optim  # noqa: E402
from course_lib.plots import OPTIMIZER_COLORS  # noqa: E402
from course_lib.theory.lp_limit import corrected_lp_moment_root, example_gradients, relative_gap  # noqa: E402
from course_lib.theory.step_sizes import adamax_step_bounds, largest_step_in_lr  # noqa: E402
from course_lib.widgets.lesson07 import AdamaxExplorer, step_axis  # noqa: E402


def lp_moment_directly(g, beta2, p):
    """v_t = beta2^p v_{t-1} + (1 - beta2^p) |g_t|^p from v_0 = 0, step by step (no log space: p small)."""
    v, out = 0.0, []
    for x in g:
        v = beta2**p * v + (1 - beta2**p) * abs(x) ** p
        out.append(v)
    return np.array(out)


def decayed_max_directly(g, beta2):
    u, out = 0.0, []
    for x in g:
        u = max(beta2 * u, abs(x))
        out.append(u)
    return np.array(out)


def test_the_example_gradients_shrink_tenfold_and_spike_once():
    for steps in (1, 10, 200, 500):
        g = example_gradients(steps)
        assert g.shape == (steps,) and np.all(np.isfinite(g))
        assert g[int(0.6 * steps)] == 4.0
    g = example_gradients(500)
    spike = int(0.6 * 500)
    first, last = np.abs(g[:100]), np.abs(np.r_[g[400:spike], g[spike + 1:]][-100:])
    assert 5 < np.sqrt((first**2).mean()) / np.sqrt((last**2).mean()) < 20   # scale 1 against about 0.1


@pytest.mark.parametrize("beta2", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_the_corrected_root_divides_v_by_one_minus_beta2_to_the_pt(beta2, p):
    g = example_gradients(60)
    t = np.arange(1, 61)
    expected = (lp_moment_directly(g, beta2, p) / (1 - beta2 ** (p * t))) ** (1 / p)
    np.testing.assert_allclose(corrected_lp_moment_root(g, beta2, p), expected, rtol=1e-10)


@pytest.mark.parametrize("p", [1.0, 8.0, 4096.0])
def test_the_corrected_root_is_exact_on_a_constant_stream_and_at_the_first_step(p):
    np.testing.assert_allclose(corrected_lp_moment_root(np.full(50, -0.3), 0.99, p), 0.3, rtol=1e-9)
    g = example_gradients(30)
    assert math.isclose(corrected_lp_moment_root(g, 0.9, p)[0], abs(g[0]), rel_tol=1e-9)
    np.testing.assert_allclose(corrected_lp_moment_root(g, 0.0, p), np.abs(g), rtol=1e-12)   # no memory


def test_the_gap_is_the_relative_distance_to_u_at_the_last_step_and_vanishes_as_p_grows():
    g = example_gradients(200)
    u_last = decayed_max_directly(g, 0.99)[-1]
    direct = abs(lp_moment_directly(g, 0.99, 2.0)[-1] ** 0.5 - u_last) / u_last
    assert math.isclose(relative_gap(g, 0.99, 2.0), direct, rel_tol=1e-9)
    gaps = relative_gap(g, 0.99, 2.0 ** np.arange(13))
    assert np.all((gaps >= 0) & (gaps < 1))   # v_t < u_t^p: the root stays below u
    assert gaps[0] > 0.1 and gaps[-1] < 1e-6
    assert np.all(relative_gap(g, 0.0, np.array([1.0, 2.0, 64.0])) < 1e-12)   # beta2 = 0: v^(1/p) = |g| = u


def test_largest_step_in_lr_is_the_largest_coordinate_of_each_step_over_lr():
    path = np.array([[0.0, 0.0], [0.1, -0.3], [0.1, -0.3], [-0.1, -0.25]])
    np.testing.assert_allclose(largest_step_in_lr(path, 0.1), [3.0, 0.0, 2.0])
    assert largest_step_in_lr(path[:1], 0.1).shape == (0,)


def test_adamax_bounds_start_at_one_and_rise_to_the_limit_for_beta1_below_beta2():
    bounds = adamax_step_bounds(0.9, 0.999, 2000)
    assert bounds[0] == 1.0 and np.all(np.diff(bounds) >= -1e-12)   # rising, up to rounding on the plateau
    assert math.isclose(bounds[-1], 0.1 / (1 - 0.9 / 0.999), rel_tol=1e-9)   # (1 - b1) / (1 - b1 / b2)
    np.testing.assert_array_equal(adamax_step_bounds(0.0, 0.9999, 50), 1.0)   # no momentum: |m_t| = |g_t| <= u_t
    assert np.isinf(adamax_step_bounds(0.999, 0.01, 300)[-1])   # (b1 / b2)^t beyond the floats


def test_on_the_quadratic_adamax_steps_a_hair_above_alpha_and_below_its_bound():
    """What to try 3: Quadratic, alpha = 0.001, betas at their defaults."""
    land = landscapes.LANDSCAPES["Quadratic"]()
    steps = largest_step_in_lr(landscapes.trajectory(optim.Adamax(lr=1e-3), land, steps=200), 1e-3)
    bounds = adamax_step_bounds(0.9, 0.999, 200)
    assert np.all(steps <= bounds * (1 + 1e-9))
    assert 1.003 < steps.max() < 1.01 and np.all(steps[1:] > 1.0)


def test_the_step_panel_zooms_in_when_the_steps_lie_close_together_and_shows_a_hair_above_alpha():
    scene = AdamaxExplorer()
    scene.show(lr=1e-3, beta1=0.9, beta2=0.999, landscape="Quadratic")
    ax = scene.ax_step
    low, high = ax.get_ylim()
    assert ax.get_yscale() == "linear" and low < 0.943 and high > 1.009
    assert 0.005 / (high - low) > 0.04, "0.5 % above alpha is at least 4 % of the axis height"
    scene.show(lr=0.1, beta1=0.9, beta2=0.999, landscape="Rosenbrock")
    assert ax.get_yscale() == "log"


def test_step_axis_limits_are_quantized_so_that_a_small_change_keeps_them():
    scale, limits = step_axis(np.array([0.943, 1.0, 1.0065, 1.009]), 1.009)
    assert scale == "linear" and step_axis(np.array([0.944, 1.0, 1.0066, 1.0091]), 1.0091)[1] == limits
    assert step_axis(np.array([0.01, 1.0, 3.0]), 3.0) == ("log", (1e-4, 10.0))


# Colours as CIELAB, seen with normal vision and the three dichromacies: tests/test_plots.py's simulation.
from test_plots import CVD_SIMULATIONS, _delta_e  # noqa: E402


@pytest.mark.parametrize("vision", [None, *CVD_SIMULATIONS])
def test_adamax_and_adam_which_lesson_07_draws_side_by_side_differ_clearly_for_every_vision(vision):
    assert _delta_e(OPTIMIZER_COLORS["AdaMax"], OPTIMIZER_COLORS["Adam"], vision) > 40
