"""Lesson 03's explorer problems (course_lib.theory.diagonal_scaling) against the formulas: the two
valleys, the rare feature's schedule, AdaGrad's runs against optim.Adagrad, and the ceiling that
G_0 and eps put on AdaGrad's effective step."""

import math

import numpy as np
import pytest

from course_lib import optim
from course_lib.theory import diagonal_scaling as ds

TURN_45 = np.array([[1.0, -1.0], [1.0, 1.0]]) / math.sqrt(2)   # rotation by +45 degrees


def reference_adagrad(name, lr, eps, initial_accumulator_value, steps):
    """The same run with the course's reference optimizer, step by step."""
    prob = ds.problem(name)
    opt = optim.Adagrad(lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value)
    theta = np.array(prob.landscape.start, dtype=np.float64)
    state, path, effective = opt.init(theta), [theta], []
    for t in range(1, steps + 1):
        theta, state = opt.step(theta, prob.grad(theta, t), state)
        path.append(theta)
        effective.append(lr / (np.sqrt(state.sum_sq) + eps))
    return np.array(path), np.array(effective)


def test_the_valleys_have_curvatures_0_1_along_and_5_across_and_the_turned_one_mixes_them_equally():
    aligned, turned = ds.problem("aligned valley").landscape, ds.problem("valley turned 45°").landscape
    assert np.allclose(aligned.hessian, [[0.1, 0.0], [0.0, 5.0]])
    # turned by 45 degrees: 0.1 u u^T + 5 v v^T with u = (1, 1)/sqrt 2, v = (-1, 1)/sqrt 2
    assert np.allclose(turned.hessian, [[2.55, -2.45], [-2.45, 2.55]])
    assert np.allclose(turned.start, TURN_45 @ np.array([-2.5, -0.5]))
    assert math.isclose(aligned.L, 5.0) and math.isclose(turned.L, 5.0) and math.isclose(turned.mu, 0.1)
    assert ds.problem("rare feature").landscape.name == aligned.name   # the same contours


def test_the_rare_coordinate_is_seen_at_steps_1_11_21_and_only_there():
    seen = [t for t in range(1, 61) if ds.rare_feature_seen(t)]
    assert seen == [1, 11, 21, 31, 41, 51]
    with pytest.raises(ValueError, match="counted from 1"):
        ds.rare_feature_seen(0)
    prob = ds.problem("rare feature")
    theta = np.array([-2.0, 0.4])
    assert np.allclose(prob.grad(theta, 11), [0.1 * -2.0, 5.0 * 0.4])
    assert np.allclose(prob.grad(theta, 12), [0.0, 5.0 * 0.4])


def test_an_unknown_problem_names_the_choices():
    with pytest.raises(ValueError, match="'aligned valley', 'valley turned 45°', 'rare feature'"):
        ds.problem("tilted valley")


@pytest.mark.parametrize("name", ds.PROBLEMS)
@pytest.mark.parametrize("eps,initial_accumulator_value", [(1e-10, 0.0), (0.3, 0.0), (1e-10, 2.0)])
def test_the_runs_match_optim_adagrad_step_by_step(name, eps, initial_accumulator_value):
    path, effective = ds.adagrad_run(name, 0.7, eps, initial_accumulator_value, steps=80)
    ref_path, ref_effective = reference_adagrad(name, 0.7, eps, initial_accumulator_value, steps=80)
    assert path.shape == (81, 2) and effective.shape == (80, 2)
    assert np.allclose(path, ref_path, rtol=1e-12, atol=1e-14)
    assert np.allclose(effective, ref_effective, rtol=1e-12)


@pytest.mark.parametrize("name", ds.PROBLEMS)
def test_adagrads_first_step_is_lr_times_the_sign_of_the_gradient(name):
    prob = ds.problem(name)
    path, _ = ds.adagrad_run(name, 0.3, steps=1)
    assert np.allclose(path[1] - path[0], -0.3 * np.sign(prob.grad(path[0], 1)), rtol=1e-9)


def test_sgd_on_the_rare_feature_moves_theta_1_only_at_the_seen_steps_by_the_factor_1_minus_lr_mu():
    lr, steps = 0.3, 60
    path = ds.sgd_run("rare feature", lr, steps)
    t = np.arange(steps + 1)
    seen_so_far = np.ceil(t / ds.RARE_EVERY)                        # steps 1, 11, ... up to t
    assert np.allclose(path[:, 0], -2.5 * (1 - lr * 0.1) ** seen_so_far)
    assert np.allclose(path[:, 1], -0.5 * (1 - lr * 5.0) ** t)


def test_adagrad_on_the_rare_feature_keeps_theta_1_still_between_seen_steps_and_takes_its_nth_step_as_if_frequent():
    lr = 0.3
    path, effective = ds.adagrad_run("rare feature", lr, steps=11)
    # step 1: theta_1 = -2.5 + 0.3; steps 2-10: no gradient, no move, the same effective step
    assert np.allclose(path[1:11, 0], -2.2)
    assert np.allclose(effective[:10, 0], lr / (0.1 * 2.5))
    # step 11: G = 0.1^2 (2.5^2 + 2.2^2), so theta_1 <- -2.2 (1 - 0.3 / sqrt(2.5^2 + 2.2^2)) = -2.0018...
    assert math.isclose(path[11, 0], -2.2 * (1 - 0.3 / math.sqrt(2.5**2 + 2.2**2)), rel_tol=1e-9)
    assert math.isclose(path[11, 0], -2.00183, rel_tol=1e-5)
    # the same two steps as theta_1's first two on the aligned valley, where it is seen at every step
    aligned, _ = ds.adagrad_run("aligned valley", lr, steps=2)
    assert np.allclose(path[[0, 1, 11], 0], aligned[:, 0])


def test_on_the_aligned_valley_each_coordinate_is_rescaled_by_its_own_curvature():
    # lambda_i / sqrt(G_t,i) = 1 / ||(theta_0,i, ..., theta_t-1,i)||: the curvature cancels (lesson 03)
    path, effective = ds.adagrad_run("aligned valley", 0.5, eps=0.0, steps=40)
    history_norms = np.sqrt(np.cumsum(path[:-1] ** 2, axis=0))
    assert np.allclose(effective * np.array([0.1, 5.0]) / 0.5, 1 / history_norms, rtol=1e-10)


def test_sgd_is_the_same_on_the_turned_valley_turned_and_adagrad_is_not():
    lr, steps = 0.3, 60
    sgd_aligned, sgd_turned = ds.sgd_run("aligned valley", lr, steps), ds.sgd_run("valley turned 45°", lr, steps)
    assert np.allclose(sgd_turned, sgd_aligned @ TURN_45.T, atol=1e-12)
    ada_aligned, _ = ds.adagrad_run("aligned valley", lr, steps=steps)
    ada_turned, _ = ds.adagrad_run("valley turned 45°", lr, steps=steps)
    assert np.abs(ada_turned - ada_aligned @ TURN_45.T).max() > 0.5


@pytest.mark.parametrize("name", ds.PROBLEMS)
def test_sgd_diverges_on_every_problem_above_2_over_l_only(name):
    assert len(ds.sgd_run(name, 0.39, 200)) == 201
    diverged = ds.sgd_run(name, 0.41, 2000)
    assert len(diverged) < 2001 and np.all(np.isfinite(diverged))


@pytest.mark.parametrize("name", ds.PROBLEMS)
@pytest.mark.parametrize("lr,eps,initial_accumulator_value", [(0.3, 1e-10, 1.0), (1.0, 0.5, 0.0), (0.05, 1e-3, 10.0)])
def test_no_effective_step_exceeds_the_ceiling_and_the_first_is_lr_over_root_g0_plus_g1_squared(
        name, lr, eps, initial_accumulator_value):
    ceiling = ds.effective_step_ceiling(lr, eps, initial_accumulator_value)
    assert math.isclose(ceiling, lr / (math.sqrt(initial_accumulator_value) + eps))
    _, effective = ds.adagrad_run(name, lr, eps, initial_accumulator_value, steps=100)
    assert np.all(effective <= ceiling)
    g_1 = ds.problem(name).grad(ds.problem(name).landscape.start, 1)
    assert np.allclose(effective[0], lr / (np.sqrt(initial_accumulator_value + g_1**2) + eps))


def test_g0_of_1_pins_the_rare_coordinates_step_near_lr_because_its_gradients_stay_small():
    # |g_1| <= 0.1 * 2.5 at each of the 6 seen steps (theta_1 only shrinks), so 1 <= G <= 1 + 6 * 0.25^2
    _, effective = ds.adagrad_run("rare feature", 0.3, 1e-10, 1.0, steps=60)
    assert np.all(effective[:, 0] <= 0.3) and np.all(effective[:, 0] >= 0.3 / math.sqrt(1 + 6 * 0.25**2))
