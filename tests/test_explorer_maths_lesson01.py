"""Lesson 01's explorer maths against the lesson's derivations: gradient descent on a quadratic
(course_lib.theory.gd_quadratic) and mini-batch SGD on the two-weight diabetes regression
(course_lib.theory.minibatch_noise)."""

import itertools

import numpy as np
import pytest

from course_lib import data, optim
from course_lib.landscapes import trajectory
from course_lib.theory.gd_quadratic import (best_lr, bowl_run, contraction_factor, divergence_threshold,
                                            flat_direction_stretch, loss_bound, unit_curvature_bowl)
from course_lib.theory.minibatch_noise import (DIVERGED, diabetes_runs, diabetes_two_weights, full_batch_gd_path,
                                               gradient_spread, minibatch_gradient_variance, minibatch_sgd_path)

# --- gradient descent on a quadratic


def test_the_threshold_the_factor_and_the_best_step_take_the_values_of_section_4():
    assert divergence_threshold(4.0) == 0.5
    assert contraction_factor(1.0, 1.0, 0.1) == pytest.approx(0.9)      # the flat direction is the slow one
    assert contraction_factor(1.9, 1.0, 0.1) == pytest.approx(0.9)      # the steep one: |1 - 1.9| > |1 - 0.19|
    assert contraction_factor(2.5, 1.0, 0.1) == pytest.approx(1.5)      # past 2 / L: the steep direction grows
    L, mu = 1.0, 0.1
    assert best_lr(L, mu) == pytest.approx(2 / 1.1)
    # at the best step both ends shrink alike, by (kappa - 1) / (kappa + 1)
    assert contraction_factor(best_lr(L, mu), L, mu) == pytest.approx(9 / 11)
    for lr in np.linspace(0.1, 2.0, 39):   # and no other step does better
        assert contraction_factor(lr, L, mu) >= 9 / 11 - 1e-12


def test_the_explorers_bowl_has_steepest_curvature_one_whatever_kappa():
    for kappa in (1.0, 3.0, 10.0, 100.0):
        bowl = unit_curvature_bowl(kappa)
        assert bowl.L == pytest.approx(1.0) and bowl.mu == pytest.approx(1 / kappa)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0])
def test_the_bowl_is_the_round_bowl_stretched_along_its_flat_direction(kappa):
    S = flat_direction_stretch(kappa)
    thetas = np.random.default_rng(0).normal(size=(50, 2))
    stretched = thetas @ S.T
    assert np.allclose(unit_curvature_bowl(kappa)(stretched), 0.5 * np.sum(thetas**2, axis=1), rtol=1e-12)
    assert np.linalg.det(S) == pytest.approx(np.sqrt(kappa))


@pytest.mark.parametrize("lr,kappa", [(1.0, 10.0), (1.9, 10.0), (2.1, 10.0), (0.5, 100.0), (1.0, 1.0)])
def test_each_eigen_coordinate_of_the_run_is_multiplied_by_one_minus_lr_lambda(lr, kappa):
    path, losses = bowl_run(lr, kappa, 30)
    bowl = unit_curvature_bowl(kappa)
    lambdas, Q = np.linalg.eigh(bowl.hessian)
    c = path @ Q
    t = np.arange(len(path))[:, None]
    assert np.allclose(c, c[0] * (1 - lr * lambdas) ** t, rtol=1e-9, atol=1e-14)
    # f = 1/2 sum lambda_i c_i^2, below f_0 r^(2t)
    assert np.allclose(losses, 0.5 * np.sum(lambdas * c**2, axis=1), rtol=1e-9, atol=1e-30)
    bound = loss_bound(losses[0], contraction_factor(lr, bowl.L, bowl.mu), 30)
    assert np.all(losses <= bound * (1 + 1e-9) + 1e-30)   # (lr = 1 on the round bowl: r = 0, rounding left)


def test_on_a_round_bowl_the_bound_is_the_loss_itself():
    path, losses = bowl_run(0.3, 1.0, 20)
    assert np.allclose(losses, losses[0] * 0.7 ** (2 * np.arange(21)), rtol=1e-12)


def test_a_diverging_run_stops_where_trajectory_stops_it_and_its_arrays_are_shared_read_only():
    path, losses = bowl_run(4.0, 100.0, 200)
    assert len(path) < 201 and np.linalg.norm(path[-1]) > 1e6
    again = bowl_run(4.0, 100.0, 200)
    assert again[0] is path and not path.flags.writeable and not losses.flags.writeable
    assert loss_bound(1.0, 3.0, 2).tolist() == [1.0, 9.0, 81.0]


# --- mini-batch SGD on the diabetes regression


def test_the_regression_landscape_is_half_the_mean_squared_error_and_w_star_its_minimizer():
    problem = diabetes_two_weights()
    X, y, land = problem.X, problem.y, problem.landscape
    for w in np.random.default_rng(1).normal(size=(5, 2)):
        assert land(w) == pytest.approx(0.5 * np.mean((X @ w - y) ** 2), rel=1e-12)
        assert np.allclose(land.grad(w), X.T @ (X @ w - y) / len(X), rtol=1e-10)
    assert np.allclose(land.grad(problem.w_star), 0.0, atol=1e-12)
    assert problem.f_star == pytest.approx(0.5 * np.mean((X @ problem.w_star - y) ** 2))


def test_full_batch_gd_is_sgd_with_one_batch_and_the_course_optimizer():
    problem = diabetes_two_weights()
    X, y, land = problem.X, problem.y, problem.landscape
    gd = full_batch_gd_path(X, y, land.start, 0.3, 50)
    assert np.allclose(gd, trajectory(optim.SGD(lr=0.3), land, steps=50), rtol=1e-10, atol=1e-12)
    assert np.allclose(gd, minibatch_sgd_path(X, y, land.start, 0.3, len(X), 50), rtol=1e-10, atol=1e-12)


def test_each_sgd_step_uses_the_mean_gradient_of_the_next_rows_of_the_epochs_shuffle():
    problem = diabetes_two_weights()
    X, y, start, lr, B = problem.X, problem.y, problem.landscape.start, 0.05, 100   # N = 266: batches of 100, 100, 66
    path = minibatch_sgd_path(X, y, start, lr, B, 4, seed=7)
    rng = np.random.default_rng(7)   # one generator for the run: a new order every epoch
    first, second = rng.permutation(len(X)), rng.permutation(len(X))
    batches = [first[:100], first[100:200], first[200:], second[:100]]
    w = np.array(start)
    for t, rows in enumerate(batches, start=1):
        w = w - lr * np.mean(X[rows] * (X[rows] @ w - y[rows])[:, None], axis=0)
        assert np.allclose(path[t], w, rtol=1e-12), t


def test_a_longer_run_starts_with_the_shorter_one_and_a_diverging_one_stops():
    problem = diabetes_two_weights()
    X, y, start = problem.X, problem.y, problem.landscape.start
    short, long = minibatch_sgd_path(X, y, start, 0.1, 8, 40), minibatch_sgd_path(X, y, start, 0.1, 8, 120)
    assert long.shape == (121, 2) and np.array_equal(long[:41], short)
    blown = minibatch_sgd_path(X, y, start, 5.0, 1, 300)
    assert len(blown) < 301 and np.max(np.abs(blown[-1])) >= DIVERGED and np.all(np.abs(blown[:-1]) < DIVERGED)


@pytest.mark.parametrize("B", [1, 2, 3, 6])
def test_the_minibatch_variance_is_the_exact_mean_over_every_batch_of_distinct_rows(B):
    rng = np.random.default_rng(2)
    X, y, w = rng.normal(size=(6, 2)), rng.normal(size=6), rng.normal(size=2)
    per_example = X * (X @ w - y)[:, None]
    g_bar = per_example.mean(axis=0)
    exact = np.mean([np.sum((per_example[list(rows)].mean(axis=0) - g_bar) ** 2)
                     for rows in itertools.combinations(range(6), B)])
    sigma2 = gradient_spread(X, y, w)
    assert sigma2 == pytest.approx(np.mean(np.sum((per_example - g_bar) ** 2, axis=1)))
    assert minibatch_gradient_variance(sigma2, 6, B) == pytest.approx(exact, abs=1e-15)


def test_the_explorers_runs_are_clipped_to_the_data_and_shared_read_only():
    n = len(diabetes_two_weights().X)
    assert n == len(data.load_diabetes(seed=0).X_train)
    sgd, gd = diabetes_runs(10**6, 0.01, 20)   # B beyond N: the whole split
    assert np.allclose(sgd, gd, rtol=1e-10) and not sgd.flags.writeable
    assert diabetes_runs(10**6, 0.01, 20)[0] is sgd
