"""Worksheet 05 (Adam): adam_step, the first Adam step on f(x) = x^4, and the eps_hat of the efficient form.

The worksheet's contract::

    new_theta, new_state = adam_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    state = {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}   # before the first step
"""

import math

import numpy as np

from .. import optim
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)


def adam_reference(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """course_lib.optim.Adam, in the worksheet's dict layout."""
    opt = optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps)
    new_theta, s = opt.step(theta, g, optim.AdamState(state["t"], state["m"], state["v"], None))
    return new_theta, {"t": s.t, "m": s.m, "v": s.v}


def fresh_state(theta):
    return {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}


def warm_state(theta, rng):
    return {"t": int(rng.integers(200, 3000)),
            "m": (0.3 * rng.normal(size=theta.shape)).astype(theta.dtype),
            "v": (0.5 + rng.random(size=theta.shape)).astype(theta.dtype)}


# --- the mistakes, each a whole wrong adam_step -------------------------------------

def adam_moments(g, state, beta1, beta2):
    """Adam's m_t and v_t from a {"t", "m", "v"} state: the part every wrong or variant step shares
    (the AMSGrad and RAdam worksheets' mistakes use it too)."""
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    return m, v


def no_bias_correction(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    return theta - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


def only_m_corrected(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    return theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


def only_v_corrected(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    return theta - lr * m / (np.sqrt(v / (1 - beta2**t)) + eps), {"t": t, "m": m, "v": v}


def t_from_zero(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]  # corrects with the old count: 1 - beta^0 = 0 on the first step
    m, v = adam_moments(g, state, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t + 1, "m": m, "v": v}


def eps_inside_sqrt(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), {"t": t, "m": m, "v": v}


def beta_swapped(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = (1 - beta1) * state["m"] + beta1 * g
    v = (1 - beta2) * state["v"] + beta2 * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}


def efficient_form(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - lr_t * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


returns_the_update = returning_the_update(adam_reference)


register(StepItem(
    name="adam_step",
    reference=adam_reference,
    cases=lambda rng, hidden=False: step_cases(rng, fresh_state, warm_state, HYPER,
                                 [dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6),
                                  dict(lr=0.01, beta1=0.0, beta2=0.99, eps=1e-8),
                                  dict(lr=0.1, beta1=0.95, beta2=0.9999, eps=1e-3)]),
    state_keys=("t", "m", "v"),
    points=5,
    mistakes=(
        Mistake("forgot the bias correction",
                "The moments m and v start at 0, so early on they are too small by 1 - beta^t: divide m by "
                "(1 - beta1**t) and v by (1 - beta2**t) before the step.", no_bias_correction),
        Mistake("bias-corrected only the first moment",
                "The second moment needs its correction too: v_hat = v / (1 - beta2**t).", only_m_corrected),
        Mistake("bias-corrected only the second moment",
                "The first moment needs its correction too: m_hat = m / (1 - beta1**t).", only_v_corrected),
        Mistake("step counter off by one (t counted from 0)",
                "increment t first, t = state['t'] + 1, and use that t in 1 - beta**t: t counts from 1, "
                "and 1 - beta**0 = 0 divides by zero.", t_from_zero),
        Mistake("epsilon inside the square root",
                "you divide by sqrt(v_hat + eps); Adam divides by sqrt(v_hat) + eps. It shows when "
                "gradients are tiny, where sqrt(v_hat) is close to eps.", eps_inside_sqrt),
        Mistake("beta and 1 - beta swapped in the moving averages",
                "the old average keeps weight beta: m = beta1 * m + (1 - beta1) * g, likewise for v.",
                beta_swapped),
        Mistake("the paper's 'efficient' form with the same epsilon",
                "folding the corrections into the step size is Adam only with eps_hat = eps * sqrt(1 - beta2**t); "
                "this worksheet asks for m_hat / (sqrt(v_hat) + eps).", efficient_form),
        Mistake("returned the update instead of the new parameter",
                "return theta - lr * m_hat / (sqrt(v_hat) + eps), not the step itself.", returns_the_update),
    ),
))


# --- the first step on f(x) = x^4 ---------------------------------------------------------

def first_adam_step_reference(x0, lr):
    x = np.array(float(x0))
    opt = optim.Adam(lr=lr)
    return float(opt.step(x, 4 * x**3, opt.init(x))[0])


def _article_value(x0, lr):
    """The source article's 3.9984: the gradient of x^4 taken as x^3 (64 at x = 4), and
    m_hat divided by v_hat with no square root: 4 - 0.1 * 64 / 4096."""
    g = x0**3
    return x0 - lr * g / (g * g + 1e-8)


def _first_step_cases(rng, hidden=False):
    # hidden: the worked example's start x0 = 4 with another step size
    worked_lr = float(rng.uniform(0.02, 0.5)) if hidden else 0.1
    return [ValueCase("the worked example", dict(x0=4.0, lr=worked_lr))] + [
        ValueCase("other starts and step sizes", dict(x0=float(x0), lr=float(lr)))
        for x0, lr in zip(rng.uniform(-5, 5, 4), rng.uniform(0.01, 0.5, 4))]


register(ValueItem(
    name="first_adam_step",
    reference=first_adam_step_reference,
    cases=_first_step_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("the step without bias correction",
                "at t = 1, m = (1 - beta1) g and v = (1 - beta2) g^2: without correction the step is "
                "lr * 0.1 / sqrt(0.001) ~ 3.16 lr. Corrected, m_hat / sqrt(v_hat) = sign(g): x1 = x0 - lr * sign(g).",
                lambda x0, lr: x0 - lr * (0.1 * 4 * x0**3) / (np.sqrt(0.001 * (4 * x0**3) ** 2) + 1e-8)),
        Mistake("the source article's slip", "the gradient of x^4 is 4 x^3 (256 at x = 4), not x^3 (64); "
                "and at t = 1 Adam moves by lr * sign(g) whatever the gradient's size.", _article_value),
        Mistake("divided by v_hat instead of its square root",
                "Adam's step is lr * m_hat / (sqrt(v_hat) + eps); without the root the step shrinks like 1 / |g|.",
                lambda x0, lr: x0 - lr * (4 * x0**3) / ((4 * x0**3) ** 2 + 1e-8)),
        Mistake("a gradient-descent step", "that is x0 - lr * f'(x0); Adam's first step is x0 - lr * sign(f'(x0)).",
                lambda x0, lr: x0 - lr * 4 * x0**3),
    ),
))


# --- the epsilon that makes the "efficient" form exactly Adam -------------------------------

def efficient_eps_hat_reference(eps, beta2, t):
    """eps_hat = eps * sqrt(1 - beta2^t).

    The efficient form takes lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t) and
    divides m_t by sqrt(v_t) + eps_hat. Since sqrt(v_t) = sqrt(1 - beta2^t) * sqrt(v_hat_t),
    that step is lr * m_hat_t / (sqrt(v_hat_t) + eps_hat / sqrt(1 - beta2^t)): it is
    Algorithm 1's step exactly when eps_hat / sqrt(1 - beta2^t) = eps.
    """
    return eps * math.sqrt(1 - beta2**t)


def _eps_hat_cases(rng, hidden=False):
    # hidden: the first step with beta2 = 0.999 and another epsilon near the default; other epsilons and
    # betas near the worksheet's (t alone would repeat its answers, since t is drawn from a short range)
    first_eps = log_uniform(rng, 1e-9, 1e-7) if hidden else 1e-8
    cases = [ValueCase("the defaults at the first step", dict(eps=first_eps, beta2=0.999, t=1))]
    cases += [ValueCase("early steps (t <= 50)", dict(eps=1e-8, beta2=0.999, t=int(t)))
              for t in rng.integers(2, 51, 3)]
    cases += [ValueCase("late steps (large t)", dict(eps=1e-8, beta2=0.999, t=int(t)))
              for t in rng.integers(500, 5000, 2)]
    if hidden:
        others = [(log_uniform(rng, 3e-7, 3e-6), float(rng.uniform(0.85, 0.95))),
                  (log_uniform(rng, 3e-4, 3e-3), float(rng.uniform(0.98, 0.995))),
                  (log_uniform(rng, 3e-8, 3e-7), float(rng.uniform(0.9995, 0.99995)))]
    else:
        others = list(zip((1e-6, 1e-3, 1e-7), (0.9, 0.99, 0.9999)))
    cases += [ValueCase("other epsilons and betas", dict(eps=float(eps), beta2=beta2, t=int(t)))
              for (eps, beta2), t in zip(others, rng.integers(1, 30, 3))]
    return cases


register(ValueItem(
    name="efficient_eps_hat",
    reference=efficient_eps_hat_reference,
    cases=_eps_hat_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("kept the same epsilon",
                "with eps_hat = eps the efficient form adds eps to sqrt(v_t), which is sqrt(1 - beta2**t) "
                "times sqrt(v_hat_t): early on that acts like a larger epsilon, eps / sqrt(1 - beta2**t) "
                "(about 32 eps at t = 1 for beta2 = 0.999). Write lr_t * m_t / (sqrt(v_t) + eps_hat) with "
                "m_t and v_t in terms of m_hat_t and v_hat_t, and solve for the eps_hat that gives "
                "lr * m_hat_t / (sqrt(v_hat_t) + eps).",
                lambda eps, beta2, t: eps),
        Mistake("forgot the square root",
                "The epsilon eps_hat scales like sqrt(v_t), not like v_t: the factor is sqrt(1 - beta2**t), not 1 - beta2**t.",
                lambda eps, beta2, t: eps * (1 - beta2**t)),
        Mistake("divided instead of multiplied",
                "The root sqrt(v_t) is smaller than sqrt(v_hat_t) by the factor sqrt(1 - beta2**t), so eps_hat must shrink "
                "by the same factor: eps * sqrt(1 - beta2**t), not eps / sqrt(1 - beta2**t).",
                lambda eps, beta2, t: eps / math.sqrt(1 - beta2**t)),
        Mistake("step counter off by one",
                "at step t the bias correction is 1 - beta2**t with t counted from 1 (t = 1 on the first step); "
                "with t - 1 the first step gets eps_hat = 0.",
                lambda eps, beta2, t: eps * math.sqrt(1 - beta2 ** (t - 1))),
    ),
))
