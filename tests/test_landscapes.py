"""course_lib.landscapes: gradients against torch.autograd, minima, trajectories, Reddi's problem.

Each landscape is written a second time below in torch, from its formula, so
that the hand-written NumPy gradients are checked against autograd rather than
against themselves.
"""

import math
import warnings

import numpy as np
import pytest
import torch

from course_lib import optim
from course_lib.landscapes import (
    FLAT, LANDSCAPES, STEEP, SWITCH_STEP, Landscape, Quadratic, ReddiOnlineProblem, beale, changing_bowl,
    changing_bowl_grad, himmelblau, narrow_valley, quadratic, rosenbrock, run_changing_bowl, saddle,
    steps_to_recover, trajectory,
)

# --- the same functions, in torch, from their formulas ----------------------


def torch_quadratic(condition_number, scale, angle):
    c, s = math.cos(angle), math.sin(angle)
    rotation = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    A = rotation @ torch.diag(torch.tensor([scale, scale * condition_number], dtype=torch.float64)) @ rotation.T

    def f(p):
        return 0.5 * torch.einsum("...i,ij,...j->...", p, A, p)

    return f


def torch_saddle(p):
    x, y = p[..., 0], p[..., 1]
    return x**2 + y**4 / 4 - y**2 / 2


def torch_rosenbrock(a, b):
    def f(p):
        x, y = p[..., 0], p[..., 1]
        return (a - x) ** 2 + b * (y - x**2) ** 2

    return f


def torch_beale(p):
    x, y = p[..., 0], p[..., 1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def torch_himmelblau(p):
    x, y = p[..., 0], p[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


CASES = {
    "quadratic default": (quadratic, torch_quadratic(10.0, 1.0, 0.0)),
    "quadratic rotated": (lambda: quadratic(condition_number=7.5, scale=0.3, angle=0.7),
                          torch_quadratic(7.5, 0.3, 0.7)),
    # narrow_valley is documented as quadratic(condition_number=50, scale=0.1, angle=pi/6)
    "narrow valley": (narrow_valley, torch_quadratic(50.0, 0.1, math.pi / 6)),
    "saddle": (saddle, torch_saddle),
    "rosenbrock default": (rosenbrock, torch_rosenbrock(1.0, 100.0)),
    "rosenbrock a=-0.5 b=10": (lambda: rosenbrock(a=-0.5, b=10.0), torch_rosenbrock(-0.5, 10.0)),
    "beale": (beale, torch_beale),
    "himmelblau": (himmelblau, torch_himmelblau),
}


def random_points_in_window(land, n, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(*land.xlim, n), rng.uniform(*land.ylim, n)], axis=-1)


def assert_close_relative(actual, expected, rtol):
    """Elementwise relative error, measured against the largest entry of the same point
    (a partial derivative that cancels to ~0 has no meaningful relative error of its own)."""
    expected = np.asarray(expected)
    scale = np.abs(expected).max(axis=-1, keepdims=True) if expected.ndim > 1 else np.abs(expected)
    assert np.all(np.abs(actual - expected) <= rtol * np.maximum(scale, 1e-300))


@pytest.mark.parametrize("case", CASES)
def test_gradient_and_value_match_torch_autograd_at_60_random_points_in_float64(case):
    factory, torch_f = CASES[case]
    land = factory()
    points = random_points_in_window(land, 60, seed=len(case))
    p = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    values = torch_f(p)
    # each value depends on its own point only, so the gradient of the sum is every point's gradient
    (torch_grad,) = torch.autograd.grad(values.sum(), p)

    np_grad = land.grad(points)
    assert np_grad.shape == points.shape and np_grad.dtype == np.float64
    assert_close_relative(np_grad, torch_grad.numpy(), rtol=1e-10)
    assert_close_relative(land(points), values.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("case", CASES)
def test_gradient_vanishes_at_every_listed_minimum(case):
    land = CASES[case][0]()
    assert land.minima, "every landscape here is bounded below and lists its minima"
    for minimum in land.minima:
        assert np.linalg.norm(land.grad(minimum)) < 1e-8


def test_minima_and_their_values_are_the_literature_ones():
    assert np.allclose(rosenbrock().minima, [[1.0, 1.0]]) and rosenbrock().min_value == 0.0
    assert np.allclose(rosenbrock(a=2.0).minima, [[2.0, 4.0]])
    assert np.allclose(beale().minima, [[3.0, 0.5]]) and beale().min_value == 0.0
    assert np.allclose(quadratic().minima, [[0.0, 0.0]])
    assert sorted(map(tuple, saddle().minima)) == [(0.0, -1.0), (0.0, 1.0)]
    assert saddle().min_value == -0.25
    assert [tuple(p) for p in saddle().saddle_points] == [(0.0, 0.0)]

    literature = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    land = himmelblau()
    assert len(land.minima) == 4
    for expected in literature:
        assert min(np.abs(m - expected).max() for m in land.minima) < 1e-6
    for m in land.minima:
        assert abs(land(m)) < 1e-20  # all four are global: f = 0


@pytest.mark.parametrize("name", LANDSCAPES)
def test_listed_minimum_is_the_lowest_point_of_a_fine_grid_over_the_window(name):
    land = LANDSCAPES[name]()
    xs, ys = np.linspace(*land.xlim, 801), np.linspace(*land.ylim, 801)
    X, Y = np.meshgrid(xs, ys)
    Z = land(np.stack([X, Y], axis=-1))
    lowest = min(land(m) for m in land.minima)
    assert lowest <= Z.min() + 1e-12

    spacing = max(xs[1] - xs[0], ys[1] - ys[0])
    i, j = np.unravel_index(np.argmin(Z), Z.shape)
    grid_argmin = np.array([X[i, j], Y[i, j]])
    assert min(np.linalg.norm(grid_argmin - m) for m in land.minima) < 3 * spacing


@pytest.mark.parametrize("name", LANDSCAPES)
def test_evaluation_on_a_grid_of_points_equals_point_by_point_evaluation(name):
    land = LANDSCAPES[name]()
    grid = random_points_in_window(land, 35, seed=3).reshape(7, 5, 2)
    values, grads = land(grid), land.grad(grid)
    assert values.shape == (7, 5) and grads.shape == (7, 5, 2)
    for i in range(7):
        for j in range(5):
            np.testing.assert_allclose(values[i, j], land(grid[i, j]), rtol=1e-14, atol=0)
            np.testing.assert_allclose(grads[i, j], land.grad(grid[i, j]), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", LANDSCAPES)
def test_dropdown_entries_build_landscapes_whose_name_is_the_key_and_whose_demo_fits_the_window(name):
    land = LANDSCAPES[name]()
    assert isinstance(land, Landscape) and land.name == name
    for point in (*land.minima, land.start):
        assert land.xlim[0] <= point[0] <= land.xlim[1] and land.ylim[0] <= point[1] <= land.ylim[1]
    assert all(np.linalg.norm(land.start - m) > 0.1 for m in land.minima)
    assert land.log_scale == (name in ("Narrow valley", "Rosenbrock", "Beale", "Himmelblau"))


def test_landscape_is_constant_its_minima_cannot_be_moved():
    land = rosenbrock()
    with pytest.raises(ValueError):
        land.minima[0][0] = 5.0
    with pytest.raises(AttributeError):
        land.name = "other"


# --- the quadratic: curvatures ----------------------------------------------


@pytest.mark.parametrize("condition_number, scale, angle", [(10.0, 1.0, 0.0), (4.0, 0.5, 1.1), (1.0, 2.0, 0.3)])
def test_quadratic_L_and_mu_are_the_hessian_eigenvalues_and_kappa_is_their_ratio(condition_number, scale, angle):
    land = quadratic(condition_number=condition_number, scale=scale, angle=angle)
    assert isinstance(land, Quadratic)
    eigenvalues = np.linalg.eigvalsh(land.hessian)
    assert land.mu == pytest.approx(eigenvalues[0], rel=1e-12) == pytest.approx(scale, rel=1e-12)
    assert land.L == pytest.approx(eigenvalues[1], rel=1e-12) == pytest.approx(scale * condition_number, rel=1e-12)
    assert land.condition_number == pytest.approx(land.L / land.mu, rel=1e-12)
    assert land.condition_number == pytest.approx(condition_number, rel=1e-12)

    # the hessian attribute is the Hessian of the function, as autograd sees it
    torch_f = torch_quadratic(condition_number, scale, angle)
    torch_hessian = torch.autograd.functional.hessian(torch_f, torch.tensor([0.3, -0.2], dtype=torch.float64))
    np.testing.assert_allclose(land.hessian, torch_hessian.numpy(), rtol=1e-12, atol=1e-14)
    # the flat direction is (cos angle, sin angle)
    flat = np.array([math.cos(angle), math.sin(angle)])
    np.testing.assert_allclose(land.hessian @ flat, scale * flat, atol=1e-12)


# --- trajectory: convergence below 2 / L, divergence above ------------------


def test_sgd_trajectory_on_the_quadratic_converges_for_lr_below_2_over_L():
    land = quadratic(condition_number=10.0, angle=0.3)
    lr = 0.95 * 2 / land.L  # |1 - lr * L| = 0.9: the steep direction oscillates but shrinks
    path = trajectory(optim.SGD(lr=lr), land, land.start, steps=400)
    assert path.shape == (401, 2) and path.dtype == np.float64
    np.testing.assert_array_equal(path[0], land.start)
    assert np.linalg.norm(path[-1]) < 1e-8


def test_sgd_trajectory_above_2_over_L_stops_early_with_finite_points_and_no_warnings():
    land = quadratic(condition_number=10.0, angle=0.3)
    lr = 1.05 * 2 / land.L  # |1 - lr * L| = 1.1: grows by 10% per step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = trajectory(optim.SGD(lr=lr), land, land.start, steps=5000)
    assert 2 < len(path) < 5001
    assert np.all(np.isfinite(path))
    assert np.linalg.norm(path[-1]) > 1e6  # the divergent point itself is kept
    assert np.all(np.linalg.norm(path[:-1], axis=1) <= 1e6)
    # the norm grows geometrically along the steep direction, not suddenly
    assert np.linalg.norm(path[-2]) > 1e6 / 1.2


def test_trajectory_drops_a_point_that_overflowed_to_inf_without_warnings():
    land = rosenbrock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # lr * grad overflows float64 on the first step
        path = trajectory(optim.SGD(lr=1e308), land, (-1.2, 1.0), steps=10)
    np.testing.assert_array_equal(path, [[-1.2, 1.0]])


def test_trajectory_with_zero_steps_is_the_start_and_start_none_means_the_demo_start():
    land = beale()
    np.testing.assert_array_equal(trajectory(optim.Adam(lr=0.1), land, (1.0, 2.0), steps=0), [[1.0, 2.0]])
    path = trajectory(optim.Adam(lr=0.1), land, None, steps=3)
    np.testing.assert_array_equal(path[0], land.start)
    assert path.shape == (4, 2)


def test_adam_trajectory_reaches_the_beale_minimum_from_the_demo_start():
    land = beale()
    path = trajectory(optim.Adam(lr=0.05), land, steps=2000)
    assert np.linalg.norm(path[-1] - np.array([3.0, 0.5])) < 1e-3


# --- errors a student may meet -----------------------------------------------


def test_condition_number_below_one_is_rejected_with_its_value():
    with pytest.raises(ValueError, match=r"condition_number must be >= 1, got 0.5"):
        quadratic(condition_number=0.5)


@pytest.mark.parametrize("make, message", [
    (lambda: quadratic(scale=0.0), r"scale must be > 0, got 0.0"),
    (lambda: quadratic(condition_number=float("nan")), r"condition_number must be >= 1"),
    (lambda: rosenbrock(b=-1.0), r"b must be > 0, got -1.0"),
])
def test_bad_landscape_parameters_raise_value_errors_naming_the_parameter(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("point", [np.zeros(3), np.zeros((4, 3)), np.float64(1.0), np.zeros((2, 1))])
def test_points_without_a_last_axis_of_two_are_rejected(point):
    land = himmelblau()
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(\.\.\., 2\)"):
        land(point)
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(\.\.\., 2\)"):
        land.grad(point)


@pytest.mark.parametrize("kwargs, message", [
    (dict(start=(1.0, 2.0, 3.0), steps=5), r"start must be a finite point of shape \(2,\)"),
    (dict(start=(np.nan, 0.0), steps=5), r"start must be a finite point"),
    (dict(start=(0.0, 0.0), steps=-1), r"steps must be a whole number >= 0, got -1"),
    (dict(start=(0.0, 0.0), steps=2.5), r"steps must be a whole number"),
])
def test_trajectory_rejects_bad_start_or_steps(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trajectory(optim.SGD(lr=0.1), saddle(), **kwargs)


# --- Reddi, Kale and Kumar (2018) --------------------------------------------


def test_reddi_losses_and_gradients_follow_the_period_of_three_counted_from_one():
    problem = ReddiOnlineProblem(C=3.0)
    for t, slope in [(1, 3.0), (2, -1.0), (3, -1.0), (4, 3.0), (5, -1.0), (6, -1.0), (7, 3.0), (301, 3.0)]:
        assert problem.loss(0.5, t) == pytest.approx(0.5 * slope)
        g = problem.grad(np.array([0.5, -0.2]), t)
        np.testing.assert_array_equal(g, [slope, slope])
        assert g.dtype == np.float64


def test_reddi_projection_clips_to_the_feasible_interval():
    problem = ReddiOnlineProblem()
    assert problem.project(1.7) == 1.0
    assert problem.project(-3.0) == -1.0
    assert problem.project(0.25) == 0.25
    np.testing.assert_array_equal(problem.project(np.array([-2.0, 0.5, 2.0])), [-1.0, 0.5, 1.0])


@pytest.mark.parametrize("C", [2.5, 3.0, 10.0])
def test_reddi_x_star_minus_one_minimizes_the_sum_over_a_period(C):
    problem = ReddiOnlineProblem(C=C)
    xs = np.linspace(-1.0, 1.0, 201)
    period_loss = sum(problem.loss(xs, t) for t in (1, 2, 3))  # (C - 2) x
    np.testing.assert_allclose(period_loss, (C - 2) * xs, atol=1e-12)
    assert problem.x_star == -1.0 == xs[np.argmin(period_loss)]


def test_reddi_average_regret_is_zero_for_a_learner_that_sits_at_x_star():
    problem = ReddiOnlineProblem(C=3.0)
    run = problem.run(optim.SGD(lr=0.0), steps=30, x0=-1.0)
    np.testing.assert_array_equal(run.x, np.full(30, -1.0))
    np.testing.assert_array_equal(run.average_regret, np.zeros(30))


def test_reddi_regret_at_plus_one_grows_by_2C_minus_4_per_period():
    # f_t(1) - f_t(-1) is 2C, -2, -2 over a period
    problem = ReddiOnlineProblem(C=3.0)
    regret = problem.regret(np.ones(9))
    np.testing.assert_allclose(regret, [6, 4, 2, 8, 6, 4, 10, 8, 6])
    run = problem.run(optim.SGD(lr=0.0), steps=9, x0=1.0)
    np.testing.assert_allclose(run.average_regret, regret / np.arange(1, 10))


def test_reddi_sgd_with_a_constant_lr_drifts_to_x_star():
    run = ReddiOnlineProblem(C=3.0).run(optim.SGD(), steps=600, x0=0.5, lr=0.01)
    assert run.x.shape == (600,) and run.x[0] == 0.5
    assert np.all(run.x[-30:] < -0.97)
    assert np.all(np.abs(run.x) <= 1.0)


def test_reddi_theorem_1_adam_ends_at_plus_one_and_amsgrad_at_x_star():
    """The paper's setting: beta1 = 0, beta2 = 1 / (1 + C^2), alpha_t = alpha / sqrt(t),
    C = 3, alpha = 0.5 < sqrt(1 - beta2). AMSGrad reaching -1 also shows that the
    state survives the projection: with v reset each step both would behave alike."""
    C, alpha = 3.0, 0.5
    problem = ReddiOnlineProblem(C=C)
    betas = (0.0, 1 / (1 + C**2))
    schedule = lambda n: alpha / math.sqrt(n + 1)  # noqa: E731 (n steps taken, so t = n + 1)

    adam = problem.run(optim.Adam(betas=betas), steps=3000, x0=0.0, schedule=schedule)
    amsgrad = problem.run(optim.AMSGradPaper(betas=betas), steps=3000, x0=0.0, schedule=schedule)

    assert np.all(adam.x[-300:] > 0.95)
    assert np.all(amsgrad.x[-300:] < -0.95)
    # Adam's average regret tends to (2C - 4) / 3 = 2/3, AMSGrad's to 0
    assert adam.average_regret[-1] > 0.6
    assert abs(amsgrad.average_regret[-1]) < 0.05


@pytest.mark.parametrize("C", [2.0, 1.0, -3.0])
def test_reddi_rejects_C_not_above_two(C):
    with pytest.raises(ValueError, match=rf"C must be > 2, got {C}"):
        ReddiOnlineProblem(C=C)


def test_reddi_rejects_bad_t_x0_and_lr_with_schedule():
    problem = ReddiOnlineProblem()
    with pytest.raises(ValueError, match="t counts the steps from 1"):
        problem.loss(0.0, 0)
    with pytest.raises(ValueError, match=r"x0 must lie in the feasible set \[-1, 1\], got 2.0"):
        problem.run(optim.SGD(lr=0.1), steps=5, x0=2.0)
    with pytest.raises(ValueError, match="not both"):
        problem.run(optim.SGD(), steps=5, lr=0.1, schedule=lambda n: 0.1)


# --- lesson 04's changing bowl ---------------------------------------------------


def test_changing_bowl_is_steep_up_to_the_switch_then_flat_with_its_minimum_moved():
    assert changing_bowl(1) == changing_bowl(SWITCH_STEP) == STEEP == (1.0, 10.0)
    assert changing_bowl(SWITCH_STEP + 1) == changing_bowl(10**6) == FLAT == (-1.0, 0.1)
    for t, (center, curvature) in ((1, STEEP), (SWITCH_STEP + 1, FLAT)):
        assert changing_bowl_grad(np.array([center]), t)[0] == 0.0
        assert changing_bowl_grad(np.array([center + 2.0]), t)[0] == pytest.approx(2.0 * curvature)


@pytest.mark.parametrize("t", [0, -3, 1.0, True, "1"])
def test_changing_bowl_counts_steps_from_one_and_says_so(t):
    with pytest.raises(ValueError, match="t counts the steps from 1"):
        changing_bowl(t)


def newton_step(theta, g, t):
    """Jumps onto the minimum c_t in one step (it knows the curvature s_t); its state is the step count."""
    return theta - g / changing_bowl(t + 1)[1], t + 1


def test_run_changing_bowl_records_every_step_and_steps_to_recover_counts_from_the_switch():
    exact = run_changing_bowl(newton_step, 0, steps=300)
    assert exact.theta.shape == exact.center.shape == exact.distance.shape == (300,) and exact.states[-1] == 300
    assert np.array_equal(exact.center, np.where(np.arange(1, 301) <= SWITCH_STEP, 1.0, -1.0))
    assert np.allclose(exact.distance, 0.0) and steps_to_recover(exact) == 1
    still = run_changing_bowl(lambda theta, g, state: (theta, state), None, steps=300)
    assert np.all(still.theta == 0.0) and steps_to_recover(still) is None


def test_on_the_changing_bowl_rmsprop_recovers_in_tens_of_steps_and_adagrad_in_hundreds_or_never():
    start = np.zeros(1)
    recovered = {}
    for name, opt in (("RMSProp", optim.RMSprop(lr=0.1, beta2=0.9)), ("AdaGrad 2.0", optim.Adagrad(lr=2.0)),
                      ("AdaGrad 0.5", optim.Adagrad(lr=0.5))):
        run = run_changing_bowl(opt.step, opt.init(start))
        assert run.distance[SWITCH_STEP - 1] < 1e-6, f"{name} should sit at the steep bowl's minimum at the switch"
        recovered[name] = steps_to_recover(run)
    assert recovered["RMSProp"] < 50 and recovered["AdaGrad 2.0"] > 200 and recovered["AdaGrad 0.5"] is None


def test_steps_taken_follows_trajectory_and_stops_before_a_diverged_point():
    from course_lib import optim
    from course_lib.landscapes import DIVERGENCE_NORM, narrow_valley, steps_taken, trajectory

    valley = narrow_valley()
    calm = optim.SGD(lr=0.01)
    taken = list(steps_taken(calm, valley, 30))
    assert len(taken) == 30
    assert np.array_equal(np.array([point for point, _ in taken]), trajectory(calm, valley, steps=30)[1:])
    wild = optim.SGD(lr=10.0)   # far past 2 / L: the points grow until they leave the plane
    points = [point for point, _ in steps_taken(wild, valley, 500)]
    assert 0 < len(points) < 500 and all(np.linalg.norm(p) <= DIVERGENCE_NORM for p in points)
    assert np.linalg.norm(trajectory(wild, valley, steps=500)[len(points) + 1]) > DIVERGENCE_NORM
