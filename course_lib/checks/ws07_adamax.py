"""Worksheet 07 (AdaMax): adamax_step, u after a gradient sequence, v_t^(1/p) in log space, the step bound.

The worksheet's contract::

    new_theta, new_state = adamax_step(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    state = {"t": 0, "m": np.zeros_like(theta), "u": np.zeros_like(theta)}   # before the first step

The reference is course_lib.optim.Adamax, PyTorch's form: u = max(beta2 u, |g| + eps).
Two legitimate variants are accepted and named: the paper's Algorithm 2, with no
eps (course_lib.optim.AdamaxPaper), and Keras's form, which adds eps to u in the
denominator instead.
"""

import math

import numpy as np

from .. import optim
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update

HYPER = dict(lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8)


def _with_optimizer(opt, theta, g, state):
    new_theta, s = opt.step(theta, g, optim.AdamaxState(state["t"], state["m"], state["u"]))
    return new_theta, {"t": s.t, "m": s.m, "u": s.u}


def adamax_reference(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """course_lib.optim.Adamax (torch.optim.Adamax's form), in the worksheet's dict layout."""
    return _with_optimizer(optim.Adamax(lr=lr, betas=(beta1, beta2), eps=eps), theta, g, state)


def fresh_state(theta):
    return {"t": 0, "m": np.zeros_like(theta), "u": np.zeros_like(theta)}


def warm_state(theta, rng):
    return {"t": int(rng.integers(200, 3000)),
            "m": (0.3 * rng.normal(size=theta.shape)).astype(theta.dtype),
            "u": (0.5 + rng.random(size=theta.shape)).astype(theta.dtype)}


# --- the variants and mistakes, each a whole adamax_step ---------------------------------

def paper_form(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Algorithm 2 of the paper: no eps (0 / 0 while every gradient so far was 0 is a zero step)."""
    return _with_optimizer(optim.AdamaxPaper(lr=lr, betas=(beta1, beta2)), theta, g, state)


def keras_form(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g))
    return theta - lr / (1 - beta1**t) * m / (u + eps), {"t": t, "m": m, "u": u}


def no_eps_nan(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g))
    return theta - lr / (1 - beta1**t) * m / u, {"t": t, "m": m, "u": u}  # 0 / 0 = NaN on zero gradients


def _moments(g, state, beta1, beta2, eps):
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
    return m, u


def u_bias_corrected(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, u = _moments(g, state, beta1, beta2, eps)
    u_hat = u / (1 - beta2**t)
    return theta - lr / (1 - beta1**t) * m / u_hat, {"t": t, "m": m, "u": u}


def u_not_decayed(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(state["u"], np.abs(g) + eps)
    return theta - lr / (1 - beta1**t) * m / u, {"t": t, "m": m, "u": u}


def no_absolute_value(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], g + eps)
    return theta - lr / (1 - beta1**t) * m / u, {"t": t, "m": m, "u": u}


def m_corrected_with_beta2(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, u = _moments(g, state, beta1, beta2, eps)
    return theta - lr / (1 - beta2**t) * m / u, {"t": t, "m": m, "u": u}


def no_bias_correction(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, u = _moments(g, state, beta1, beta2, eps)
    return theta - lr * m / u, {"t": t, "m": m, "u": u}


def t_from_zero(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]  # corrects with the old count: 1 - beta1^0 = 0 on the first step
    m, u = _moments(g, state, beta1, beta2, eps)
    m_hat = m / (1 - beta1**t)  # an array divided by 0.0: inf, where lr / 0.0 would raise ZeroDivisionError
    return theta - lr * m_hat / u, {"t": t + 1, "m": m, "u": u}


def beta_swapped(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = (1 - beta1) * state["m"] + beta1 * g
    u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
    return theta - lr / (1 - beta1**t) * m / u, {"t": t, "m": m, "u": u}


returns_the_update = returning_the_update(adamax_reference)


register(StepItem(
    name="adamax_step",
    reference=adamax_reference,
    cases=lambda rng, hidden=False: step_cases(rng, fresh_state, warm_state, HYPER,
                                 [dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6),
                                  dict(lr=0.01, beta1=0.0, beta2=0.99, eps=1e-8),
                                  dict(lr=0.1, beta1=0.95, beta2=0.9999, eps=1e-3)],
                                 tiny_group="tiny gradients (where eps inside the max matters)"),
    state_keys=("t", "m", "u"),
    points=5,
    mistakes=(
        Mistake("the paper's form (Algorithm 2, no eps)",
                "you wrote u = max(beta2 * u, |g|) with no eps, as Kingma and Ba's Algorithm 2 does "
                "(course_lib.optim.AdamaxPaper), and a zero step while u = 0. That is a legitimate AdaMax; this "
                "worksheet's reference is PyTorch's, u = max(beta2 * u, |g| + eps). The two differ only when "
                "gradients are about eps in size or zero.", paper_form, accepted=True),
        Mistake("Keras's form (eps added to u in the denominator)",
                "you divided by u + eps with u = max(beta2 * u, |g|), as Keras's Adamax does. That is a legitimate "
                "AdaMax; this worksheet's reference is PyTorch's, which puts eps inside the max: "
                "u = max(beta2 * u, |g| + eps). The two differ only when gradients are about eps in size.",
                keras_form, accepted=True),
        Mistake("no eps, and 0 / 0 = NaN on zero gradients",
                "with u = max(beta2 * u, |g|) and no eps, a parameter whose gradient has been 0 since the start has "
                "m = 0 and u = 0, and m / u is NaN (an image pixel that is blank in every picture does this). Put eps "
                "inside the max, u = max(beta2 * u, |g| + eps), as the worksheet asks.", no_eps_nan),
        Mistake("u bias-corrected (divided by 1 - beta2^t)",
                "The norm u is a maximum, not an average: its zero start is forgotten at the first step (u_1 = |g_1|), so it "
                "needs no correction. Divide only m's correction into the step, lr / (1 - beta1**t) * m / u.",
                u_bias_corrected),
        Mistake("u not decayed (max(u, |g|))",
                "The norm u must forget: u = max(beta2 * u, |g| + eps). Without the factor beta2 one large gradient "
                "shrinks every later step forever.", u_not_decayed),
        Mistake("no absolute value",
                "The norm u is a size: u = max(beta2 * u, |g| + eps), with np.abs(g). Without it a negative gradient "
                "never enters u, and u can be as small as eps.", no_absolute_value),
        Mistake("bias-corrected m with beta2",
                "The moment m is the average with decay beta1, so its correction is 1 - beta1**t: the step is "
                "lr / (1 - beta1**t) * m / u. beta2 belongs to u, which needs no correction.", m_corrected_with_beta2),
        Mistake("forgot m's bias correction",
                "The moment m starts at 0, so early on it is too small by 1 - beta1**t: the step is lr / (1 - beta1**t) * m / u. "
                "(It is u that needs no correction.)", no_bias_correction),
        Mistake("step counter off by one (t counted from 0)",
                "increment t first, t = state['t'] + 1, and use that t in 1 - beta1**t: t counts from 1, "
                "and 1 - beta1**0 = 0 divides by zero.", t_from_zero),
        Mistake("beta and 1 - beta swapped in m",
                "the old average keeps weight beta1: m = beta1 * m + (1 - beta1) * g.", beta_swapped),
        Mistake("returned the update instead of the new parameter",
                "return theta - lr / (1 - beta1**t) * m / u, not the step itself.", returns_the_update),
    ),
))


# --- u after a sequence of gradients --------------------------------------------------------

def u_after_reference(gs, beta2):
    """u_T of the paper's AdaMax after the gradients gs: max over i of beta2^(T-i) |g_i|."""
    u = 0.0
    for g in gs:
        u = max(beta2 * u, abs(g))
    return u


def _u_after_cases(rng, hidden=False):
    def seq(n, scale=1.0):
        return [round(float(x), 6) for x in scale * rng.normal(size=n)]

    def sized(low, high, n=None):
        return round(float(rng.uniform(low, high)), 6) if n is None else [round(float(x), 6) for x in
                                                                           rng.uniform(low, high, n)]

    if hidden:
        # the same shapes: one negative gradient; a first gradient that still dominates after four decays
        # by 0.9 (0.66 of it against at most 0.3 of it for the others); a large negative second gradient
        one = [-sized(0.5, 5.0)]
        first = sized(3.0, 8.0)
        came_first = [first] + [round(first * x, 6) for x in rng.uniform(-0.3, 0.3, 4)]
        negative = [sized(0.1, 1.0), -sized(2.5, 8.0)] + sized(0.1, 1.5, 2)
    else:
        one, came_first, negative = [-2.5], [5.0, 1.0, -0.5, 0.2, 0.1], [0.3, -4.0, 0.5, 1.0]
    cases = [ValueCase("one gradient", dict(gs=one, beta2=0.999)),
             ValueCase("the largest gradient came first", dict(gs=came_first, beta2=0.9)),
             ValueCase("the largest gradient is negative", dict(gs=negative, beta2=0.99))]
    cases += [ValueCase("random sequences", dict(gs=seq(int(n)), beta2=0.999)) for n in rng.integers(5, 40, 3)]
    cases += [ValueCase("other beta2", dict(gs=[8.0] + seq(int(n)), beta2=b2))
              for n, b2 in zip(rng.integers(5, 30, 3), (0.5, 0.9, 0.9999))]
    return cases


register(ValueItem(
    name="u_after",
    reference=u_after_reference,
    cases=_u_after_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("u not decayed (the largest |g| of all)",
                "The norm u decays by beta2 at every step: u_t = max(beta2 * u_{t-1}, |g_t|), so an old gradient g_i counts as "
                "beta2**(T - i) * |g_i| at step T.", lambda gs, beta2: max(abs(g) for g in gs)),
        Mistake("no absolute value",
                "The norm u is built from |g_t|, the size of each gradient: a large negative gradient sets u too.",
                lambda gs, beta2: _fold(gs, lambda u, g: max(beta2 * u, g))),
        Mistake("u bias-corrected (divided by 1 - beta2^t)",
                "The norm u needs no correction: after one gradient u_1 = |g_1| exactly. Return u itself.",
                lambda gs, beta2: u_after_reference(gs, beta2) / (1 - beta2 ** len(gs))),
        Mistake("decayed the newest gradient too",
                "the newest gradient enters undecayed: u_t = max(beta2 * u_{t-1}, |g_t|), not beta2 * max(u_{t-1}, |g_t|).",
                lambda gs, beta2: beta2 * u_after_reference(gs, beta2)),
    ),
))


def _fold(gs, rule):
    u = 0.0
    for g in gs:
        u = rule(u, g)
    return u


# --- v_t^(1/p) of the L^p generalization, in log space ---------------------------------------

def lp_root_reference(gs, beta2, p):
    """v_T^(1/p) with v_t = beta2^p v_{t-1} + (1 - beta2^p) |g_t|^p, v_0 = 0.

    Unrolled: v_T = (1 - beta2^p) sum_i beta2^(p (T - i)) |g_i|^p, summed in log space
    (log-sum-exp) so that |g|^p neither overflows nor underflows.
    """
    T = len(gs)
    terms = np.array([math.log1p(-beta2**p) + p * (T - i) * math.log(beta2) + p * math.log(abs(g))
                      for i, g in enumerate(gs, start=1)])
    top = terms.max()
    return math.exp((top + math.log(np.exp(terms - top).sum())) / p)


def _lp_cases(rng, hidden=False):
    def seq(n, scale):
        return [round(float(x), 6) for x in scale * rng.normal(size=n) if abs(x) > 1e-3]

    if hidden:  # three other gradients of both signs, sizes 0.2 to 3
        p2 = [round(float(sign * size), 6) for sign, size in zip((1, -1, 1), rng.uniform(0.2, 3.0, 3))]
    else:
        p2 = [1.0, -2.0, 0.5]
    cases = [ValueCase("p = 2", dict(gs=p2, beta2=0.999, p=2.0))]
    cases += [ValueCase("small p", dict(gs=seq(int(n), 1.0), beta2=0.99, p=float(p)))
              for n, p in zip(rng.integers(5, 30, 2), (4, 16))]
    cases += [ValueCase("large p, where |g|^p overflows", dict(gs=[6.0] + seq(int(n), 3.0), beta2=0.999, p=float(p)))
              for n, p in zip(rng.integers(10, 40, 2), (512, 2048))]
    cases += [ValueCase("large p, where |g|^p underflows", dict(gs=seq(int(n), 0.01), beta2=0.99, p=float(p)))
              for n, p in zip(rng.integers(10, 40, 2), (256, 1000))]
    cases += [ValueCase("other beta2", dict(gs=seq(20, 1.0), beta2=b2, p=8.0)) for b2 in (0.5, 0.9)]
    return cases


register(ValueItem(
    name="lp_root",
    reference=lp_root_reference,
    cases=_lp_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("decayed v by beta2 instead of beta2^p",
                "in the L^p version the decay is beta2**p and the weight of the new term 1 - beta2**p: "
                "v_t = beta2**p * v_{t-1} + (1 - beta2**p) * |g_t|**p. (With beta2 itself, the limit p -> infinity "
                "would be the largest |g| ever, never decayed.)",
                lambda gs, beta2, p: _lp_with(gs, math.log(beta2), math.log1p(-beta2), p)),
        Mistake("left out the factor 1 - beta2^p",
                "the new term enters with weight 1 - beta2**p: v_t = beta2**p * v_{t-1} + (1 - beta2**p) * |g_t|**p.",
                lambda gs, beta2, p: _lp_with(gs, p * math.log(beta2), 0.0, p)),
        Mistake("returned u_t, the limit p -> infinity",
                "for finite p, v_t^(1/p) is below u_t by up to the factor (1 - beta2**p)**(1/p) and above it by up to "
                "t**(1/p): compute v_t itself (in log space) and take its p-th root.",
                lambda gs, beta2, p: u_after_reference(gs, beta2)),
    ),
))


def _lp_with(gs, log_decay, log_weight, p):
    """v_T^(1/p) of a wrong recursion: log v_t = logaddexp(log_decay + log v_{t-1}, log_weight + p log|g_t|)."""
    log_v = -math.inf
    for g in gs:
        log_v = float(np.logaddexp(log_decay + log_v, log_weight + p * math.log(abs(g))))
    return math.exp(log_v / p)


# --- the bound on AdaMax's step --------------------------------------------------------------

def adamax_step_bound_reference(lr, beta1, beta2, t):
    """The largest |Delta_t| AdaMax (eps = 0) can take at step t, over every gradient sequence.

    |m_t| <= (1 - beta1) sum_i beta1^(t-i) |g_i| and |g_i| <= u_t / beta2^(t-i), so
    |Delta_t| <= lr (1 - beta1) / (1 - beta1^t) sum_{k=0}^{t-1} (beta1 / beta2)^k,
    with equality for same-sign gradients shrinking by exactly beta2 per step.
    """
    r = beta1 / beta2
    return lr * (1 - beta1) / (1 - beta1**t) * sum(r**k for k in range(t))


def _bound_cases(rng, hidden=False):
    # hidden: another lr at the first step; for other learning rates and betas, draws around the
    # worksheet's three (one with beta1 > beta2, where the sum grows geometrically)
    first_lr = log_uniform(rng, 1e-4, 0.1) if hidden else 2e-3
    cases = [ValueCase("the first step (t = 1)", dict(lr=first_lr, beta1=0.9, beta2=0.999, t=1))]
    cases += [ValueCase("defaults, early steps", dict(lr=2e-3, beta1=0.9, beta2=0.999, t=int(t)))
              for t in rng.integers(2, 30, 3)]
    cases += [ValueCase("defaults, late steps", dict(lr=2e-3, beta1=0.9, beta2=0.999, t=int(t)))
              for t in rng.integers(500, 3000, 2)]
    if hidden:
        others = [(log_uniform(rng, 0.03, 0.3), float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.95, 0.995))),
                  (log_uniform(rng, 0.3, 3.0), float(rng.uniform(0.95, 0.995)), float(rng.uniform(0.998, 0.9999))),
                  (log_uniform(rng, 0.003, 0.03), float(rng.uniform(0.85, 0.95)), float(rng.uniform(0.7, 0.83)))]
    else:
        others = list(zip((0.1, 1.0, 0.01), (0.5, 0.99, 0.9), (0.99, 0.999, 0.8)))
    cases += [ValueCase("other learning rates and betas", dict(lr=lr, beta1=b1, beta2=b2, t=int(t)))
              for (lr, b1, b2), t in zip(others, rng.integers(5, 40, 3))]
    return cases


register(ValueItem(
    name="adamax_step_bound",
    reference=adamax_step_bound_reference,
    cases=_bound_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("the paper's rounded bound, |Delta_t| <= lr",
                "the paper states |Delta_t| <= lr, but gradients that shrink by exactly beta2 per step (same sign) "
                "keep every past gradient tied for the max and reach lr (1 - beta1) / (1 - beta1**t) "
                "* sum_k (beta1 / beta2)**k, slightly more than lr. Bound |m_t| with |g_i| <= u_t / beta2**(t - i).",
                lambda lr, beta1, beta2, t: lr),
        Mistake("the limit t -> infinity",
                "the sum has t terms: sum_{k=0}^{t-1} (beta1 / beta2)**k = (1 - r**t) / (1 - r) with r = beta1 / beta2, "
                "and the correction 1 - beta1**t stays: the bound at step t is not its limit.",
                lambda lr, beta1, beta2, t: lr * (1 - beta1) / (1 - beta1 / beta2)),
        Mistake("forgot the bias correction 1 - beta1^t",
                "AdaMax's step is lr / (1 - beta1**t) * m_t / u_t: the bound keeps the factor 1 / (1 - beta1**t).",
                lambda lr, beta1, beta2, t: lr * (1 - beta1) * sum((beta1 / beta2) ** k for k in range(t))),
        Mistake("beta1 * beta2 instead of beta1 / beta2",
                "an old gradient can be as large as u_t / beta2**(t - i) (u has decayed since), so it is divided by "
                "beta2**(t - i): the ratio is beta1 / beta2.",
                lambda lr, beta1, beta2, t: lr * (1 - beta1) / (1 - beta1**t) * sum((beta1 * beta2) ** k for k in range(t))),
    ),
))
