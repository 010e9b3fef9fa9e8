"""The contract every course_lib optimizer keeps: pure steps, dtypes kept,
hyperparameters on the object, and errors that say what was wrong."""

import dataclasses

import numpy as np
import pytest
import torch

from course_lib import optim

ALL_OPTIMIZERS = [
    optim.SGD(lr=0.1, momentum=0.9, nesterov=True), optim.SGDSutskever(lr=0.1), optim.Adagrad(),
    optim.RMSprop(centered=True, momentum=0.5), optim.Adadelta(), optim.Adam(amsgrad=True), optim.AdamW(),
    optim.AMSGrad(), optim.AdamEfficient(), optim.AMSGradPaper(), optim.Adamax(), optim.AdamaxPaper(),
    optim.NAdam(), optim.RAdam(), optim.RAdamPaper(), optim.LAMB(weight_decay=0.01),
    optim.Lookahead(optim.Adam(), k=2),
]
IDS = [type(o).__name__ for o in ALL_OPTIMIZERS]


def params_and_grads(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(4, 3)).astype(dtype), "b": rng.normal(size=3).astype(dtype)}
    grads = {k: rng.normal(size=v.shape).astype(dtype) for k, v in params.items()}
    return params, grads


def arrays_of(tree):
    """Every ndarray inside params, grads or a (nested) state."""
    if isinstance(tree, np.ndarray):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from arrays_of(value)
    elif isinstance(tree, tuple):
        for value in tree:
            yield from arrays_of(value)


@pytest.mark.parametrize("opt", ALL_OPTIMIZERS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_never_mutates_params_grads_or_state_and_keeps_dtype(opt, dtype):
    params, _ = params_and_grads(dtype)
    state = opt.init(params)
    for step in range(6):  # past Lookahead's sync and RAdam's early steps
        _, grads = params_and_grads(dtype, seed=step)  # a new gradient each step
        before = [a.copy() for a in arrays_of((params, grads, state))]
        new_params, new_state = opt.step(params, grads, state)
        after = list(arrays_of((params, grads, state)))
        assert all(np.array_equal(b, a) for b, a in zip(before, after)), "an input was changed in place"
        assert all(not np.shares_memory(new_params[k], params[k]) for k in params)
        assert all(a.dtype == np.dtype(dtype) for a in arrays_of((new_params, new_state)))
        assert set(new_params) == set(params) and all(new_params[k].shape == params[k].shape for k in params)
        assert not all(np.array_equal(new_params[k], params[k]) for k in params), "the step did nothing"
        params, state = new_params, new_state


@pytest.mark.parametrize("opt", ALL_OPTIMIZERS, ids=IDS)
def test_a_single_array_and_a_dict_holding_it_follow_the_same_path(opt):
    params, grads = params_and_grads(np.float64)
    single, single_state = params["W"], opt.init(params["W"])
    tree, tree_state = {"W": params["W"]}, opt.init({"W": params["W"]})
    for _ in range(5):
        single, single_state = opt.step(single, grads["W"], single_state)
        tree, tree_state = opt.step(tree, {"W": grads["W"]}, tree_state)
    np.testing.assert_array_equal(single, tree["W"])


@pytest.mark.parametrize("opt", ALL_OPTIMIZERS, ids=IDS)
def test_state_holds_no_hyperparameter_so_with_lr_keeps_the_trajectory_going(opt):
    params, grads = params_and_grads(np.float64)
    state = opt.init(params)
    hyper = {f.name for f in dataclasses.fields(opt)}
    assert not hyper & set(type(state)._fields) - {"t"}, "a hyperparameter is stored in the state"
    params, state = opt.step(params, grads, state)
    slower = opt.with_lr(0.0)
    frozen, _ = slower.step(params, grads, state)
    # With lr = 0 nothing moves, except where the algorithm itself says otherwise:
    # Sutskever's velocity already contains the previous lr and keeps coasting,
    # and Lookahead's slow step does not use lr at all.
    if not isinstance(opt, (optim.SGDSutskever, optim.Lookahead)):
        np.testing.assert_array_equal(frozen["W"], params["W"])
    assert type(slower) is type(opt)


def test_numpy_float_scalars_are_accepted_as_0d_arrays():
    """4 * x**3 on a 0-d array is a np.float64 scalar: students should not have to wrap it."""
    x = np.array(4.0)
    opt = optim.Adam(lr=0.1)
    x1, _ = opt.step(x, 4 * x**3, opt.init(x))
    assert isinstance(x1, np.ndarray) and x1.shape == ()


@pytest.mark.parametrize("opt", ALL_OPTIMIZERS, ids=IDS)
def test_a_0d_array_steps_like_a_one_element_array(opt):
    """Ufuncs turn 0-d arrays into NumPy scalars, which in-place lines must survive."""
    scalar, vector = np.array(1.5), np.array([1.5])
    scalar_state, vector_state = opt.init(scalar), opt.init(vector)
    for step in range(7):  # past RAdam's switch to the rectified step and Lookahead's sync
        g = 4 * scalar**3 - step  # a NumPy scalar, as a student's gradient often is
        scalar, scalar_state = opt.step(scalar, g, scalar_state)
        vector, vector_state = opt.step(vector, np.asarray([g]), vector_state)
        assert isinstance(scalar, np.ndarray) and scalar.shape == ()
        assert float(scalar) == vector[0]


def test_first_adam_step_on_x4_from_4_moves_by_lr_not_the_articles_value():
    """Bias-corrected m_hat / sqrt(v_hat) = g / |g| at t = 1: x1 = 4 - 0.1 * sign(256)."""
    x = np.array(4.0)
    x1, _ = optim.Adam(lr=0.1).step(x, 4 * x**3, optim.Adam(lr=0.1).init(x))
    assert abs(float(x1) - 3.9) < 1e-9 and abs(float(x1) - 3.9984) > 1e-3


def test_float_hyperparameters_from_numpy_do_not_upcast_float32_params():
    x = np.ones(3, dtype=np.float32)
    opt = optim.Adam(lr=np.float64(0.1), betas=(np.float64(0.9), np.float64(0.999)))
    x1, state = opt.step(x, x, opt.init(x))
    assert x1.dtype == np.float32 and state.m.dtype == np.float32
    assert type(opt.lr) is float


# --- validation: same accept / reject decisions as torch --------------------

TORCH_TWINS = [
    (optim.SGD, torch.optim.SGD, ["lr", "momentum", "weight_decay"]),
    (optim.Adagrad, torch.optim.Adagrad, ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"]),
    # (ours, torch's): the course calls RMSProp's and AdaDelta's decay beta2, like Adam's
    (optim.RMSprop, torch.optim.RMSprop, ["lr", ("beta2", "alpha"), "eps", "weight_decay", "momentum"]),
    (optim.Adadelta, torch.optim.Adadelta, ["lr", ("beta2", "rho"), "eps", "weight_decay"]),
    (optim.Adam, torch.optim.Adam, ["lr", "eps", "weight_decay", "beta1", "beta2"]),
    (optim.AdamW, torch.optim.AdamW, ["lr", "eps", "weight_decay", "beta1", "beta2"]),
    (optim.Adamax, torch.optim.Adamax, ["lr", "eps", "weight_decay", "beta1", "beta2"]),
    (optim.NAdam, torch.optim.NAdam, ["lr", "eps", "weight_decay", "momentum_decay", "beta1", "beta2"]),
    (optim.RAdam, torch.optim.RAdam, ["lr", "eps", "weight_decay", "beta1", "beta2"]),
]
PROBES = [-1.0, -1e-12, 0.0, 1e-12, 0.5, 0.999, 1.0, 1.5, float("nan"), float("inf")]


def _kwargs(name, value):
    if name == "beta1":
        return {"betas": (value, 0.999)}
    if name == "beta2":
        return {"betas": (0.9, value)}
    return {name: value}


def _torch_rejects(torch_cls, kwargs):
    try:
        torch_cls([torch.nn.Parameter(torch.zeros(1))], **kwargs)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("ours,theirs,names", TORCH_TWINS, ids=[t[0].__name__ for t in TORCH_TWINS])
def test_accepts_and_rejects_exactly_the_hyperparameter_values_torch_does(ours, theirs, names):
    checked = 0
    for name in names:
        name, torch_name = name if isinstance(name, tuple) else (name, None)
        for value in PROBES:
            kwargs = {name: value} if torch_name else _kwargs(name, value)
            torch_kwargs = {torch_name: value} if torch_name else kwargs
            if value != value and _torch_rejects(theirs, torch_kwargs) is False:
                # torch's "not 0 <= x" test lets nan through for a few fields;
                # a nan hyperparameter is never meant, so we reject it everywhere.
                with pytest.raises(ValueError):
                    ours(**kwargs)
                continue
            if _torch_rejects(theirs, torch_kwargs):
                with pytest.raises(ValueError) as err:
                    ours(**kwargs)
                shown = name if torch_name or name not in ("beta1", "beta2") else f"betas[{name[-1] == '2' and 1 or 0}]"
                assert shown in str(err.value), f"the error should name {shown}: {err.value}"
            else:
                ours(**kwargs)
            checked += 1
    assert checked >= len(names) * 8


@pytest.mark.parametrize("make,message", [
    (lambda: optim.Adam(lr=-0.1), "lr must be >= 0, got -0.1"),
    (lambda: optim.Adam(betas=(0.9, 1.2)), "betas[1] must be in [0, 1), got 1.2"),
    (lambda: optim.Adam(betas=0.9), "betas must be a pair (beta1, beta2)"),
    (lambda: optim.Adam(lr="0.1"), "lr must be a real number, got '0.1'"),
    (lambda: optim.Adam(amsgrad=1), "amsgrad must be True or False"),
    (lambda: optim.SGD(momentum=0.9, nesterov=True, dampening=0.1), "nesterov=True needs momentum > 0 and dampening = 0"),
    (lambda: optim.SGD(nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda: optim.Adadelta(beta2=1.5), "beta2 must be in [0, 1], got 1.5"),
    (lambda: optim.Lookahead(optim.Adam(), k=0), "k must be >= 1, got 0"),
    (lambda: optim.Lookahead(optim.Adam(), slow_lr=1.5), "slow_lr must be in [0, 1], got 1.5"),
    (lambda: optim.Lookahead("adam"), "inner must be a course_lib.optim optimizer"),
    (lambda: optim.LAMB(eps=-1), "eps must be >= 0, got -1.0"),
])
def test_bad_hyperparameters_raise_errors_that_name_the_value_and_the_range(make, message):
    with pytest.raises((ValueError, TypeError)) as err:
        make()
    assert message in str(err.value)


@pytest.mark.parametrize("params,grads,error,message", [
    (np.ones(3), np.ones(4), ValueError, "grads has shape (4,) but its parameter has shape (3,)"),
    (np.ones((3, 1)), np.ones(3), ValueError, "shape (3,) but its parameter has shape (3, 1)"),
    (np.ones(3), np.ones(3, np.float32), TypeError, "grads has dtype float32 but its parameter has dtype float64"),
    (np.ones(3), [1.0, 1.0, 1.0], TypeError, "grads must be a NumPy array"),
    ({"w": np.ones(2)}, {"v": np.ones(2)}, ValueError, "missing ['w'], unexpected ['v']"),
    ({"w": np.ones(2)}, np.ones(2), TypeError, "params is a dict, so grads must be a dict too"),
    ({"w": np.ones(2)}, {"w": np.ones(3)}, ValueError, "grads['w'] has shape (3,)"),
])
def test_grads_that_do_not_match_params_are_rejected_not_broadcast(params, grads, error, message):
    opt = optim.Adam()
    state = opt.init(params)
    with pytest.raises(error) as err:
        opt.step(params, grads, state)
    assert message in str(err.value)


@pytest.mark.parametrize("params,error,message", [
    (np.ones(3, dtype=int), TypeError, "params must be float32 or float64, got int64"),
    ([1.0, 2.0], TypeError, "params must be a NumPy array or a dict of arrays, got list"),
    ({}, ValueError, "params is an empty dict"),
    ({"w": np.ones(2, dtype=np.float16)}, TypeError, "params['w'] must be float32 or float64"),
])
def test_params_that_cannot_be_optimized_are_rejected_with_a_fix(params, error, message):
    with pytest.raises(error) as err:
        optim.SGD().init(params)
    assert message in str(err.value)


def test_a_state_from_another_optimizer_is_rejected():
    x = np.ones(2)
    with pytest.raises(TypeError, match="state must come from SGD.init"):
        optim.SGD().step(x, x, optim.Adam().init(x))


def test_amsgrad_step_on_a_state_made_without_amsgrad_says_how_to_fix_it():
    x = np.ones(2)
    with pytest.raises(ValueError, match="amsgrad=False"):
        optim.Adam(amsgrad=True).step(x, x, optim.Adam().init(x))


def test_course_spellings_are_the_torch_classes():
    assert optim.AdaGrad is optim.Adagrad and optim.RMSProp is optim.RMSprop
    assert optim.AdaDelta is optim.Adadelta and optim.AdaMax is optim.Adamax


def test_the_torch_bridge_runs_torch_optim_behind_the_same_contract():
    from course_lib.optim.torch_bridge import TorchOptimizer

    params, grads = params_and_grads(np.float64)
    ours, theirs = optim.Adam(lr=0.01), TorchOptimizer(torch.optim.Adam, lr=0.01)
    p_ours, s_ours, p_theirs, s_theirs = params, ours.init(params), params, theirs.init(params)
    for step in range(20):
        _, grads = params_and_grads(np.float64, seed=step)
        p_ours, s_ours = ours.step(p_ours, grads, s_ours)
        p_theirs, s_theirs = theirs.with_lr(0.01 / (step + 1)).step(p_theirs, grads, s_theirs)
        ours = ours.with_lr(0.01 / (step + 2))
    for k in params:
        np.testing.assert_allclose(p_ours[k], p_theirs[k], rtol=1e-9)
    assert s_theirs.t == 20
