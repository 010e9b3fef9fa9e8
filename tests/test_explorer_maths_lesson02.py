"""Lesson 02's explorer runs (course_lib.theory.momentum_runs) against the recurrences they must follow,
and the rates its legend prints against what the runs do."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import landscapes  # noqa: E402
from course_lib.theory.momentum_rates import predicted_rate  # noqa: E402
from course_lib.theory.momentum_runs import VALLEY, valley_run  # noqa: E402
from course_lib.theory.outcomes import diverged_at  # noqa: E402


def test_the_runs_are_on_the_lessons_narrow_valley_from_its_start():
    assert math.isclose(VALLEY.mu, 0.1) and math.isclose(VALLEY.L, 5.0)
    path, loss = valley_run(0.1, 0.9, False, 10)
    assert np.array_equal(path[0], landscapes.narrow_valley().start)
    assert np.allclose(loss, [0.5 * p @ VALLEY.hessian @ p for p in path], rtol=1e-12)


def test_gradient_descent_follows_powers_of_i_minus_lr_a():
    lr, steps = 0.3, 40
    path, _ = valley_run(lr, 0.0, False, steps)
    step_matrix = np.eye(2) - lr * VALLEY.hessian
    expected = [np.linalg.matrix_power(step_matrix, t) @ VALLEY.start for t in range(steps + 1)]
    assert np.allclose(path, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_follows_its_three_term_recurrence(nesterov):
    # from step 2 on (b_1 = g_1, so theta_1 = theta_0 - lr g_1, or - lr (1 + beta) g_1 for Nesterov):
    # heavy ball: e_{t+1} = ((1 + beta) I - lr A) e_t - beta e_{t-1}
    # Nesterov:   e_{t+1} = (1 + beta)(I - lr A) e_t - beta (I - lr A) e_{t-1}
    lr, beta, steps = 0.1, 0.9, 30
    path, _ = valley_run(lr, beta, nesterov, steps)
    A, start = VALLEY.hessian, np.array(VALLEY.start, dtype=float)
    shrink = np.eye(2) - lr * A
    expected = [start, start - lr * (1 + beta if nesterov else 1) * A @ start]
    for _ in range(steps - 1):
        if nesterov:
            expected.append((1 + beta) * shrink @ expected[-1] - beta * shrink @ expected[-2])
        else:
            expected.append(((1 + beta) * np.eye(2) - lr * A) @ expected[-1] - beta * expected[-2])
    assert np.allclose(path, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("lr,beta,nesterov", [(0.1, 0.9, False), (0.614, 0.566, False), (0.1, 0.9, True),
                                              (0.3, 0.0, False)])
def test_the_legends_rate_is_how_fast_the_run_shrinks(lr, beta, nesterov):
    # over many steps the distance to the minimum shrinks like rate^t (up to a bounded or polynomial factor)
    path, _ = valley_run(lr, beta, nesterov, 400)
    distance = np.linalg.norm(path, axis=1)
    measured = (distance[400] / distance[200]) ** (1 / 200)
    assert measured == pytest.approx(predicted_rate(lr, beta, nesterov, (VALLEY.mu, VALLEY.L)), rel=0.02)


def test_a_run_past_its_stable_range_is_cut_where_it_diverges():
    # heavy ball diverges for lr > 2 (1 + beta) / L = 0.76 at beta = 0.9
    path, _ = valley_run(0.8, 0.9, False, 300)
    assert len(path) < 301 and diverged_at(path, 300) is not None
    path, _ = valley_run(0.7, 0.9, False, 300)
    assert len(path) == 301 and diverged_at(path, 300) is None


def test_a_remembered_run_cannot_be_changed_by_its_caller():
    path, loss = valley_run(0.1, 0.9, False, 20)
    with pytest.raises(ValueError):
        path[0, 0] = 1.0
    with pytest.raises(ValueError):
        loss[0] = 1.0
