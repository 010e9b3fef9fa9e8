"""Worksheet 03 (AdaGrad): adagrad_step and the size of AdaGrad's step after T constant gradients.

The worksheet's contract::

    new_theta, new_state = adagrad_step(theta, g, state, lr=0.01, eps=1e-10)
    state = {"t": 0, "G": np.zeros_like(theta)}   # before the first step

with G the per-coordinate sum of squared gradients, and the update of
torch.optim.Adagrad (course_lib/optim/adagrad.py), epsilon outside the root::

    G     <- G + g^2
    theta <- theta - lr * g / (sqrt(G) + eps)
"""

import math

import numpy as np

from .. import optim
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update

HYPER = dict(lr=0.01, eps=1e-10)


def adagrad_reference(theta, g, state, lr=0.01, eps=1e-10):
    """course_lib.optim.Adagrad, in the worksheet's dict layout."""
    opt = optim.Adagrad(lr=lr, eps=eps)
    new_theta, s = opt.step(theta, g, optim.AdagradState(state["t"], state["G"]))
    return new_theta, {"t": s.t, "G": s.sum_sq}


def fresh_state(theta):
    return {"t": 0, "G": np.zeros_like(theta)}


def warm_state(theta, rng):
    """A state after t steps of gradients of size about 1: G is about t per coordinate."""
    t = int(rng.integers(200, 3000))
    return {"t": t, "G": (t * (0.5 + rng.random(size=theta.shape))).astype(theta.dtype)}


# --- the mistakes, each a whole wrong adagrad_step ---------------------------------------

def accumulates_g(theta, g, state, lr=0.01, eps=1e-10):
    G = state["G"] + g  # g, not g^2: G can shrink, or go negative and give NaN
    return theta - lr * g / (np.sqrt(G) + eps), {"t": state["t"] + 1, "G": G}


def eps_inside_sqrt(theta, g, state, lr=0.01, eps=1e-10):
    G = state["G"] + g * g
    return theta - lr * g / np.sqrt(G + eps), {"t": state["t"] + 1, "G": G}


def no_eps(theta, g, state, lr=0.01, eps=1e-10):
    G = state["G"] + g * g
    return theta - lr * g / np.sqrt(G), {"t": state["t"] + 1, "G": G}


def no_accumulation(theta, g, state, lr=0.01, eps=1e-10):
    G = g * g  # only this step's g^2: every step becomes lr * sign(g)
    return theta - lr * g / (np.sqrt(G) + eps), {"t": state["t"] + 1, "G": G}


def one_accumulator(theta, g, state, lr=0.01, eps=1e-10):
    G = state["G"] + np.sum(g * g)  # the squared norm of the whole gradient, in every coordinate
    return theta - lr * g / (np.sqrt(G) + eps), {"t": state["t"] + 1, "G": G}


def no_square_root(theta, g, state, lr=0.01, eps=1e-10):
    G = state["G"] + g * g
    return theta - lr * g / (G + eps), {"t": state["t"] + 1, "G": G}


def t_not_advanced(theta, g, state, lr=0.01, eps=1e-10):
    new_theta, new_state = adagrad_reference(theta, g, state, lr, eps)
    return new_theta, {**new_state, "t": state["t"]}


returns_the_update = returning_the_update(adagrad_reference)


register(StepItem(
    name="adagrad_step",
    reference=adagrad_reference,
    # tiny_scale=1e-9 puts sqrt(G) near 1e-9, within a factor of 10 of eps = 1e-10: there eps
    # outside the root (1e-10) and inside it (sqrt(1e-10) = 1e-5) give steps 10^4 apart,
    # and leaving eps out changes the step by about 10 %.
    cases=lambda rng, hidden=False: step_cases(rng, fresh_state, warm_state, HYPER,
                                 [dict(lr=0.1, eps=1e-10),
                                  dict(lr=0.5, eps=1e-6),
                                  dict(lr=1.0, eps=1e-2)],
                                 tiny_scale=1e-9),
    state_keys=("t", "G"),
    points=4,
    mistakes=(
        Mistake("accumulated g instead of g^2",
                "G is the sum of SQUARED gradients: G = G + g * g (or g**2). A sum of raw gradients "
                "shrinks when they change sign, and its square root is NaN once it goes negative.",
                accumulates_g),
        Mistake("epsilon inside the square root",
                "You divide by sqrt(G + eps); torch.optim.Adagrad (the algorithm asked for) divides by "
                "sqrt(G) + eps. With eps = 1e-10 the floor inside the root is sqrt(1e-10) = 1e-5, so tiny "
                "gradients get steps thousands of times too small. (Keras 3 puts it inside: another algorithm.)",
                eps_inside_sqrt),
        Mistake("left out epsilon",
                "Divide by sqrt(G) + eps: without eps a coordinate whose gradients have all been 0 divides "
                "0 by 0 (NaN), and tiny gradients get a slightly different step.", no_eps),
        Mistake("forgot to accumulate (used only this step's g^2)",
                "G must keep the whole history: G = state['G'] + g * g. With only this step's g^2 every "
                "step is lr * g / |g| = lr * sign(g), which never shrinks.", no_accumulation),
        Mistake("one accumulator for all coordinates (summed over the array)",
                "AdaGrad keeps one sum per parameter, G = G + g * g elementwise; np.sum(g**2) adds "
                "the squared norm of the whole gradient, so every coordinate gets the same step size and rare "
                "features lose their larger steps.", one_accumulator),
        Mistake("divided by G instead of its square root",
                "The step is lr * g / (sqrt(G) + eps): the square root makes it independent of the gradient's "
                "scale. Dividing by G itself makes the step shrink like 1 / |g|.", no_square_root),
        Mistake("the step counter t was not advanced",
                "Return {'t': state['t'] + 1, ...}: t counts the steps taken, from 1 after the first step.",
                t_not_advanced),
        Mistake("returned the update instead of the new parameter",
                "Return theta - lr * g / (sqrt(G) + eps), not the step itself.", returns_the_update),
    ),
))


# --- the size of the step after T constant gradients -------------------------------------

def step_after_reference(T, g, lr, eps):
    """|theta_T - theta_{T-1}| when optim.Adagrad(lr, eps=eps) sees the gradient g at every step."""
    opt = optim.Adagrad(lr=lr, eps=eps)
    theta = np.array(0.0)
    g_array = np.array(float(g))
    state = opt.init(theta)
    for _ in range(T - 1):
        theta, state = opt.step(theta, g_array, state)
    new_theta, _ = opt.step(theta, g_array, state)
    return float(abs(new_theta - theta))


def _cases_step_after(rng, hidden=False):
    def hidden_case(T_range, g_range, lr_range, eps, sign=1.0):
        """(T, g, lr, eps) drawn from ranges: T a whole number, |g| and lr on a log scale."""
        return dict(T=int(rng.integers(*T_range)), g=sign * log_uniform(rng, *g_range), lr=log_uniform(rng, *lr_range),
                    eps=eps)

    if hidden:
        first = [dict(T=1, g=log_uniform(rng, 0.2, 5.0), lr=log_uniform(rng, 0.005, 0.5), eps=1e-10) for _ in range(2)]
    else:
        first = [dict(T=1, g=2.5, lr=0.01, eps=1e-10), dict(T=1, g=0.3, lr=0.1, eps=1e-10)]
    cases = [ValueCase("the first step (T = 1)", kwargs) for kwargs in first]
    for T in (10, 100, 1000, 2500):
        cases.append(ValueCase("constant gradient, many steps",
                               dict(T=T, g=float(rng.uniform(0.2, 5.0)), lr=float(rng.uniform(0.005, 0.5)),
                                    eps=1e-10)))
    if hidden:
        negative = [hidden_case((20, 100), (0.5, 5.0), (0.005, 0.05), 1e-10, -1.0),
                    hidden_case((200, 600), (0.01, 0.2), (0.05, 0.5), 1e-10, -1.0)]
        # sqrt(T) |g| from about 3e-10 to 1.4e-8: 3 to 140 times eps = 1e-10, as in the worksheet's cases
        tiny = [hidden_case((50, 200), (3e-10, 1e-9), (0.005, 0.05), 1e-10),
                hidden_case((10, 40), (1e-10, 1e-9), (0.05, 0.5), 1e-10, -1.0)]
        other = []
        for T_range, eps in (((10, 60), log_uniform(rng, 1e-4, 1e-2)), ((100, 500), log_uniform(rng, 0.05, 1.0))):
            T = int(rng.integers(*T_range))
            # sqrt(T) |g| / eps between 10 and 100, as in the worksheet's cases: eps changes the step by 1 to 10 %
            g = log_uniform(rng, 10.0, 100.0) * eps / math.sqrt(T)
            other.append(dict(T=T, g=g, lr=log_uniform(rng, 0.05, 1.0), eps=eps))
    else:
        negative = [dict(T=50, g=-3.0, lr=0.01, eps=1e-10), dict(T=400, g=-0.05, lr=0.2, eps=1e-10)]
        tiny = [dict(T=100, g=1e-9, lr=0.01, eps=1e-10), dict(T=20, g=-4e-10, lr=0.1, eps=1e-10)]
        other = [dict(T=30, g=0.01, lr=0.1, eps=1e-3), dict(T=300, g=2.0, lr=1.0, eps=0.5)]
    cases += [ValueCase("negative gradients", kwargs) for kwargs in negative]
    cases += [ValueCase("tiny gradients (where epsilon matters)", kwargs) for kwargs in tiny]
    cases += [ValueCase("other epsilons", kwargs) for kwargs in other]
    return cases


register(ValueItem(
    name="adagrad_step_after",
    reference=step_after_reference,
    cases=_cases_step_after,
    points=2,
    rtol=1e-6,
    mistakes=(
        Mistake("lr / T instead of lr / sqrt(T)",
                "After T steps of the same g, G_T = T g^2, and the step divides by its square root: "
                "lr * |g| / (sqrt(T) |g| + eps), about lr / sqrt(T), not lr / T.",
                lambda T, g, lr, eps: lr * abs(g) / (T * abs(g) + eps)),
        Mistake("forgot the accumulated T",
                "G_T holds all T squared gradients, G_T = T g^2, not just the last one: the step is "
                "lr * |g| / (sqrt(T g^2) + eps), which shrinks like 1 / sqrt(T).",
                lambda T, g, lr, eps: lr * abs(g) / (abs(g) + eps)),
        Mistake("epsilon inside the square root",
                "AdaGrad (torch's, the one asked for) adds eps to sqrt(G_T): lr * |g| / (sqrt(T g^2) + eps), "
                "not lr * |g| / sqrt(T g^2 + eps). It shows for tiny gradients.",
                lambda T, g, lr, eps: lr * abs(g) / math.sqrt(T * g * g + eps)),
        Mistake("left out epsilon",
                "That is lr / sqrt(T), the limit for large gradients; with g near eps the exact size is "
                "lr * |g| / (sqrt(T) |g| + eps).",
                lambda T, g, lr, eps: lr / math.sqrt(T)),
        Mistake("gave the step with its sign",
                "The question asks for the size of the step, |theta_T - theta_{T-1}|, a positive number: "
                "use |g|.",
                lambda T, g, lr, eps: lr * g / (math.sqrt(T) * abs(g) + eps)),
        Mistake("returned the effective step size, not the step",
                "The effective step size lr / (sqrt(G_T) + eps) is the factor that multiplies g; the step itself is that factor "
                "times |g|.",
                lambda T, g, lr, eps: lr / (math.sqrt(T) * abs(g) + eps)),
    ),
))
