"""course_lib.optim computes the same trajectories as torch.optim.

Each optimizer runs 200 steps on a non-convex function, side by side with
torch.optim; the gradient is evaluated at each side's own current point, so
a difference anywhere in the update shows up and is carried forward. Every
hyperparameter option is switched on and off (the full product of the grid).
"""

import itertools

import numpy as np
import pytest
import torch

from course_lib import optim

STEPS = 200
TOLERANCE = {np.float64: 1e-9, np.float32: 1e-4}


def nonconvex_grad(x: np.ndarray, sign: float = 1.0) -> np.ndarray:
    """Gradient of sum(c x + b sin(3 x + phase)) + 0.1 (1 - cos(sum x)).

    The curvature -9 b sin(3 x + phase) changes sign along the path, so the
    function is not convex and each step depends on where the last one
    landed; c > 3 b + 0.1 keeps the gradient away from 0, so the path keeps
    travelling instead of settling into an oscillation about a minimum,
    where sign-like updates turn any rounding difference (even between
    torch's own single-tensor and foreach code) into a different path.
    c, b and the phase vary per coordinate; the last term couples them.
    """
    idx = np.arange(x.size).reshape(x.shape)
    c = 2.0 + 0.1 * (idx % 7)
    b = 0.2 + 0.02 * (idx % 5)
    phase = 0.7 * idx
    g = c + 3 * b * np.cos(3 * x + phase) + 0.1 * np.sin(x.sum())
    return (sign * g).astype(x.dtype)


def initial_params(dtype):
    rng = np.random.default_rng(1234)
    return {
        "W": rng.normal(0, 1.5, size=(3, 4)).astype(dtype),
        "b": rng.normal(0, 0.5, size=(5,)).astype(dtype),
    }


def relative_error(ours: dict, theirs: dict) -> float:
    return max(np.linalg.norm(ours[k] - theirs[k]) / max(np.linalg.norm(theirs[k]), 1e-12) for k in ours)


def run_side_by_side(ours_opt, torch_cls, torch_kwargs, dtype, steps=STEPS, sign=1.0, lr_at=None):
    """Return the worst relative error over all steps between the two trajectories."""
    params = initial_params(dtype)
    tensors = {k: torch.nn.Parameter(torch.from_numpy(v.copy())) for k, v in params.items()}
    torch_opt = torch_cls(list(tensors.values()), **torch_kwargs)
    state = ours_opt.init(params)
    worst = 0.0
    for n in range(steps):
        if lr_at is not None:
            ours_opt = ours_opt.with_lr(lr_at(n))
            for group in torch_opt.param_groups:
                group["lr"] = lr_at(n)
        grads = {k: nonconvex_grad(v, sign) for k, v in params.items()}
        params, state = ours_opt.step(params, grads, state)
        for k, p in tensors.items():
            p.grad = torch.from_numpy(nonconvex_grad(p.detach().numpy(), sign))
        torch_opt.step()
        theirs = {k: p.detach().numpy() for k, p in tensors.items()}
        assert all(params[k].dtype == dtype for k in params), "dtype changed"
        worst = max(worst, relative_error(params, theirs))
    return worst


@pytest.fixture(autouse=True)
def torch_scalar_dtype_matches(request):
    """torch keeps some per-parameter scalars (NAdam's product of momenta, the
    step count) in the default dtype; float64 comparisons need it in float64."""
    dtype = request.node.callspec.params.get("dtype") if hasattr(request.node, "callspec") else None
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if dtype is np.float64 else torch.float32)
    yield
    torch.set_default_dtype(previous)


def grid(**options):
    names = list(options)
    for values in itertools.product(*(options[n] for n in names)):
        yield dict(zip(names, values))


def _renamed(kw, **new_names):
    return {new_names.get(name, name): value for name, value in kw.items()}


def cases():
    """(name, course_lib class, torch class, hyperparameters) for the whole grid."""
    out = []
    for kw in grid(momentum=[0.0, 0.9], dampening=[0.0, 0.3], nesterov=[False, True],
                   weight_decay=[0.0, 0.05], maximize=[False, True]):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue
        out.append(("SGD", optim.SGD, torch.optim.SGD, dict(lr=0.05, **kw)))
    for kw in grid(lr_decay=[0.0, 0.01], weight_decay=[0.0, 0.05], initial_accumulator_value=[0.0, 0.1],
                   eps=[1e-10, 1e-3], maximize=[False, True]):
        out.append(("Adagrad", optim.Adagrad, torch.optim.Adagrad, dict(lr=0.1, **kw)))
    # the course calls RMSProp's and AdaDelta's decay beta2, like Adam's; torch calls it alpha and rho
    for kw in grid(beta2=[0.99, 0.9], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.05], momentum=[0.0, 0.9],
                   centered=[False, True], maximize=[False, True]):
        kw = dict(lr=0.005, **kw)
        out.append(("RMSprop", optim.RMSprop, torch.optim.RMSprop, kw, _renamed(kw, beta2="alpha")))
    for kw in grid(lr=[1.0, 0.5], beta2=[0.9, 0.5], eps=[1e-6, 1e-3], weight_decay=[0.0, 0.05],
                   maximize=[False, True]):
        out.append(("Adadelta", optim.Adadelta, torch.optim.Adadelta, kw, _renamed(kw, beta2="rho")))
    for kw in grid(betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.05],
                   amsgrad=[False, True], maximize=[False, True], decoupled_weight_decay=[False, True]):
        out.append(("Adam", optim.Adam, torch.optim.Adam, dict(lr=0.02, **kw)))
    for kw in grid(weight_decay=[0.01, 0.1], amsgrad=[False, True], maximize=[False, True]):
        out.append(("AdamW", optim.AdamW, torch.optim.AdamW, dict(lr=0.02, **kw)))
    for kw in grid(betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0.0, 0.05]):
        kw = dict(lr=0.02, **kw)
        out.append(("AMSGrad", optim.AMSGrad, torch.optim.Adam, kw, dict(kw, amsgrad=True)))
    for kw in grid(betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.05],
                   maximize=[False, True]):
        out.append(("Adamax", optim.Adamax, torch.optim.Adamax, dict(lr=0.02, **kw)))
    for kw in grid(betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.05],
                   momentum_decay=[4e-3, 0.1], decoupled_weight_decay=[False, True], maximize=[False, True]):
        out.append(("NAdam", optim.NAdam, torch.optim.NAdam, dict(lr=0.02, **kw)))
    for kw in grid(betas=[(0.9, 0.999), (0.8, 0.99)], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.05],
                   decoupled_weight_decay=[False, True], maximize=[False, True]):
        out.append(("RAdam", optim.RAdam, torch.optim.RAdam, dict(lr=0.02, **kw)))
    # (name, ours, torch, our kwargs, torch kwargs): the same unless stated
    return [c if len(c) == 5 else (*c, c[3]) for c in out]


CASES = cases()


def case_id(case):
    name, _, _, kw, _ = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_matches_torch_optim_for_200_steps_on_a_nonconvex_function(case, dtype):
    name, ours_cls, torch_cls, kw, torch_kw = case
    sign = -1.0 if kw.get("maximize") else 1.0  # maximize a function whose maximum is finite
    worst = run_side_by_side(ours_cls(**kw), torch_cls, torch_kw, dtype, sign=sign)
    assert worst <= TOLERANCE[dtype], f"{case_id(case)} drifted from torch.optim: relative error {worst:.2e}"


def test_grid_switches_every_hyperparameter_of_every_torch_named_optimizer():
    """Guard against a grid that silently stops covering an option."""
    covered = {}
    for name, _, _, kw, _ in CASES:
        for key, value in kw.items():
            covered.setdefault((name, key), set()).add(repr(value))
    for name, cls in [("SGD", optim.SGD), ("Adagrad", optim.Adagrad), ("RMSprop", optim.RMSprop),
                      ("Adam", optim.Adam), ("Adamax", optim.Adamax), ("NAdam", optim.NAdam),
                      ("RAdam", optim.RAdam), ("Adadelta", optim.Adadelta)]:
        for field in cls.rules:
            if field == "lr" and name != "Adadelta":
                continue  # lr is exercised by the schedule tests below
            assert len(covered.get((name, field), ())) >= 2, f"{name}.{field} is not switched in the grid"


@pytest.mark.parametrize("dtype", [np.float64], ids=["float64"])
@pytest.mark.parametrize("ours_cls,torch_cls", [(optim.SGD, torch.optim.SGD), (optim.Adam, torch.optim.Adam),
                                                (optim.RAdam, torch.optim.RAdam), (optim.NAdam, torch.optim.NAdam)])
def test_changing_lr_between_steps_with_with_lr_matches_torch_changing_param_group_lr(ours_cls, torch_cls, dtype):
    kw = dict(lr=0.05, momentum=0.9) if ours_cls is optim.SGD else dict(lr=0.05)
    lr_at = lambda n: 0.05 * (0.5 if n % 40 >= 20 else 1.0) / np.sqrt(n + 1)  # noqa: E731
    worst = run_side_by_side(ours_cls(**kw), torch_cls, kw, dtype, lr_at=lambda n: float(lr_at(n)))
    assert worst <= 1e-9
