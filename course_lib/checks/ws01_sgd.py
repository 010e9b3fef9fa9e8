"""Worksheet 01 (gradient descent and SGD): sgd_step, and three numbers a quadratic decides.

The worksheet's contract::

    new_theta, new_state = sgd_step(theta, g, state, lr=0.1)
    state = {}   # before the first step, and after every step: plain SGD remembers nothing

Numeric questions, for gradient descent on f(theta) = 1/2 theta^T H theta with
H symmetric positive definite, curvatures (eigenvalues) between mu and L:

- ``divergence_threshold(H)``: the step size above which gradient descent diverges, 2 / L;
- ``contraction_factor(lr, L, mu)``: the worst factor by which one step shrinks the
  error, max(|1 - lr L|, |1 - lr mu|);
- ``steps_to_converge(lr, L, mu, tol)``: the fewest steps that guarantee the error
  has shrunk to tol times its start, the smallest whole t with r^t <= tol.
"""

import math

import numpy as np

from .. import optim
from ._cases import step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register

HYPER = dict(lr=0.1)


# --- sgd_step ---------------------------------------------------------------------------

def sgd_reference(theta, g, state, lr=0.1):
    """course_lib.optim.SGD (no momentum), in the worksheet's layout: the state stays {}."""
    opt = optim.SGD(lr=lr)
    new_theta, _ = opt.step(theta, g, opt.init(theta))
    return new_theta, {}


def fresh_state(theta):
    return {}


def up_the_gradient(theta, g, state, lr=0.1):
    return theta + lr * g, {}


def returns_the_update(theta, g, state, lr=0.1):
    return -lr * g, {}


def forgot_the_learning_rate(theta, g, state, lr=0.1):
    return theta - g, {}


register(StepItem(
    name="sgd_step",
    reference=sgd_reference,
    # warm_state=None: plain SGD has no memory, so there is no "late in training" state to start from
    cases=lambda rng, hidden=False: step_cases(rng, fresh_state, None, HYPER,
                                 [dict(lr=0.01), dict(lr=0.5), dict(lr=1e-3)], tiny_group="tiny gradients"),
    state_keys=(),
    points=2,
    mistakes=(
        Mistake("moved up the gradient (+ instead of -)",
                "the gradient points uphill; to go down, subtract it: theta - lr * g.", up_the_gradient),
        Mistake("returned the update instead of the new parameter",
                "The step is -lr * g; return where it lands, theta - lr * g.", returns_the_update),
        Mistake("forgot the learning rate",
                "Returning theta - g takes a step of the gradient's full size; scale it by lr: theta - lr * g.",
                forgot_the_learning_rate),
    ),
))


# --- divergence_threshold ------------------------------------------------------------------

def random_spd(rng, size, condition_number, scale):
    """A random symmetric positive definite matrix with eigenvalues from scale to scale * condition_number."""
    q, _ = np.linalg.qr(rng.normal(size=(size, size)))  # a random rotation (orthonormal columns)
    inner = np.sort(rng.uniform(1.0, condition_number, size - 2)) if size > 2 else np.zeros(0)
    eigenvalues = scale * np.concatenate([[1.0], inner, [condition_number]])
    H = q @ np.diag(eigenvalues) @ q.T
    return 0.5 * (H + H.T)


def divergence_threshold_reference(H):
    """2 / L, L the largest eigenvalue of the symmetric matrix H."""
    return 2.0 / float(np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))[-1])


def _threshold_cases(rng, hidden=False):
    if hidden:  # other curvatures, in the same order: 2x2 ascending, 3x3 with the largest first
        low = float(rng.uniform(0.3, 3.0))
        small, middle, large = float(rng.uniform(0.2, 1.0)), float(rng.uniform(1.2, 2.8)), float(rng.uniform(3.0, 8.0))
        diagonals = ([low, low * float(rng.uniform(3.0, 30.0))], [large, small, middle])
    else:
        diagonals = ([1.0, 10.0], [4.0, 0.5, 2.0])
    cases = [ValueCase("diagonal H (the curvatures are on the diagonal)", dict(H=np.diag(d))) for d in diagonals]
    for kappa in (3.0, 10.0, 100.0):
        cases.append(ValueCase("rotated 2x2 H", dict(H=random_spd(rng, 2, kappa, float(rng.uniform(0.2, 2.0))))))
    for kappa in (5.0, 50.0, 1000.0):
        cases.append(ValueCase("rotated 3x3 H", dict(H=random_spd(rng, 3, kappa, float(rng.uniform(0.2, 2.0))))))
    return cases


register(ValueItem(
    name="divergence_threshold",
    reference=divergence_threshold_reference,
    cases=_threshold_cases,
    points=1,
    mistakes=(
        Mistake("used the smallest eigenvalue",
                "the flat direction tolerates large steps; the steep one is where the error is multiplied by "
                "1 - lr * L, which leaves [-1, 1] when lr > 2 / L: use the LARGEST eigenvalue.",
                lambda H: 2.0 / float(np.linalg.eigvalsh(H)[0])),
        Mistake("1/L instead of 2/L",
                "The step 1 / L is the one that removes the steep error in one step; divergence starts only when "
                "|1 - lr * L| > 1, at lr = 2 / L.",
                lambda H: 1.0 / float(np.linalg.eigvalsh(H)[-1])),
        Mistake("used the largest diagonal entry instead of the largest eigenvalue",
                "the diagonal holds the curvatures along the axes, and the steepest direction of a rotated "
                "valley is not an axis: take np.linalg.eigvalsh(H)[-1].",
                lambda H: 2.0 / float(np.max(np.diag(H)))),
        Mistake("used the trace instead of the largest eigenvalue",
                "the trace is the SUM of the eigenvalues, larger than the largest one: use np.linalg.eigvalsh(H)[-1].",
                lambda H: 2.0 / float(np.trace(H))),
    ),
))


# --- contraction_factor ----------------------------------------------------------------------

def contraction_factor_reference(lr, L, mu):
    """max over the curvatures lambda in [mu, L] of |1 - lr * lambda|: reached at lambda = mu or L."""
    return max(abs(1.0 - lr * L), abs(1.0 - lr * mu))


def _lr_cases(rng, n_each=2):
    """(group, lr, L, mu) with lr below 2 / L: small, at the best 2 / (L + mu), and near 2 / L."""
    out = []
    for _ in range(n_each):
        L = float(rng.uniform(1.0, 20.0))
        mu = L / float(rng.choice([4.0, 10.0, 50.0]))
        out.append(("small lr (the flat direction is the slow one)", float(rng.uniform(0.1, 0.8)) / L, L, mu))
        out.append(("lr = 2 / (L + mu), the best one", 2.0 / (L + mu), L, mu))
        out.append(("lr close to 2 / L (the steep direction is the slow one)",
                    float(rng.uniform(1.9, 1.99)) / L, L, mu))
    return out


register(ValueItem(
    name="contraction_factor",
    reference=contraction_factor_reference,
    cases=lambda rng, hidden=False: [ValueCase(group, dict(lr=lr, L=L, mu=mu))
                                     for group, lr, L, mu in _lr_cases(rng)],
    points=1,
    mistakes=(
        Mistake("used only the steep direction",
                "The factor across the valley is |1 - lr * L|; along it the factor is |1 - lr * mu|, "
                "and the error shrinks only as fast as the slower of the two: take the max.",
                lambda lr, L, mu: abs(1.0 - lr * L)),
        Mistake("used only the flat direction, or forgot the absolute value",
                "The factor along the valley is 1 - lr * mu, but across it 1 - lr * L can be close to -1: "
                "the size of a factor is its absolute value, so take max(|1 - lr L|, |1 - lr mu|).",
                lambda lr, L, mu: 1.0 - lr * mu),
        Mistake("used the condition-number rate (kappa - 1) / (kappa + 1) whatever lr is",
                "The rate (kappa - 1) / (kappa + 1) is the factor only at the best lr = 2 / (L + mu); for another "
                "lr compute max(|1 - lr L|, |1 - lr mu|).",
                lambda lr, L, mu: (L / mu - 1.0) / (L / mu + 1.0)),
    ),
))


# --- steps_to_converge -------------------------------------------------------------------------

def _exact_steps(lr, L, mu, tol):
    """log(tol) / log(r): the real t at which r^t = tol."""
    return math.log(tol) / math.log(contraction_factor_reference(lr, L, mu))


def steps_to_converge_reference(lr, L, mu, tol):
    """The smallest whole t with r^t <= tol, r = max(|1 - lr L|, |1 - lr mu|) < 1."""
    return math.ceil(_exact_steps(lr, L, mu, tol))


def _steps_cases(rng, hidden=False):
    cases = []
    for group, lr, L, mu in _lr_cases(rng):
        tol = float(10.0 ** -rng.uniform(2.0, 8.0))
        cases.append(ValueCase(group, dict(lr=lr, L=L, mu=mu, tol=tol)))
    return cases


register(ValueItem(
    name="steps_to_converge",
    reference=steps_to_converge_reference,
    cases=_steps_cases,
    points=1,
    mistakes=(
        Mistake("did not round up to a whole number of steps",
                "The ratio log(tol) / log(r) is not a whole number; the error is below tol only after the next whole "
                "step: math.ceil(...).",
                _exact_steps),
        Mistake("rounded down instead of up",
                "after floor(log(tol) / log(r)) steps r^t is still above tol; round up with math.ceil.",
                lambda lr, L, mu, tol: math.floor(_exact_steps(lr, L, mu, tol))),
        Mistake("used only the steep direction",
                "the error along the flat direction shrinks by |1 - lr * mu| per step and can be the slower "
                "one: use r = max(|1 - lr L|, |1 - lr mu|).",
                lambda lr, L, mu, tol: math.ceil(math.log(tol) / math.log(abs(1.0 - lr * L)))),
        Mistake("used only the flat direction, or forgot the absolute value",
                "near lr = 2 / L the error across the valley flips sign and shrinks by |1 - lr * L|, close "
                "to 1: use r = max(|1 - lr L|, |1 - lr mu|).",
                lambda lr, L, mu, tol: math.ceil(math.log(tol) / math.log(1.0 - lr * mu))),
        Mistake("log(r) / log(tol) upside down",
                "The condition r^t <= tol means t * log(r) <= log(tol); both logs are negative, so t >= log(tol) / log(r).",
                lambda lr, L, mu, tol: math.ceil(1.0 / _exact_steps(lr, L, mu, tol))),
    ),
))
