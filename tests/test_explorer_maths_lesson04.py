"""Lesson 04's explorers show RMSProp's and AdaGrad's effective step size lr / (sqrt(v_t) + eps) and the
memory 1 / (1 - beta2) of RMSProp's average: ``course_lib.theory.effective_steps``, checked here against
the formulas of the lesson, not against the code's own output."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from course_lib import landscapes, optim
from course_lib.landscapes import SWITCH_STEP, run_changing_bowl
from course_lib.theory.effective_steps import (accumulated_squares, effective_step_size, effective_step_sizes,
                                               memory, run_with_effective_steps)
from course_lib.theory.moving_averages import ema_weights


@pytest.mark.parametrize("beta2", [0.0, 0.9, 0.99])
def test_rmsprop_effective_step_after_one_step_is_lr_over_root_of_one_minus_beta2_times_the_gradient(beta2):
    lr, eps = 0.03, 1e-8
    g = np.array([1e-3, -0.5, 2.0, -300.0])
    opt = optim.RMSprop(lr=lr, beta2=beta2, eps=eps)
    theta0 = np.zeros(4)
    _, state = opt.step(theta0, g, opt.init(theta0))
    # v_1 = (1 - beta2) g_1^2
    assert np.allclose(accumulated_squares(state), (1 - beta2) * g**2, rtol=1e-12)
    assert np.allclose(effective_step_size(opt, state), lr / (math.sqrt(1 - beta2) * np.abs(g) + eps), rtol=1e-12)


def test_adagrad_effective_step_after_k_equal_gradients_is_lr_over_root_k_times_the_gradient():
    lr, eps, g = 0.5, 1e-10, np.array([0.2, -4.0])
    opt = optim.Adagrad(lr=lr, eps=eps)
    theta, state = np.zeros(2), opt.init(np.zeros(2))
    states = []
    for _ in range(25):
        theta, state = opt.step(theta, g, state)
        states.append(state)
    k = np.arange(1, 26)[:, None]
    # G_k = k g^2
    assert np.allclose(effective_step_sizes(opt, states), lr / (np.sqrt(k) * np.abs(g) + eps), rtol=1e-12)


def test_effective_step_size_needs_squared_gradients():
    opt = optim.SGD(lr=0.1)
    with pytest.raises(TypeError, match="RMSprop or Adagrad"):
        effective_step_size(opt, opt.init(np.zeros(2)))


def test_rmsprop_without_memory_takes_sign_steps_of_size_lr_on_the_valley():
    valley = landscapes.narrow_valley()
    lr = 0.01
    path, effective = run_with_effective_steps(optim.RMSprop(lr=lr, beta2=0.0, eps=1e-12), valley, 20)
    assert path.shape == (21, 2) and effective.shape == (20, 2)
    assert np.array_equal(path[0], valley.start)
    gradients = np.array([valley.grad(point) for point in path[:-1]])
    # beta2 = 0: v_t = g_t^2, so each coordinate moves by lr g / |g| = lr sign(g)
    assert np.allclose(np.diff(path, axis=0), -lr * np.sign(gradients), rtol=1e-9, atol=0)
    assert np.allclose(effective, lr / np.abs(gradients), rtol=1e-9)


def test_adagrad_effective_step_size_never_grows_and_rmsprops_grows_back():
    valley = landscapes.narrow_valley()
    _, adagrad = run_with_effective_steps(optim.Adagrad(lr=0.5), valley, 200)
    assert np.all(np.diff(adagrad, axis=0) <= 0)          # G_t only grows
    _, rmsprop = run_with_effective_steps(optim.RMSprop(lr=0.05, beta2=0.9), valley, 200)
    assert np.any(np.diff(rmsprop, axis=0) > 0)


def test_a_run_that_leaves_the_finite_numbers_stops_before_that_step():
    calls = []

    def grad(point):
        calls.append(1)
        return np.array([np.nan, 1.0]) if len(calls) > 3 else np.array([1.0, -2.0])

    broken = SimpleNamespace(start=np.array([0.5, 0.5]), grad=grad)
    path, effective = run_with_effective_steps(optim.RMSprop(lr=0.1), broken, 10)
    assert path.shape == (4, 2) and effective.shape == (3, 2)     # the start and three good steps
    assert np.all(np.isfinite(path))


@pytest.mark.parametrize("beta2, steps", [(0.9, (150, 190)), (0.99, (500, 600))])
def test_where_the_gradient_is_about_zero_rmsprops_effective_step_grows_by_one_over_root_beta2_per_step(beta2, steps):
    opt = optim.RMSprop(lr=0.1, beta2=beta2)
    run = run_changing_bowl(opt.step, opt.init(np.zeros(1)))
    effective = effective_step_sizes(opt, run.states)[:, 0]
    first, last = steps
    if beta2 == 0.9:
        assert last <= SWITCH_STEP      # theta rests at the first minimum, g ~ 0
    # v_t = beta2 v_{t-1}: sqrt(v) shrinks by sqrt(beta2) per step
    assert effective[last - 1] / effective[first - 1] == pytest.approx(beta2 ** (-(last - first) / 2), rel=1e-3)


@pytest.mark.parametrize("beta2, expected", [(0.0, 1.0), (0.5, 2.0), (0.9, 10.0), (0.99, 100.0), (0.999, 1000.0)])
def test_memory_is_one_over_one_minus_beta2(beta2, expected):
    assert memory(beta2) == pytest.approx(expected, rel=1e-9)


def test_an_average_that_never_forgets_has_an_endless_memory():
    assert memory(1.0) == math.inf


@pytest.mark.parametrize("beta2", [0.9, 0.99, 0.999])
def test_the_last_memory_steps_hold_about_one_minus_one_over_e_of_the_weight(beta2):
    weights = ema_weights(beta2, 20_000)
    held = weights[-round(memory(beta2)):].sum()
    assert held == pytest.approx(1 - math.exp(-1), abs=0.02)
