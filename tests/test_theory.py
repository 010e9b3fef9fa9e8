"""course_lib.theory: the quantities the lessons derive, checked against runs of the optimizers
(torch.optim's where torch has the algorithm), not against the formulas a second time."""

import math

import numpy as np
import pytest
import torch

from course_lib import landscapes, models, optim, schedules
from course_lib.theory.lookahead import lookahead_cycle_factor, lookahead_lr_limit, lookahead_paths
from course_lib.theory.lp_moments import decayed_max, lp_moment_root
from course_lib.theory.momentum_rates import optimal_heavy_ball, predicted_rate
from course_lib.theory.moving_averages import ema_weights
from course_lib.theory.outcomes import diverged_at, nearest_minimum
from course_lib.theory.lr_diagnostics import BLOW_UP, lr_range_test, smoothed_losses, update_ratios
from course_lib.theory.race import LINEUP, Tuning, make_optimizer, race_data, race_model, race_run, torch_optimizer
from course_lib.theory.rectification import (PAPER_THRESHOLD, TORCH_THRESHOLD, first_rectified_step,
                                             rectification_curve, warmup_factor)
from course_lib.theory.sgd_noise import NOISY_BOWL, noise_floor, noisy_quadratic_losses
from course_lib.theory.step_bounds import adamax_step_bound, paper_step_bound
from course_lib.theory import acceleration, regret
from course_lib.theory import heavy_ball_counterexample as lessard
from course_lib.theory.sgd_rates import c_over_t_constant, c_over_t_exponent, convex_gap_bound, expected_gap
from course_lib.theory.sweeps import GridEdgeError, best_inside
from course_lib.theory.swats import gradient_projection_rate, swats_gamma
from course_lib.theory.weight_decay import normalized_weight_decay, sgd_momentum_step
from course_lib.theory.reddi_counterexamples import gamma, stochastic_gradients, stochastic_probability, theorem1_mismatches


def torch_steps(torch_class, gradients, **hyperparameters) -> np.ndarray:
    """|theta_t - theta_{t-1}| for each row of ``gradients`` (T, n), torch.optim doing the update."""
    param = torch.nn.Parameter(torch.zeros(gradients.shape[1], dtype=torch.float64))
    optimizer = torch_class([param], **hyperparameters)
    steps = []
    for g in gradients:
        before = param.detach().clone()
        param.grad = torch.from_numpy(np.array(g, dtype=np.float64))
        optimizer.step()
        steps.append((param.detach() - before).abs().numpy())
    return np.array(steps)


# --- outcomes (lesson 00) ------------------------------------------------------


def test_diverged_at_is_none_for_a_full_run_and_the_last_step_for_a_run_that_left():
    bowl = landscapes.quadratic()
    converging = landscapes.trajectory(optim.SGD(lr=1.9 / bowl.L), bowl, steps=100)
    assert diverged_at(converging, 100) is None
    diverging = landscapes.trajectory(optim.SGD(lr=2.2 / bowl.L), bowl, steps=1000)
    step = diverged_at(diverging, 1000)
    assert step == len(diverging) - 1 and np.linalg.norm(diverging[-1]) > landscapes.DIVERGENCE_NORM
    assert np.linalg.norm(diverging[-2]) <= landscapes.DIVERGENCE_NORM


def test_diverged_at_counts_the_step_whose_point_overflowed_and_was_dropped():
    path = landscapes.trajectory(optim.SGD(lr=1e308), landscapes.rosenbrock(), (-1.2, 1.0), steps=10)
    assert len(path) == 1  # step 1 overflowed to inf: trajectory kept only the start
    assert diverged_at(path, 10) == 1


def test_nearest_minimum_finds_each_of_himmelblaus_four_minima_and_the_distance_to_it():
    land = landscapes.himmelblau()
    assert len(land.minima) == 4
    for index, minimum in enumerate(land.minima):
        found, distance = nearest_minimum(land, minimum + np.array([0.03, -0.04]))
        assert found == index and math.isclose(distance, 0.05, rel_tol=1e-9)


# --- momentum rates (lesson 02) ---------------------------------------------------


def measured_rate(optimizer, land, start: int, end: int) -> float:
    """Per-step shrink factor of |theta_t| between two windows (their maxima: oscillations cancel out)."""
    path = landscapes.trajectory(optimizer, land, steps=end)
    norms = np.linalg.norm(path, axis=1)
    return (norms[end - 20:end + 1].max() / norms[start - 20:start + 1].max()) ** (1 / (end - start))


@pytest.mark.parametrize("lr,momentum,nesterov", [(0.3, 0.0, False), (0.1, 0.9, False), (0.1, 0.9, True),
                                                  (0.25, 0.3, True), (0.35, 0.3, False)])
def test_predicted_rate_is_the_measured_shrink_per_step_of_sgd_on_the_narrow_valley(lr, momentum, nesterov):
    valley = landscapes.narrow_valley()
    rate = predicted_rate(lr, momentum, nesterov, (valley.mu, valley.L))
    assert rate < 1
    measured = measured_rate(optim.SGD(lr=lr, momentum=momentum, nesterov=nesterov), valley, 100, 300)
    assert math.isclose(measured, rate, rel_tol=1e-2)


def test_predicted_rate_without_momentum_is_gradient_descents_max_abs_one_minus_lr_lambda():
    for lr in (0.01, 0.2, 0.39, 0.45):
        assert math.isclose(predicted_rate(lr, 0.0, False, (0.1, 5.0)), max(abs(1 - lr * 0.1), abs(1 - lr * 5.0)),
                            rel_tol=1e-14)


def test_optimal_heavy_ball_reaches_sqrt_beta_star_and_any_nearby_setting_is_slower():
    L, mu = 5.0, 0.1
    alpha, beta = optimal_heavy_ball(L, mu)
    kappa = L / mu
    best = predicted_rate(alpha, beta, False, (mu, L))
    assert math.isclose(best, (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1), rel_tol=1e-6)
    assert math.isclose(best, math.sqrt(beta), rel_tol=1e-6)
    for a, b in ((0.95 * alpha, beta), (1.05 * alpha, beta), (alpha, 0.95 * beta), (alpha, min(1.05 * beta, 0.99))):
        assert predicted_rate(a, b, False, (mu, L)) > best
    measured = measured_rate(optim.SGD(lr=alpha, momentum=beta), landscapes.narrow_valley(), 100, 400)
    assert math.isclose(measured, best, rel_tol=1e-2)  # double roots: t r^t, hence the long run


# --- moving averages (lessons 04 and 06) ---------------------------------------------


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.999])
def test_ema_weights_sum_to_one_minus_beta_to_the_t_and_rebuild_rmsprops_v(beta):
    rng = np.random.default_rng(0)
    g = rng.normal(size=(50, 3))
    rmsprop = optim.RMSprop(lr=0.01, beta2=beta)
    theta, state = np.zeros(3), rmsprop.init(np.zeros(3))
    for t, g_t in enumerate(g, start=1):
        theta, state = rmsprop.step(theta, g_t, state)
        weights = ema_weights(beta, t)
        assert weights.shape == (t,) and math.isclose(weights.sum(), 1 - beta**t, rel_tol=1e-12, abs_tol=1e-15)
        assert np.allclose(weights @ g[:t] ** 2, state.square_avg, rtol=1e-12, atol=0)


def test_ema_weights_rebuild_adams_second_moment_before_bias_correction():
    beta2 = 0.99
    g = np.random.default_rng(1).normal(size=(30, 2))
    adam = optim.Adam(lr=0.01, betas=(0.9, beta2))
    theta, state = np.zeros(2), adam.init(np.zeros(2))
    for g_t in g:
        theta, state = adam.step(theta, g_t, state)
    assert np.allclose(ema_weights(beta2, len(g)) @ g**2, state.v, rtol=1e-12, atol=0)


# --- step bounds (lessons 05 and 07) --------------------------------------------------


def test_paper_step_bound_is_what_a_gradient_after_a_long_run_of_zeros_makes_torch_adam_take():
    assert math.isclose(paper_step_bound(0.9, 0.999), 0.1 / math.sqrt(0.001), rel_tol=1e-12)  # the defaults
    T = 2000   # beta2^T = 2e-9: the zero start is forgotten
    gradients = np.zeros((T, 1))
    gradients[-1] = 3.0
    steps = torch_steps(torch.optim.Adam, gradients, lr=1.0, betas=(0.5, 0.99), eps=1e-30)
    assert math.isclose(steps[-1, 0], paper_step_bound(0.5, 0.99), rel_tol=1e-8)
    assert paper_step_bound(0.5, 0.99) == pytest.approx(5.0)


def test_paper_step_bound_is_one_when_one_minus_beta1_is_below_sqrt_one_minus_beta2():
    assert paper_step_bound(0.99, 0.999) == 1.0
    steps = torch_steps(torch.optim.Adam, np.full((100, 1), 0.7), lr=1.0, betas=(0.99, 0.999), eps=1e-30)
    assert np.allclose(steps, 1.0, rtol=1e-12)  # a constant gradient: exactly the bound, from the first step


@pytest.mark.parametrize("beta1,beta2", [(0.9, 0.999), (0.9, 0.99), (0.5, 0.9), (0.0, 0.5)])
def test_adamax_step_bound_is_attained_by_gradients_shrinking_by_beta2_in_torch_adamax(beta1, beta2):
    T = 300
    t = np.arange(1, T + 1)
    shrinking = (5.0 * beta2**t)[:, None]
    steps = torch_steps(torch.optim.Adamax, shrinking, lr=1.0, betas=(beta1, beta2), eps=0.0)[:, 0]
    bound = np.array([adamax_step_bound(beta1, beta2, int(k)) for k in t])
    assert bound[0] == 1.0 and np.allclose(steps, bound, rtol=1e-9)
    assert math.isclose(bound[-1], (1 - beta1) / (1 - beta1 / beta2), rel_tol=1e-9)


def test_adamax_step_bound_holds_for_every_step_of_torch_adamax_on_random_gradients():
    rng = np.random.default_rng(2)
    gradients = rng.normal(size=(400, 50)) * 10 ** rng.uniform(-2, 2, size=(400, 50))
    steps = torch_steps(torch.optim.Adamax, gradients, lr=1.0, betas=(0.9, 0.999), eps=0.0)
    bound = np.array([adamax_step_bound(0.9, 0.999, t) for t in range(1, 401)])
    assert np.all(steps <= bound[:, None] * (1 + 1e-12))


def test_adamax_step_bound_grows_without_limit_for_beta1_at_least_beta2_and_is_infinite_for_beta2_zero():
    assert adamax_step_bound(0.9, 0.9, 1000) > 90   # r = 1: (1 - beta1) t / (1 - beta1^t)
    assert adamax_step_bound(0.99, 0.5, 50) > 1e10
    assert adamax_step_bound(0.9, 0.0, 2) == math.inf and adamax_step_bound(0.9, 0.0, 1) == 1.0


# --- L^p moments (lesson 07) ---------------------------------------------------------


def test_lp_moment_root_equals_the_direct_recursion_where_powers_do_not_overflow():
    g = np.random.default_rng(3).normal(size=100)
    for p, beta2 in ((1.0, 0.9), (2.0, 0.999), (4.0, 0.5)):
        v, direct = 0.0, []
        for g_t in g:
            v = beta2**p * v + (1 - beta2**p) * abs(g_t) ** p
            direct.append(v ** (1 / p))
        assert np.allclose(lp_moment_root(g, beta2, p), direct, rtol=1e-12)


def test_lp_moment_root_scales_with_the_gradients_even_where_their_pth_power_overflows():
    g = np.random.default_rng(4).normal(size=200)
    small, huge = lp_moment_root(g, 0.99, 512.0), lp_moment_root(1e4 * g, 0.99, 512.0)
    assert np.all(np.isfinite(huge)) and np.allclose(huge, 1e4 * small, rtol=1e-12)


def test_lp_moment_root_lies_in_its_sandwich_around_the_decayed_max_and_closes_on_it_as_p_grows():
    T, beta2 = 200, 0.99
    g = np.random.default_rng(5).normal(size=T) * 10 ** np.random.default_rng(6).uniform(-1, 1, size=T)
    u = decayed_max(g, beta2)
    ps = 2.0 ** np.arange(0, 15)
    ratio = lp_moment_root(g, beta2, ps)[-1] / u[-1]   # one column per p
    lower = (1 - beta2**ps) ** (1 / ps)
    assert np.all((lower * (1 - 1e-12) <= ratio) & (ratio <= lower * T ** (1 / ps) * (1 + 1e-12)))
    assert abs(ratio[-1] - 1) < 1e-3
    assert np.allclose(lp_moment_root(g, beta2, ps)[:, 3], lp_moment_root(g, beta2, ps[3]), rtol=1e-15)


def test_decayed_max_is_torch_adamaxs_exp_inf_without_eps():
    g = np.random.default_rng(7).normal(size=(60, 1))
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    adamax = torch.optim.Adamax([param], lr=0.01, betas=(0.9, 0.95), eps=0.0)
    exp_inf = []
    for g_t in g:
        param.grad = torch.from_numpy(g_t.copy())
        adamax.step()
        exp_inf.append(adamax.state[param]["exp_inf"].item())
    assert np.allclose(decayed_max(g[:, 0], 0.95), exp_inf, rtol=1e-15)


# --- rectification (lesson 09) --------------------------------------------------------


@pytest.mark.parametrize("beta2", [0.9, 0.99, 0.999])
def test_first_rectified_step_is_where_torch_radam_stops_taking_momentum_sgd_steps(beta2):
    first = first_rectified_step(beta2, TORCH_THRESHOLD)
    gradients = 1 + 0.3 * np.random.default_rng(8).normal(size=(first + 3, 1))
    steps = torch_steps(torch.optim.RAdam, gradients, lr=0.1, betas=(0.9, beta2))[:, 0]
    m, momentum_sgd = 0.0, []
    for t, g in enumerate(gradients[:, 0], start=1):
        m = 0.9 * m + 0.1 * g
        momentum_sgd.append(0.1 * abs(m) / (1 - 0.9**t))
    same = np.isclose(steps, momentum_sgd, rtol=1e-12, atol=0)
    assert same[:first - 1].all() and not same[first - 1]


def test_first_rectified_steps_for_beta2_0999_and_none_when_rho_inf_never_passes():
    assert first_rectified_step(0.999, PAPER_THRESHOLD) == 5 and first_rectified_step(0.999) == 6
    for beta2 in (0.6, 0.5):   # rho_inf = 4 and 3
        assert first_rectified_step(beta2, PAPER_THRESHOLD) is None and first_rectified_step(beta2) is None
    for beta2, threshold in ((0.95, 4.0), (0.999, 30.0), (0.9999, 100.0)):
        t = first_rectified_step(beta2, threshold)
        assert optim.rho_t(beta2, t) > threshold and (t == 1 or optim.rho_t(beta2, t - 1) <= threshold)


def test_rectification_curve_is_nan_before_torch_rectifies_and_r_t_after():
    beta2 = 0.999
    ts = np.arange(1, 3001)
    curve = rectification_curve(beta2, ts)
    first = first_rectified_step(beta2)
    assert np.isnan(curve[:first - 1]).all() and not np.isnan(curve[first - 1:]).any()
    assert np.allclose(curve[first - 1:], [optim.rectification(beta2, int(t)) for t in ts[first - 1:]], rtol=0)
    assert np.all(np.diff(curve[first - 1:]) > 0) and 0 < curve[first - 1] < curve[-1] < 1


@pytest.mark.parametrize("warmup_steps", [1, 4, 100])
def test_warmup_factor_is_torchs_linear_lr_from_one_over_w(warmup_steps):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup_steps, total_iters=warmup_steps)
    theirs = []
    for _ in range(2 * warmup_steps + 2):
        theirs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    ours = warmup_factor(np.arange(1, 2 * warmup_steps + 3), warmup_steps)
    assert np.allclose(ours, theirs, rtol=1e-12) and ours[0] == pytest.approx(1 / warmup_steps)
    assert warmup_factor(warmup_steps + 1, warmup_steps)[0] == 1.0


# --- SGD's noise floor (lesson 11) -------------------------------------------------


@pytest.mark.parametrize("lr", [0.02, 0.05, 0.1])
def test_noise_floor_is_where_simulated_sgd_with_a_constant_lr_settles(lr):
    constant = schedules.ExponentialLR(lr, gamma=1.0)
    settled = noisy_quadratic_losses([constant], steps=3000, runs=200)[0, 1000:].mean()
    assert abs(settled / noise_floor(lr) - 1) < 0.05


def test_noise_floor_is_about_proportional_to_lr_and_infinite_from_two_over_L():
    assert math.isclose(noise_floor(1e-4) / noise_floor(1e-5), 10, rel_tol=1e-3)
    assert noise_floor(0.2) == math.inf and noise_floor(0.199) < math.inf
    assert math.isclose(noise_floor(0.05, curvatures=(1.0,), sigma=2.0), 0.05 * 4 / (2 * 1.95), rel_tol=1e-12)


def test_noisy_quadratic_losses_start_at_the_bowls_loss_and_share_the_noise_between_schedules():
    same = schedules.ExponentialLR(0.05, gamma=1.0)
    losses = noisy_quadratic_losses([same, same, schedules.ExponentialLR(0.0, gamma=1.0)], steps=50, runs=20)
    assert losses.shape == (3, 51)
    assert np.array_equal(losses[0], losses[1])
    assert np.allclose(losses[2], NOISY_BOWL(NOISY_BOWL.start), rtol=1e-12)  # lr = 0: never moves
    diverging = noisy_quadratic_losses([schedules.ExponentialLR(0.5, gamma=1.0)], steps=2000, runs=5)
    assert diverging[0, -1] == math.inf


# --- Lookahead (lesson 10) ----------------------------------------------------------


@pytest.mark.parametrize("lr,k,slow_lr", [(0.3, 5, 0.5), (0.1, 3, 0.8), (0.45, 6, 0.2), (0.05, 1, 1.0)])
def test_lookahead_cycle_factor_is_one_measured_cycle_along_each_eigenvector(lr, k, slow_lr):
    valley = landscapes.narrow_valley()
    eigenvalues, eigenvectors = np.linalg.eigh(valley.hessian)
    _, slow = lookahead_paths(optim.SGD(lr=lr), k, slow_lr, valley, steps=k)
    measured = (eigenvectors.T @ slow[1]) / (eigenvectors.T @ slow[0])
    assert np.allclose(measured, [lookahead_cycle_factor(lr, lam, k, slow_lr) for lam in eigenvalues], rtol=1e-12)


def test_lookahead_lr_limit_separates_converging_from_diverging_runs_on_the_valley():
    valley = landscapes.narrow_valley()
    L = valley.L

    def converges(lr, k, slow_lr):
        fast, slow = lookahead_paths(optim.SGD(lr=lr), k, slow_lr, valley, steps=300)
        return len(fast) == 301 and valley(slow[-1]) < 1e-3 * valley(slow[0])

    for k, slow_lr in ((5, 0.5), (3, 0.8), (1, 0.5)):
        limit = lookahead_lr_limit(L, k, slow_lr)
        assert limit > 2 / L
        assert abs(lookahead_cycle_factor(limit, L, k, slow_lr)) == pytest.approx(1.0, rel=1e-12)
        assert converges(0.97 * limit, k, slow_lr) and not converges(1.03 * limit, k, slow_lr)
    assert lookahead_lr_limit(L, 6, 0.5) == 2 / L and lookahead_lr_limit(L, 5, 0.0) == math.inf


def test_lookahead_paths_keep_k_fast_steps_per_slow_step_and_restart_the_fast_weights_on_the_slow_ones():
    fast, slow = lookahead_paths(optim.SGD(lr=0.1, momentum=0.9), k=4, slow_lr=0.5, steps=22)
    assert fast.shape == (23, 2) and slow.shape == (22 // 4 + 1, 2)
    assert np.array_equal(slow[0], landscapes.narrow_valley().start)
    assert np.array_equal(fast[4 * np.arange(len(slow))], slow)


# --- the race (lesson 12) -------------------------------------------------------------


def test_race_run_ends_on_the_same_weights_as_models_train_with_the_same_seed():
    dataset = race_data()
    run = race_run("Adam", 1e-3, epochs=1, seed=3, dataset=dataset)
    history = models.train(models.MLP((64, 200, 10)), optim.Adam(lr=1e-3), dataset, epochs=1, batch_size=64, seed=3,
                           eval_every=10**6)
    assert all(np.array_equal(run.params[k], history.params[k]) for k in run.params)
    assert not run.diverged


def test_race_run_never_reads_the_test_split():
    from dataclasses import replace
    dataset = race_data()
    blind = replace(dataset, X_test=np.full_like(dataset.X_test, np.nan))
    seeing, not_seeing = (race_run("SGD", 0.1, epochs=1, dataset=d) for d in (dataset, blind))
    assert all(np.array_equal(seeing.params[k], not_seeing.params[k]) for k in seeing.params)
    assert np.array_equal(seeing.val_loss, not_seeing.val_loss)


def test_a_blown_up_race_run_is_diverged_and_its_scores_are_nan_from_then_on():
    run = race_run("SGD", 1e4, epochs=3)
    assert run.diverged and run.stopped and np.isnan(run.val_accuracy[-1])


@pytest.fixture
def torch_in_float64():
    """torch keeps NAdam's product of momenta in the default dtype; float64 comparisons need it in float64."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.parametrize("name", [n for n, racer in LINEUP.items() if racer.torch_class])
def test_each_racer_takes_the_same_steps_as_its_torch_counterpart(name, torch_in_float64):
    rng = np.random.default_rng(9)
    params = {"w": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    ours, theirs = make_optimizer(name, 0.01), torch_optimizer(name, 0.01)
    ours_params, theirs_params = params, params
    ours_state, theirs_state = ours.init(params), theirs.init(params)
    for _ in range(20):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        ours_params, ours_state = ours.step(ours_params, grads, ours_state)
        theirs_params, theirs_state = theirs.step(theirs_params, grads, theirs_state)
    assert all(np.allclose(ours_params[k], theirs_params[k], rtol=1e-10, atol=1e-12) for k in params)


def test_tuning_picks_the_highest_accuracy_breaks_ties_by_loss_and_skips_diverged_runs():
    lrs = np.array([1e-3, 1e-2, 1e-1, 1.0])
    tuning = Tuning("X", lrs, val_loss=np.array([0.5, 0.3, 0.2, 0.1]), val_accuracy=np.array([0.9, 0.95, 0.95, 0.99]),
                    diverged=np.array([False, False, False, True]), runs=list("abcd"))
    assert tuning.best_index == 2 and tuning.best_lr == 0.1 and tuning.best_run == "c"
    with pytest.raises(ValueError, match="every learning rate diverged for X"):
        Tuning("X", lrs, np.ones(4), np.ones(4), np.ones(4, dtype=bool), list("abcd")).best_index


def test_make_optimizer_names_the_lineup_when_it_does_not_know_a_racer():
    with pytest.raises(ValueError, match="unknown racer 'Adamm'; choose one of SGD, Momentum"):
        make_optimizer("Adamm", 0.1)


def test_tuning_refuses_to_call_the_grid_edge_tuned():
    lrs = np.array([1e-3, 1e-2, 1e-1])
    tuning = Tuning("X", lrs, val_loss=np.array([0.1, 0.3, 0.5]), val_accuracy=np.array([0.99, 0.95, 0.9]),
                    diverged=np.zeros(3, dtype=bool), runs=list("abc"))
    with pytest.raises(GridEdgeError, match=r"X's learning rate: the best of the sweep is 0.001, the smallest"):
        tuning.best_index


def test_best_inside_returns_the_best_interior_index_and_counts_nan_as_worst():
    assert best_inside([1, 2, 3, 4], [5.0, 1.0, np.nan, 2.0], what="lr") == 1
    assert best_inside([1, 2, 3], [np.inf, 0.9, np.nan], what="acc", lower_is_better=False) == 1
    assert best_inside([1, 2, 3], [0.1, 0.9, 0.2], what="acc", lower_is_better=False) == 1


@pytest.mark.parametrize("scores, side", [([0.1, 0.5, 0.9], "smallest"), ([np.nan, 0.5, 0.1], "largest")])
def test_best_inside_refuses_an_edge_and_says_which(scores, side):
    with pytest.raises(GridEdgeError, match=f"the {side} value tried .grid 0.01, 0.1, 1.; extend the grid"):
        best_inside([0.01, 0.1, 1.0], scores, what="SGD's lr")


def test_best_inside_refuses_sweeps_with_no_inside_or_no_finite_score():
    with pytest.raises(ValueError, match="has no inside"):
        best_inside([1, 2], [1.0, 2.0], what="lr")
    with pytest.raises(ValueError, match="every run of the sweep diverged"):
        best_inside([1, 2, 3], [np.nan, np.inf, np.nan], what="lr")


# --- Reddi, Kale and Kumar's counterexamples (lesson 08) ---------------------------------


def test_theorem1_mismatches_is_empty_in_the_papers_setting_and_names_each_difference():
    assert theorem1_mismatches(3.0, 0.0, 0.1, 0.5) == []
    assert theorem1_mismatches(2.05, 0.0, 0.192, 0.5) != []
    assert theorem1_mismatches(2.05, 0.0, 0.192, 0.5, beta2_tolerance=0.0005) == []
    found = theorem1_mismatches(3.0, 0.9, 0.999, 0.5)
    assert len(found) == 3 and "β1 = 0.9" in found[0] and "1/(1+C²) = 0.1" in found[1] and "√(1−β2)" in found[2]


def test_stochastic_gradients_draw_C_with_probability_p_and_the_expected_loss_slope_is_delta():
    C, delta = 20.0, 1.0
    p = stochastic_probability(C, delta)
    assert p * C - (1 - p) == pytest.approx(delta)
    g = stochastic_gradients(C, delta, 20_000, runs=5, seed=1)
    assert g.shape == (20_000, 5) and set(np.unique(g)) == {-1.0, C}
    assert np.mean(g == C) == pytest.approx(p, abs=0.005)
    with pytest.raises(ValueError, match="delta must lie in"):
        stochastic_probability(3.0, 5.0)


def test_gamma_is_never_negative_for_amsgrad_and_negative_at_each_minus_one_step_for_adam_in_theorem1():
    C, beta2, lr, T = 3.0, 0.1, 0.5, 300
    t = np.arange(1, T + 1)
    g = np.where(t % 3 == 1, C, -1.0)
    v, running = np.empty(T), 0.0
    for k in range(T):
        running = beta2 * running + (1 - beta2) * g[k] ** 2
        v[k] = running
    lr_t = lr / np.sqrt(t)
    assert np.array_equal(gamma(np.sqrt(v), lr_t) < 0, t % 3 != 1)
    assert not np.any(gamma(np.sqrt(np.maximum.accumulate(v)), lr_t) < 0)
    assert gamma(np.sqrt(v), lr_t)[0] == pytest.approx(math.sqrt(v[0]) / lr)


def test_gamma_refuses_a_learning_rate_per_step_of_the_wrong_length():
    with pytest.raises(ValueError, match="one learning rate per step"):
        gamma(np.ones((5, 2)), np.ones(4))


# --- SWATS and weight decay (lessons 10 and 11) ---------------------------------------------


def test_swats_gamma_makes_the_sgd_step_project_onto_adams_step_and_the_other_projection_is_cos2_smaller():
    p, g = np.array([1.0, 0.0]), np.array([-1.0, -1.0])     # Adam's step, and the gradient it came from
    assert swats_gamma(p, g) == pytest.approx(1.0)            # p.p / (-p.g) = 1 / 1
    sgd_step = -swats_gamma(p, g) * g
    assert np.allclose((sgd_step @ p) / (p @ p) * p, p)       # projected onto p, it is p
    assert gradient_projection_rate(p, g) == pytest.approx(0.5)  # cos^2 of 45 degrees
    with pytest.raises(ValueError, match="orthogonal to the gradient"):
        swats_gamma(np.array([1.0, -1.0]), np.array([1.0, 1.0]))


def test_sgdw_without_momentum_is_l2_with_lambda_over_lr_and_with_momentum_it_is_not():
    theta, g, lr, lam = np.array([2.0]), np.array([0.5]), 0.1, 0.01
    # by hand: L2 with lambda / lr adds 0.1 * 2 to g, a step of 0.07; SGDW steps 0.05 and removes 0.01 * 2
    l2, _ = sgd_momentum_step(theta, g, np.zeros(1), lr, 0.0, lam / lr, decoupled=False)
    sgdw, _ = sgd_momentum_step(theta, g, np.zeros(1), lr, 0.0, lam, decoupled=True)
    assert l2 == pytest.approx(1.93) and sgdw == pytest.approx(1.93)
    _, m_l2 = sgd_momentum_step(theta, g, np.ones(1), lr, 0.9, lam / lr, decoupled=False)
    _, m_sgdw = sgd_momentum_step(theta, g, np.ones(1), lr, 0.9, lam, decoupled=True)
    assert m_l2 != pytest.approx(m_sgdw)   # L2's decay enters the momentum buffer, SGDW's does not


def test_normalized_weight_decay_scales_with_the_root_of_batch_over_passes():
    assert normalized_weight_decay(0.05, 128, 50_000, 100) == pytest.approx(0.05 * math.sqrt(128 / 5_000_000))
    assert normalized_weight_decay(1.0, 4, 100, 1) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="epochs must be > 0"):
        normalized_weight_decay(1.0, 4, 100, 0)


# --- acceleration, Lessard et al.'s counterexample, AdaGrad's regret (lessons 02 and 03) -------------


def test_nesterov_and_gradient_descent_stay_under_their_bounds_on_nesterovs_worst_quadratic():
    n, L = 100, 1.0
    H = L / 4 * (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1))
    b = np.zeros(n); b[0] = L / 4
    theta_star = np.linalg.solve(H, b)
    f = lambda x: 0.5 * x @ H @ x - b @ x
    f_star, r2, steps = f(theta_star), theta_star @ theta_star, 200
    gd, theta, v = np.zeros(n), np.zeros(n), np.zeros(n)
    for k, beta in enumerate(acceleration.nesterov_momentum(steps), start=1):
        gd = gd - (H @ gd - b) / L
        lookahead = theta - beta * v
        v = beta * v + (H @ lookahead - b) / L
        theta = theta - v
        assert f(gd) - f_star <= acceleration.gradient_descent_bound(L, r2, k)
        assert f(theta) - f_star <= acceleration.nesterov_bound(L, r2, k)
    assert f(theta) - f_star < (f(gd) - f_star) / 10


def test_torchs_heavy_ball_at_the_quadratic_optimum_cycles_on_lessards_function():
    lr, momentum = optimal_heavy_ball(lessard.L, lessard.MU)
    x = torch.nn.Parameter(torch.tensor([3.3], dtype=torch.float64))
    opt = torch.optim.SGD([x], lr=lr, momentum=momentum)
    path = []
    for _ in range(300):
        x.grad = torch.from_numpy(lessard.grad(x.detach().numpy()))
        opt.step()
        path.append(float(x.detach()))
    assert np.allclose(path[-3:], path[-6:-3], atol=1e-9) and min(abs(p) for p in path[-3:]) > 0.5


def test_projected_adagrad_regret_is_under_duchi_hazan_singers_bound_on_random_linear_losses():
    rng = np.random.default_rng(0)
    T, d, half_width = 2000, 10, 1.0
    gradients = rng.normal(size=(T, d)) * (rng.random((T, d)) < np.linspace(0.02, 1, d)) + 0.1
    theta, G, paid = np.zeros(d), np.zeros(d), 0.0
    for g in gradients:                      # linear losses f_t(x) = g_t . x on the box [-1, 1]^d
        paid += g @ theta
        G = G + g * g
        theta = np.clip(theta - (2 * half_width / math.sqrt(2)) * g / (np.sqrt(G) + 1e-12), -half_width, half_width)
    best = -half_width * np.abs(gradients.sum(axis=0)).sum()
    assert paid - best <= regret.adagrad_regret_bound(gradients, 2 * half_width)[-1]


# --- SGD's step-size conditions and rates (lesson 01) ------------------------------------------


def test_expected_gap_is_the_mean_of_simulated_sgd_on_the_noisy_quadratic():
    rng = np.random.default_rng(0)
    lrs = 0.5 / np.arange(1, 201)
    theta = np.ones(20000)
    for lr_t in lrs:
        theta = theta - lr_t * (2.0 * theta + 0.5 * rng.standard_normal(theta.size))
    assert math.isclose(np.mean(theta**2), expected_gap(lrs, mu=2.0, sigma=0.5, theta_0=1.0)[-1], rel_tol=0.05)


def test_c_over_t_reaches_its_one_over_t_constant_and_a_small_c_only_its_slower_exponent():
    t = np.arange(1, 100001)
    gap = expected_gap(2.0 / t, mu=1.0, sigma=1.0, theta_0=1.0)
    assert math.isclose(t[-1] * gap[-1], c_over_t_constant(2.0, 1.0, 1.0), rel_tol=1e-3)
    slow = expected_gap(0.25 / t, mu=1.0, sigma=1.0, theta_0=1.0)
    slope = math.log(slow[-1] / slow[10000]) / math.log(t[-1] / 10000)
    assert abs(slope + c_over_t_exponent(0.25, 1.0)) < 0.02
    with pytest.raises(ValueError, match="2 c mu > 1"):
        c_over_t_constant(0.25, 1.0, 1.0)


def test_the_convex_bound_of_a_constant_step_chosen_for_the_horizon_is_dg_over_sqrt_t():
    T, D, G = 400, 2.0, 3.0
    bound = convex_gap_bound(np.full(T, D / (G * math.sqrt(T))), D, G)
    assert math.isclose(bound[-1], D * G / math.sqrt(T), rel_tol=1e-12)


# --- the race's diagnostics: update ratios and the range test (lesson 12) -------------------------


def test_race_run_follows_a_schedule_and_calls_on_step_after_every_step_with_the_new_params():
    seen = []
    run = race_run("SGD", 1.0, epochs=1, schedule=lambda n: 0.1 * 0.5**n,
                   on_step=lambda n, params, state, grads: seen.append((n, params)))
    assert [n for n, _ in seen] == list(range(1, len(run.loss) + 1))
    assert all(np.array_equal(seen[-1][1][k], run.params[k]) for k in run.params)
    dataset = race_data()
    first = race_model().init_params(seed=0, dtype=dataset.X_train.dtype)
    grads = []
    race_run("SGD", 1.0, epochs=1, schedule=lambda n: 0.1, on_step=lambda n, p, s, g: grads.append(g))
    assert np.allclose(seen[0][1]["W1"], first["W1"] - 0.1 * grads[0]["W1"])   # step 1 used schedule(0) = 0.1


def test_update_ratios_are_the_norm_of_each_step_over_the_norm_of_the_weights_before_it():
    ratios = update_ratios("SGD", 0.1, epochs=1)
    dataset = race_data()
    weights = [race_model().init_params(seed=0, dtype=dataset.X_train.dtype)]
    race_run("SGD", 0.1, epochs=1, on_step=lambda n, params, state, grads: weights.append(params))
    assert ratios.ratios.shape == (len(weights) - 1, 2) and ratios.layers == ("W1", "W2")
    for n in (0, 5, len(weights) - 2):
        expected = [np.linalg.norm(weights[n + 1][k] - weights[n][k]) / np.linalg.norm(weights[n][k]) for k in ("W1", "W2")]
        assert np.allclose(ratios.ratios[n], expected, rtol=1e-12)
    assert np.allclose(ratios.median(), np.median(ratios.ratios, axis=0))


def test_smoothed_losses_are_a_bias_corrected_moving_average():
    assert np.allclose(smoothed_losses([2.0, 2.0, 2.0], 0.9), 2.0)
    assert math.isclose(smoothed_losses([1.0, 3.0], 0.5)[1], (0.25 * 1 + 0.5 * 3) / 0.75)


def test_a_range_test_stops_where_the_smoothed_loss_blows_up_and_suggests_a_tenth_of_its_lowest_point():
    test = lr_range_test("Adam", 1e-5, 1e2, steps=68)
    assert test.blew_up and test.smoothed[-1] > BLOW_UP * np.nanmin(test.smoothed[:-1])
    assert test.suggested_lr == pytest.approx(test.lrs[test.lowest_index] / 10)
    assert test.lrs[0] == pytest.approx(1e-5) and np.allclose(np.diff(np.log(test.lrs)), math.log(1e7) / 67)


def test_a_range_test_that_never_blows_up_refuses_to_name_its_last_step_the_lowest():
    test = lr_range_test("SGD", 1e-5, 1e-2, steps=34)
    assert not test.blew_up and math.isnan(test.blow_up_lr)
    with pytest.raises(GridEdgeError, match="SGD's range test"):
        test.lowest_index
