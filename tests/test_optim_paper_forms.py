"""The papers' own forms, Lookahead and LAMB, checked against their papers'
definitions (written out independently here) and against torch where the
two coincide."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from course_lib import optim


def wavy_grad(x):
    """Gradient of a non-convex function: sum(0.5 x^2 + 0.5 sin(3 x))."""
    return x + 1.5 * np.cos(3 * x)


def run(opt, x0, steps, grad=wavy_grad, lr_at=None):
    x, state, path = x0.copy(), opt.init(x0), []
    for n in range(steps):
        if lr_at is not None:
            opt = opt.with_lr(lr_at(n))
        x, state = opt.step(x, grad(x), state)
        path.append(x)
    return np.array(path)


X0 = np.array([1.3, -0.4, 2.2, 0.05, -1.7])


# --- Sutskever's momentum ----------------------------------------------------

def torch_sgd_path(x0, steps, momentum, lr_at):
    p = torch.nn.Parameter(torch.from_numpy(x0.copy()))
    opt = torch.optim.SGD([p], lr=lr_at(0), momentum=momentum)
    path = []
    for n in range(steps):
        opt.param_groups[0]["lr"] = lr_at(n)
        p.grad = torch.from_numpy(wavy_grad(p.detach().numpy()))
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def test_sutskever_momentum_equals_torch_sgd_when_lr_is_constant():
    ours = run(optim.SGDSutskever(lr=0.05, momentum=0.9), X0, 200)
    theirs = torch_sgd_path(X0, 200, 0.9, lambda n: 0.05)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_sutskever_momentum_differs_from_torch_sgd_after_the_lr_drops():
    lr_at = lambda n: 0.05 if n < 50 else 0.005  # noqa: E731
    ours = run(optim.SGDSutskever(lr=0.05, momentum=0.9), X0, 100, lr_at=lr_at)
    theirs = torch_sgd_path(X0, 100, 0.9, lr_at)
    np.testing.assert_allclose(ours[:50], theirs[:50], rtol=1e-9, atol=1e-12)
    assert np.max(np.abs(ours[50:] - theirs[50:])) > 1e-3


def test_sutskever_momentum_follows_its_definition_with_lr_inside_the_velocity():
    lr_at = lambda n: 0.05 if n < 50 else 0.005  # noqa: E731
    x, v, path = X0.copy(), np.zeros_like(X0), []
    for n in range(100):
        v = 0.9 * v + lr_at(n) * wavy_grad(x)
        x = x - v
        path.append(x)
    ours = run(optim.SGDSutskever(lr=0.05, momentum=0.9), X0, 100, lr_at=lr_at)
    np.testing.assert_allclose(ours, np.array(path), rtol=1e-12)


# --- Adam's "efficient" ordering -------------------------------------------------

def test_efficient_adam_equals_adam_when_eps_hat_is_eps_times_sqrt_of_one_minus_beta2_t():
    eps, (beta1, beta2) = 1e-3, (0.9, 0.999)
    x, state = X0.copy(), optim.AdamEfficient().init(X0)
    reference = run(optim.Adam(lr=0.01, eps=eps), X0, 100)
    for n in range(100):
        t = n + 1
        opt = optim.AdamEfficient(lr=0.01, betas=(beta1, beta2), eps=eps * math.sqrt(1 - beta2**t))
        x, state = opt.step(x, wavy_grad(x), state)
        np.testing.assert_allclose(x, reference[n], rtol=1e-10)


def test_efficient_adam_with_a_constant_eps_is_not_adam_when_gradients_are_tiny():
    tiny = lambda x: 1e-7 * wavy_grad(x)  # noqa: E731  so that sqrt(v_hat) is comparable to eps
    efficient = run(optim.AdamEfficient(lr=0.01, eps=1e-8), X0, 20, grad=tiny)
    adam = run(optim.Adam(lr=0.01, eps=1e-8), X0, 20, grad=tiny)
    first_step_ratio = np.abs(efficient[0] - X0) / np.abs(adam[0] - X0)
    assert np.all(first_step_ratio < 0.9), "the efficient form's larger effective eps should shorten early steps"


# --- AMSGrad as in Reddi et al. -------------------------------------------------

def test_amsgrad_paper_form_follows_reddi_algorithm_2_without_bias_correction():
    beta1, beta2, lr = 0.9, 0.99, 0.05
    x, m, v, v_hat, path = X0.copy(), 0 * X0, 0 * X0, 0 * X0, []
    for n in range(150):
        g = wavy_grad(x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_hat = np.maximum(v_hat, v)
        x = x - lr * m / np.sqrt(v_hat)
        path.append(x)
    ours = run(optim.AMSGradPaper(lr=lr, betas=(beta1, beta2), eps=0.0), X0, 150)
    np.testing.assert_allclose(ours, np.array(path), rtol=1e-12)


def test_amsgrad_paper_form_differs_from_torch_amsgrad_which_bias_corrects():
    paper = run(optim.AMSGradPaper(lr=0.05, betas=(0.9, 0.99), eps=1e-8), X0, 50)
    torch_form = run(optim.AMSGrad(lr=0.05, betas=(0.9, 0.99), eps=1e-8), X0, 50)
    assert np.max(np.abs(paper - torch_form)) > 1e-2


def test_amsgrad_keeps_the_running_max_across_steps():
    opt = optim.AMSGradPaper(betas=(0.0, 0.5))
    x, state = np.array([0.0]), opt.init(np.array([0.0]))
    maxima = []
    for g in [4.0, 0.0, 0.0, 1.0, 0.0]:
        x, state = opt.step(x, np.array([g]), state)
        maxima.append(float(state.v_max[0]))
    assert maxima == sorted(maxima) and maxima[-1] == pytest.approx(0.5 * 16)


# --- AdaMax without eps ------------------------------------------------------------

def test_adamax_paper_form_equals_torch_adamax_with_eps_zero():
    p = torch.nn.Parameter(torch.from_numpy(X0.copy()))
    opt = torch.optim.Adamax([p], lr=0.02, eps=0.0)
    theirs = []
    for _ in range(150):
        p.grad = torch.from_numpy(wavy_grad(p.detach().numpy()))
        opt.step()
        theirs.append(p.detach().numpy().copy())
    ours = run(optim.AdamaxPaper(lr=0.02), X0, 150)
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-9)


def test_adamax_paper_form_takes_a_zero_step_not_nan_while_gradients_are_zero():
    x = np.zeros(3)
    opt = optim.AdamaxPaper()
    x1, state = opt.step(x, np.zeros(3), opt.init(x))
    assert np.all(x1 == 0) and np.all(np.isfinite(state.u))


def test_adamax_u_is_the_decayed_max_of_abs_g_with_no_bias_correction():
    beta2, gs = 0.9, [3.0, -1.0, 0.5, -4.0, 0.1]
    opt = optim.AdamaxPaper(betas=(0.9, beta2))
    x, state, u = np.array([0.0]), opt.init(np.array([0.0])), 0.0
    for g in gs:
        x, state = opt.step(x, np.array([g]), state)
        u = max(beta2 * u, abs(g))
        assert float(state.u[0]) == pytest.approx(u, rel=1e-15)


# --- RAdam's threshold -----------------------------------------------------------------

def test_rho_inf_and_first_rectified_steps_for_beta2_0999():
    assert optim.rho_inf(0.999) == pytest.approx(1999.0)
    first_over = lambda threshold: next(t for t in range(1, 100) if optim.rho_t(0.999, t) > threshold)  # noqa: E731
    assert first_over(5.0) == 6   # torch
    assert first_over(4.0) == 5   # the paper


def test_rho_t_tends_to_rho_inf_and_rectification_to_one():
    assert optim.rho_t(0.999, 100_000) == pytest.approx(optim.rho_inf(0.999), rel=1e-9)
    assert optim.rectification(0.999, 100_000) == pytest.approx(1.0, rel=1e-6)
    r = [optim.rectification(0.999, t) for t in range(6, 2000, 50)]
    assert all(a < b for a, b in zip(r, r[1:])) and 0 < r[0] < 0.1


def test_radam_paper_threshold_changes_only_the_fifth_step_for_beta2_0999():
    paper = run(optim.RAdamPaper(lr=0.05), X0, 8)
    torch_form = run(optim.RAdam(lr=0.05), X0, 8)
    np.testing.assert_array_equal(paper[:4], torch_form[:4])
    assert np.max(np.abs(paper[4] - torch_form[4])) > 1e-3


# --- Lookahead ----------------------------------------------------------------------------

def lookahead_by_the_paper(inner, k, alpha, x0, outer_steps):
    """Algorithm 1 of Zhang et al. (2019): an outer loop of slow steps around k inner steps."""
    phi, inner_state, returned = x0.copy(), inner.init(x0), []
    for _ in range(outer_steps):
        theta = phi.copy()
        for _ in range(k):
            theta, inner_state = inner.step(theta, wavy_grad(theta), inner_state)
            returned.append(theta)
        phi = phi + alpha * (theta - phi)
        returned[-1] = phi  # after the sync the fast weights restart from phi
    return np.array(returned)


@pytest.mark.parametrize("inner", [optim.SGD(lr=0.05, momentum=0.9), optim.Adam(lr=0.05)], ids=["SGD", "Adam"])
@pytest.mark.parametrize("k,alpha", [(5, 0.5), (3, 0.8), (1, 0.5)])
def test_lookahead_follows_algorithm_1_of_the_paper(inner, k, alpha):
    ours = run(optim.Lookahead(inner, k=k, slow_lr=alpha), X0, 10 * k)
    np.testing.assert_allclose(ours, lookahead_by_the_paper(inner, k, alpha, X0, 10), rtol=1e-12)


def test_lookahead_with_alpha_one_is_the_inner_optimizer():
    inner = optim.Adam(lr=0.05)
    np.testing.assert_allclose(run(optim.Lookahead(inner, k=4, slow_lr=1.0), X0, 40), run(inner, X0, 40), rtol=1e-12)


def test_lookahead_with_alpha_zero_returns_to_the_start_every_k_steps():
    path = run(optim.Lookahead(optim.SGD(lr=0.1), k=3, slow_lr=0.0), X0, 9)
    for n in (2, 5, 8):
        np.testing.assert_array_equal(path[n], X0)


# --- LAMB -------------------------------------------------------------------------------------

def lamb_by_the_paper(params, grad_fn, steps, lr, beta1, beta2, eps, weight_decay):
    """You et al. (2020), Algorithm 2, written with torch tensors layer by layer."""
    x = {k: torch.tensor(v) for k, v in params.items()}
    m = {k: torch.zeros_like(v) for k, v in x.items()}
    v = {k: torch.zeros_like(t) for k, t in x.items()}
    out = []
    for t in range(1, steps + 1):
        for k in x:
            g = torch.from_numpy(grad_fn(x[k].numpy()))
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            r = (m[k] / (1 - beta1**t)) / (torch.sqrt(v[k] / (1 - beta2**t)) + eps)
            update = r + weight_decay * x[k]
            x_norm, u_norm = torch.linalg.norm(x[k]), torch.linalg.norm(update)
            ratio = x_norm / u_norm if x_norm > 0 and u_norm > 0 else 1.0
            x[k] = x[k] - lr * ratio * update
        out.append({k: t_.numpy().copy() for k, t_ in x.items()})
    return out


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_lamb_follows_algorithm_2_of_the_paper_layer_by_layer(weight_decay):
    params = {"W": np.linspace(-1, 1, 12).reshape(3, 4), "b": np.zeros(4)}
    opt = optim.LAMB(lr=0.01, weight_decay=weight_decay)
    x, state = params, opt.init(params)
    expected = lamb_by_the_paper(params, wavy_grad, 100, 0.01, 0.9, 0.999, 1e-6, weight_decay)
    for n in range(100):
        x, state = opt.step(x, {k: wavy_grad(v) for k, v in x.items()}, state)
        for k in x:
            np.testing.assert_allclose(x[k], expected[n][k], rtol=1e-10, atol=1e-14)


def test_lamb_moves_each_layer_by_lr_times_its_norm_whatever_the_gradient_scale():
    params = {"small": np.full(5, 0.1), "large": np.full(7, 30.0)}
    opt = optim.LAMB(lr=0.01)
    for scale in (1e-3, 1.0, 1e3):
        grads = {k: scale * wavy_grad(v) for k, v in params.items()}
        new, _ = opt.step(params, grads, opt.init(params))
        for k in params:
            moved = np.linalg.norm(new[k] - params[k])
            assert moved == pytest.approx(0.01 * np.linalg.norm(params[k]), rel=1e-9)


def test_lamb_uses_trust_ratio_one_for_a_zero_layer():
    assert optim.trust_ratio(np.zeros(3), np.ones(3)) == 1.0
    assert optim.trust_ratio(np.ones(3), np.zeros(3)) == 1.0
    assert optim.trust_ratio(np.full(4, 2.0), np.full(4, 1.0)) == pytest.approx(2.0)


def test_optimizers_are_frozen_so_a_schedule_cannot_change_one_behind_a_students_back():
    opt = optim.Adam()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opt.lr = 0.5
