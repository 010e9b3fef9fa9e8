"""Lesson 00's runs (course_lib.theory.landscape_runs) against the formulas, and its explorer's
shortcut (a run cut at `steps` instead of run again) against a fresh run."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import landscapes  # noqa: E402
from course_lib.theory.landscape_runs import (GAP_FLOOR, OPTIMIZERS, loss_gap, make_optimizer,  # noqa: E402
                                              optimizer_path, outcome)
from course_lib.widgets.lesson00 import LandscapeExplorer  # noqa: E402


def run_steps(optimizer, theta, grads):
    state = optimizer.init(theta)
    for g in grads:
        theta, state = optimizer.step(theta, np.asarray(g, dtype=np.float64), state)
    return theta


def test_each_named_optimizer_takes_its_first_step_as_torch_defaults_say():
    theta, g, lr = np.array([1.0, -2.0]), np.array([0.5, -40.0]), 0.1
    first = {name: run_steps(make_optimizer(name, lr), theta, [g]) for name in OPTIMIZERS}
    assert np.allclose(first["SGD"], theta - lr * g)
    assert np.allclose(first["Momentum"], theta - lr * g)                # b_1 = g_1
    assert np.allclose(first["Adam"], theta - lr * np.sign(g), atol=1e-8)
    # RMSprop, alpha = 0.99: v_1 = 0.01 g^2, so the step is lr g / (0.1 |g|) = 10 lr sign(g)
    assert np.allclose(first["RMSProp"], theta - 10 * lr * np.sign(g), atol=1e-6)
    assert np.allclose(first["AdaGrad"], theta - lr * np.sign(g), atol=1e-8)   # G_1 = g^2


def test_momentum_is_the_heavy_ball_with_beta_0_9():
    theta, g1, g2, lr = np.array([0.0, 0.0]), np.array([1.0, 2.0]), np.array([-3.0, 0.5]), 0.1
    # b_1 = g_1, b_2 = 0.9 b_1 + g_2; theta_2 = theta_0 - lr (b_1 + b_2)
    expected = theta - lr * (g1 + (0.9 * g1 + g2))
    assert np.allclose(run_steps(make_optimizer("Momentum", lr), theta, [g1, g2]), expected)


def test_an_unknown_optimizer_or_landscape_names_the_choices():
    with pytest.raises(ValueError, match="'SGD', 'Momentum', 'Adam', 'RMSProp', 'AdaGrad'"):
        make_optimizer("Adamm", 0.1)
    with pytest.raises(ValueError, match="'Rosenbrock'"):
        optimizer_path("Rosenbrok", "SGD", 0.1, 10)


@pytest.mark.parametrize("name", ["Quadratic", "Narrow valley"])
def test_gradient_descent_on_a_quadratic_follows_powers_of_i_minus_lr_a(name):
    lr, steps = 0.05, 60
    land, path = optimizer_path(name, "SGD", lr, steps)
    step_matrix = np.eye(2) - lr * land.hessian
    expected = [np.linalg.matrix_power(step_matrix, t) @ land.start for t in range(steps + 1)]
    assert path.shape == (steps + 1, 2)
    assert np.allclose(path, expected, rtol=1e-12, atol=1e-14)


def test_gradient_descent_on_the_quadratic_diverges_just_above_2_over_l_only():
    quad = landscapes.quadratic()
    _, below = optimizer_path("Quadratic", "SGD", 0.95 * 2 / quad.L, 500)
    _, above = optimizer_path("Quadratic", "SGD", 1.05 * 2 / quad.L, 500)
    assert len(below) == 501 and np.linalg.norm(below[-1]) < 1e-3
    assert len(above) < 501 and np.linalg.norm(above[-1]) > landscapes.DIVERGENCE_NORM


@pytest.mark.parametrize("optimizer,lr", [("Adam", 0.1), ("Momentum", 0.01), ("AdaGrad", 0.3), ("SGD", 1.0)])
def test_a_run_of_n_steps_is_the_start_of_any_longer_run(optimizer, lr):
    _, longer = optimizer_path("Rosenbrock", optimizer, lr, 400)
    for steps in (10, 123, 300):
        _, path = optimizer_path("Rosenbrock", optimizer, lr, steps)
        assert np.array_equal(path, longer[: steps + 1])


def test_the_loss_gap_is_f_minus_f_star_floored_for_a_log_scale_and_nan_after_overflow():
    rosen, saddle = landscapes.rosenbrock(), landscapes.saddle()
    # Rosenbrock: f(0, 0) = (1 - 0)^2 = 1, f(1, 1) = 0 = f*; f(1e200, 0) overflows
    gaps = loss_gap(rosen, np.array([[0.0, 0.0], [1.0, 1.0], [1e200, 0.0]]))
    assert gaps[0] == pytest.approx(1.0) and gaps[1] == GAP_FLOOR and np.isnan(gaps[2])
    # the saddle x^2 + y^4/4 - y^2/2: f(0, 0) = 0 and f* = -1/4
    assert loss_gap(saddle, np.array([[0.0, 0.0]]))[0] == pytest.approx(0.25)


def test_the_outcome_says_where_a_run_ended_or_when_it_diverged():
    rosen, himmel = landscapes.rosenbrock(), landscapes.himmelblau()
    ended = np.array([[-1.2, 1.0], [0.0, 0.0], [1.0, 1.5]])            # 0.5 above the minimum (1, 1)
    assert outcome(rosen, ended, 2) == "after 2 steps: 0.5 from the minimum (1, 1)"
    near = np.array([[0.0, 0.0], [-2.0, 3.0], [-2.805118 + 0.03, 3.131312 - 0.04]])  # 0.05 from that minimum
    assert outcome(himmel, near, 2) == "after 2 steps: 0.05 from the minimum (-2.81, 3.13)"
    flew_off = np.array([[0.0, 0.0], [10.0, 0.0], [2e6, 0.0]])         # beyond 10^6 at step 2
    assert outcome(rosen, flew_off, 50) == "diverged: ‖θ‖ > 10⁶ at step 2"
    overflowed = np.array([[0.0, 0.0], [10.0, 0.0], [1e3, 0.0]])       # step 3 was not finite: dropped
    assert outcome(rosen, overflowed, 50) == "diverged: ‖θ‖ > 10⁶ at step 3"



def test_the_explorer_cuts_a_longer_run_into_exactly_the_run_of_the_chosen_steps():
    scene = LandscapeExplorer()
    for steps in (300, 306, 330, 10):
        scene.show(landscape="Rosenbrock", optimizer="Adam", lr=0.1, steps=steps)
        _, fresh = optimizer_path("Rosenbrock", "Adam", 0.1, steps)
        x, y = scene.paths.lines["Adam"].get_data()
        assert np.array_equal(np.column_stack([x, y]), fresh)
        assert np.array_equal(scene.gap.get_xdata(), np.arange(steps + 1))
