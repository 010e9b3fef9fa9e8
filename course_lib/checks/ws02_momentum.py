"""Worksheet 02 (momentum and Nesterov): momentum_step, nesterov_step, and the optimal
alpha and beta of heavy-ball momentum on a quadratic.

The worksheet's contract::

    new_theta, new_state = momentum_step(theta, g, state, lr=0.01, momentum=0.9)
    new_theta, new_state = nesterov_step(theta, g, state, lr=0.01, momentum=0.9)
    state = {"t": 0, "b": np.zeros_like(theta)}   # before the first step

Both follow torch.optim.SGD: the buffer b holds no learning rate (b = beta b + g,
theta -= lr * b). torch keeps the count t to set b_1 = g on the first step;
with b starting at zeros that is beta * 0 + g, so no special case is needed.
"""

import math

import numpy as np

from .. import optim
from ._cases import step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update

HYPER = dict(lr=0.01, momentum=0.9)
OTHER_HYPER = [dict(lr=0.1, momentum=0.5), dict(lr=0.003, momentum=0.99), dict(lr=0.5, momentum=0.3)]


def _reference(nesterov: bool):
    def step(theta, g, state, lr=0.01, momentum=0.9):
        opt = optim.SGD(lr=lr, momentum=momentum, nesterov=nesterov and momentum > 0)
        new_theta, s = opt.step(theta, g, optim.SGDState(state["t"], state["b"]))
        return new_theta, {"t": s.t, "b": s.momentum_buffer}
    return step


def momentum_reference(theta, g, state, lr=0.01, momentum=0.9):
    """course_lib.optim.SGD(lr, momentum), in the worksheet's dict layout."""
    return _reference(nesterov=False)(theta, g, state, lr, momentum)


def nesterov_reference(theta, g, state, lr=0.01, momentum=0.9):
    """course_lib.optim.SGD(lr, momentum, nesterov=True), in the worksheet's dict layout.

    With momentum = 0 torch refuses nesterov=True; the look-ahead term beta * b
    is then 0 anyway, so the step is plain SGD.
    """
    return _reference(nesterov=True)(theta, g, state, lr, momentum)


def fresh_state(theta):
    return {"t": 0, "b": np.zeros_like(theta)}


def warm_state(theta, rng):
    return {"t": int(rng.integers(50, 3000)), "b": rng.normal(0.0, 3.0, size=theta.shape).astype(theta.dtype)}


def _cases(rng, hidden=False):
    # tiny_scale 1e-3: SGD has no epsilon, so tiny gradients only check that nothing is thrown away
    return step_cases(rng, fresh_state, warm_state, HYPER, OTHER_HYPER, tiny_scale=1e-3, tiny_group="tiny gradients")


# --- momentum_step: the mistakes, each a whole wrong function --------------------------


def buffer_after_parameter(theta, g, state, lr=0.01, momentum=0.9):
    new_theta = theta - lr * state["b"]  # steps with the old buffer: the newest gradient arrives a step late
    b = momentum * state["b"] + g
    return new_theta, {"t": state["t"] + 1, "b": b}


def ema_buffer(theta, g, state, lr=0.01, momentum=0.9):
    b = momentum * state["b"] + (1 - momentum) * g
    return theta - lr * b, {"t": state["t"] + 1, "b": b}


def lr_inside_buffer(theta, g, state, lr=0.01, momentum=0.9):
    v = momentum * state["b"] + lr * g
    return theta - v, {"t": state["t"] + 1, "b": v}


momentum_returns_update = returning_the_update(momentum_reference)


register(StepItem(
    name="momentum_step",
    reference=momentum_reference,
    cases=_cases,
    state_keys=("t", "b"),
    points=3,
    mistakes=(
        Mistake("momentum buffer updated after the parameter",
                "you stepped with the old buffer b_{t-1}, so each gradient moves theta one step late (at the "
                "optimal lr and momentum this diverges). Update the buffer first, b = momentum * b + g, then "
                "step with the new one: theta - lr * b.", buffer_after_parameter),
        Mistake("used the (1 - momentum) moving average",
                "The update b = momentum * b + (1 - momentum) * g is the exponential-moving-average form (Adam's m). "
                "It is a different parametrization: its steps are (1 - momentum) times smaller for the same lr. "
                "This worksheet asks for torch's sum form: b = momentum * b + g.", ema_buffer),
        Mistake("lr inside the buffer (Sutskever's form)",
                "The velocity b = momentum * b + lr * g with theta - b is Sutskever et al.'s velocity: for a constant lr "
                "the parameters agree, but the buffer holds lr * b, and the two differ as soon as lr changes. "
                "Keep lr outside, as torch does: b = momentum * b + g, then theta - lr * b.", lr_inside_buffer),
        Mistake("returned the update instead of the new parameter",
                "return theta - lr * b, not the step -lr * b itself.", momentum_returns_update),
    ),
))


# --- nesterov_step -----------------------------------------------------------------------


def no_look_ahead(theta, g, state, lr=0.01, momentum=0.9):
    b = momentum * state["b"] + g
    return theta - lr * b, {"t": state["t"] + 1, "b": b}


def buffer_in_place_of_gradient(theta, g, state, lr=0.01, momentum=0.9):
    b = momentum * state["b"] + g
    return theta - lr * (b + momentum * b), {"t": state["t"] + 1, "b": b}


def direction_stored_as_buffer(theta, g, state, lr=0.01, momentum=0.9):
    b = momentum * state["b"] + g
    direction = g + momentum * b
    return theta - lr * direction, {"t": state["t"] + 1, "b": direction}


def nesterov_lr_inside_buffer(theta, g, state, lr=0.01, momentum=0.9):
    v = momentum * state["b"] + lr * g
    return theta - (lr * g + momentum * v), {"t": state["t"] + 1, "b": v}


nesterov_returns_update = returning_the_update(nesterov_reference)


register(StepItem(
    name="nesterov_step",
    reference=nesterov_reference,
    cases=_cases,
    state_keys=("t", "b"),
    points=3,
    mistakes=(
        Mistake("plain heavy ball, no look-ahead",
                "that is momentum_step: theta - lr * b_t. Stepping with g + momentum * b_{t-1} (the old "
                "buffer) is the same thing, since b_t = momentum * b_{t-1} + g. Nesterov's rewritten "
                "look-ahead steps with g + momentum * b_t: the gradient plus the momentum it is about to "
                "add, with the buffer already updated.", no_look_ahead),
        Mistake("the buffer in place of the gradient in the look-ahead term",
                "you stepped with b + momentum * b = (1 + momentum) * b; the direction is g + momentum * b, "
                "the current gradient plus the momentum.", buffer_in_place_of_gradient),
        Mistake("stored the step direction as the buffer",
                "the buffer stays the plain sum b = momentum * b + g; g + momentum * b is only the "
                "direction of this step, do not save it in the state.", direction_stored_as_buffer),
        Mistake("lr inside the buffer (Sutskever's form)",
                "your parameters agree for a constant lr, but the buffer holds lr * b. Keep lr outside, as "
                "torch does: b = momentum * b + g, then theta - lr * (g + momentum * b).",
                nesterov_lr_inside_buffer),
        Mistake("returned the update instead of the new parameter",
                "return theta - lr * (g + momentum * b), not the step itself.", nesterov_returns_update),
    ),
))


# --- the optimal alpha and beta on a quadratic -------------------------------------------


def optimal_momentum_reference(L, mu):
    """beta* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2 with kappa = L / mu."""
    root_kappa = math.sqrt(L / mu)
    return ((root_kappa - 1) / (root_kappa + 1)) ** 2


def optimal_learning_rate_reference(L, mu):
    """alpha* = (2 / (sqrt(L) + sqrt(mu)))^2."""
    return (2 / (math.sqrt(L) + math.sqrt(mu))) ** 2


def _curvature_cases(rng, hidden=False):
    # hidden: the lesson's L = 5 with another narrow mu (kappa 25 to 100), and another bowl (away from
    # L = 1, where leaving out the square of the step size would go unnoticed)
    mu, bowl = (float(rng.uniform(0.05, 0.2)), float(rng.uniform(1.5, 10.0))) if hidden else (0.1, 2.0)
    cases = [ValueCase("the narrow valley (L = 5, mu = 0.1)", dict(L=5.0, mu=mu)),
             ValueCase("a round bowl (L = mu)", dict(L=bowl, mu=bowl))]
    for _ in range(4):
        L = float(rng.uniform(0.5, 50.0))
        kappa = float(10 ** rng.uniform(0.5, 4.0))
        cases.append(ValueCase("other curvatures", dict(L=L, mu=L / kappa)))
    return cases


def _sqrt_kappa_ratio(L, mu):
    root_kappa = math.sqrt(L / mu)
    return (root_kappa - 1) / (root_kappa + 1)


register(ValueItem(
    name="optimal_momentum",
    reference=optimal_momentum_reference,
    cases=_curvature_cases,
    points=1,
    mistakes=(
        Mistake("without the square",
                "The ratio (sqrt(kappa) - 1) / (sqrt(kappa) + 1) is the convergence rate at the optimum, which is "
                "sqrt(beta*): beta* is its square, ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2.",
                _sqrt_kappa_ratio),
        Mistake("gradient descent's rate (kappa - 1) / (kappa + 1)",
                "that is how fast plain GD converges at its best step; the optimal momentum is "
                "((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2 with kappa = L / mu.",
                lambda L, mu: (L / mu - 1) / (L / mu + 1)),
    ),
))

register(ValueItem(
    name="optimal_learning_rate",
    reference=optimal_learning_rate_reference,
    cases=_curvature_cases,
    points=1,
    mistakes=(
        Mistake("GD's best step 2/(L+mu)",
                "The step 2 / (L + mu) is the best one for plain gradient descent; with the optimal momentum the best "
                "step is larger: (2 / (sqrt(L) + sqrt(mu)))**2.", lambda L, mu: 2 / (L + mu)),
        Mistake("without the square",
                "The number 2 / (sqrt(L) + sqrt(mu)) does not even have the units of a step size (1 / curvature): "
                "square it, (2 / (sqrt(L) + sqrt(mu)))**2.", lambda L, mu: 2 / (math.sqrt(L) + math.sqrt(mu))),
    ),
))
