"""Lesson 10's explorer runs (course_lib.theory.lookahead_runs) against what Lookahead must reduce to,
and the per-cycle factors its title prints against what the runs do."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import optim  # noqa: E402
from course_lib.theory.lookahead import lookahead_cycle_factor  # noqa: E402
from course_lib.theory.lookahead_runs import (INNER_OPTIMIZERS, VALLEY, inner_alone_run,  # noqa: E402
                                              inner_optimizer, lookahead_run)


def test_each_inner_optimizer_is_the_one_its_name_says_at_torch_defaults():
    assert inner_optimizer("SGD", 0.3) == optim.SGD(lr=0.3)
    assert inner_optimizer("SGD + momentum 0.9", 0.3) == optim.SGD(lr=0.3, momentum=0.9)
    assert inner_optimizer("Adam", 0.3) == optim.Adam(lr=0.3)
    assert set(INNER_OPTIMIZERS) == {"SGD", "SGD + momentum 0.9", "Adam"}


def test_an_unknown_inner_optimizer_names_the_choices():
    with pytest.raises(ValueError, match="'SGD', 'SGD \\+ momentum 0.9', 'Adam'"):
        inner_alone_run("Adamw", 0.1, 10)


def test_gradient_descent_alone_follows_powers_of_i_minus_lr_a():
    lr, steps = 0.39, 30
    step_matrix = np.eye(2) - lr * VALLEY.hessian
    expected = [np.linalg.matrix_power(step_matrix, t) @ VALLEY.start for t in range(steps + 1)]
    assert np.allclose(inner_alone_run("SGD", lr, steps), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("inner", INNER_OPTIMIZERS)
def test_with_slow_lr_1_lookahead_is_the_inner_optimizer_alone(inner):
    # phi <- phi + 1 (theta - phi) = theta: the slow weights jump to the fast ones, and the inner state carries on
    k, steps = 4, 40
    fast, slow = lookahead_run(inner, 0.1, k, 1.0, steps)
    alone = inner_alone_run(inner, 0.1, steps)
    assert np.allclose(fast, alone, rtol=1e-12, atol=1e-14)
    assert np.allclose(slow, alone[::k], rtol=1e-12, atol=1e-14)


def test_with_k_1_lookahead_around_gradient_descent_is_gradient_descent_at_slow_lr_times_lr():
    # phi <- phi + slow_lr ((phi - lr g(phi)) - phi) = phi - slow_lr lr g(phi)
    fast, slow = lookahead_run("SGD", 0.3, 1, 0.5, 30)
    assert np.allclose(slow, inner_alone_run("SGD", 0.15, 30), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lr,k,slow_lr", [(0.39, 5, 0.5), (0.42, 5, 0.5), (0.441, 6, 0.5), (0.3, 3, 0.8)])
def test_the_titles_factors_are_what_one_cycle_does_to_the_steep_direction(lr, k, slow_lr):
    curvatures, eigenvectors = np.linalg.eigh(VALLEY.hessian)
    steep = eigenvectors[:, np.argmax(curvatures)]
    _, slow = lookahead_run("SGD", lr, k, slow_lr, k)
    alone = inner_alone_run("SGD", lr, k)
    start = steep @ VALLEY.start
    assert steep @ slow[1] / start == pytest.approx(lookahead_cycle_factor(lr, VALLEY.L, k, slow_lr), rel=1e-10)
    assert steep @ alone[k] / start == pytest.approx((1 - lr * VALLEY.L) ** k, rel=1e-10)   # the "SGD alone" factor
    assert lookahead_cycle_factor(lr, VALLEY.L, k, 1.0) == pytest.approx((1 - lr * VALLEY.L) ** k, rel=1e-12)


def test_remembered_runs_cannot_be_changed_by_their_caller():
    fast, slow = lookahead_run("Adam", 0.3, 2, 0.8, 20)
    for array in (fast, slow, inner_alone_run("Adam", 0.3, 20)):
        with pytest.raises(ValueError):
            array[0, 0] = 1.0
