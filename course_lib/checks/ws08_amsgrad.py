"""Worksheet 08 (AMSGrad): amsgrad_step, the final x of Reddi et al.'s counterexample, and Adam's average regret there.

The worksheet's contract::

    new_theta, new_state = amsgrad_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    state = {"t": 0, "m": zeros, "v": zeros, "v_max": zeros}   # zeros = np.zeros_like(theta)

The reference is torch's form, ``course_lib.optim.AMSGrad``: the running max
is taken over the raw v and then bias-corrected. The two other published
forms are accepted and named: optax's (max over the bias-corrected v_hat)
and the paper's (Reddi et al.'s Algorithm 2, no bias correction at all).
"""

import math

import numpy as np

from .. import landscapes, optim, schedules
from ._cases import step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update
from .ws05_adam import adam_moments

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)


def amsgrad_reference(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """course_lib.optim.AMSGrad (torch's form), in the worksheet's dict layout."""
    opt = optim.AMSGrad(lr=lr, betas=(beta1, beta2), eps=eps)
    new_theta, s = opt.step(theta, g, optim.AdamState(state["t"], state["m"], state["v"], state["v_max"]))
    return new_theta, {"t": s.t, "m": s.m, "v": s.v, "v_max": s.v_max}


def fresh_state(theta):
    zeros = np.zeros_like(theta)
    return {"t": 0, "m": zeros, "v": zeros, "v_max": zeros}


def warm_state(theta, rng):
    """A state from late in training, where the max holds more than the current v (it usually does)."""
    v = (0.5 + rng.random(size=theta.shape)).astype(theta.dtype)
    return {"t": int(rng.integers(200, 3000)),
            "m": (0.3 * rng.normal(size=theta.shape)).astype(theta.dtype),
            "v": v,
            "v_max": (v + rng.random(size=theta.shape)).astype(theta.dtype)}


# --- the accepted variants and the mistakes, each a whole amsgrad_step ---------------------------

def optax_form(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """optax.amsgrad: the max over the bias-corrected v_hat (state["v_max"] holds corrected values)."""
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v_max"], v / (1 - beta2**t))
    new_theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v_max) + eps)
    return new_theta, {"t": t, "m": m, "v": v, "v_max": v_max}


def paper_form(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Reddi et al.'s Algorithm 2 (course_lib.optim.AMSGradPaper) with this eps: no bias correction."""
    opt = optim.AMSGradPaper(lr=lr, betas=(beta1, beta2), eps=eps)
    new_theta, s = opt.step(theta, g, optim.AdamState(state["t"], state["m"], state["v"], state["v_max"]))
    return new_theta, {"t": s.t, "m": s.m, "v": s.v, "v_max": s.v_max}


def _finish(theta, t, m, v, v_max, divide_by, lr, beta1, beta2, eps, correct_m=True, correct_v=True):
    """The step and the new state, given what a version keeps and the second moment it divides by."""
    m_hat = m / (1 - beta1**t) if correct_m else m
    second = divide_by / (1 - beta2**t) if correct_v else divide_by
    return theta - lr * m_hat / (np.sqrt(second) + eps), {"t": t, "m": m, "v": v, "v_max": v_max}


def max_of_last_two(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v"], v)  # the previous v, not the running max: C^2 is forgotten after two steps
    return _finish(theta, t, m, v, v_max, v_max, lr, beta1, beta2, eps)


def max_over_m(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v_max"], m)
    return _finish(theta, t, m, v, v_max, v_max, lr, beta1, beta2, eps)


def v_replaced_by_max(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, average = adam_moments(g, state, beta1, beta2)
    v = np.maximum(state["v"], average)  # the moving average itself never goes down any more
    return _finish(theta, t, m, v, v, v, lr, beta1, beta2, eps)


def max_kept_but_unused(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v_max"], v)
    return _finish(theta, t, m, v, v_max, v, lr, beta1, beta2, eps)  # divides by v: that is Adam


def m_not_corrected(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v_max"], v)
    return _finish(theta, t, m, v, v_max, v_max, lr, beta1, beta2, eps, correct_m=False)


def v_max_not_corrected(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v_max"], v)
    return _finish(theta, t, m, v, v_max, v_max, lr, beta1, beta2, eps, correct_v=False)


def efficient_form(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Keras's AMSGrad: the max over the raw v, both corrections folded into the step size, eps unscaled."""
    t = state["t"] + 1
    m, v = adam_moments(g, state, beta1, beta2)
    v_max = np.maximum(state["v_max"], v)
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - lr_t * m / (np.sqrt(v_max) + eps), {"t": t, "m": m, "v": v, "v_max": v_max}


returns_the_update = returning_the_update(amsgrad_reference)


register(StepItem(
    name="amsgrad_step",
    reference=amsgrad_reference,
    cases=lambda rng, hidden=False: step_cases(rng, fresh_state, warm_state, HYPER,
                                 [dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6),
                                  dict(lr=0.01, beta1=0.0, beta2=0.5, eps=1e-8),
                                  dict(lr=0.1, beta1=0.9, beta2=0.1, eps=1e-8)]),
    state_keys=("t", "m", "v", "v_max"),
    points=5,
    mistakes=(
        Mistake("optax's form: the max over the bias-corrected v_hat",
                "you take max(v_max, v / (1 - beta2**t)) and divide by its root without correcting again: that is "
                "optax.amsgrad, a published variant. This worksheet asks for torch's form (torch.optim.Adam with "
                "amsgrad=True, course_lib.optim.AMSGrad): v_max = max(v_max, v) over the raw v, then divide by "
                "sqrt(v_max / (1 - beta2**t)). The two differ while the bias correction matters (early, or when "
                "the max was set early).", optax_form, accepted=True),
        Mistake("the paper's form: no bias correction at all",
                "you divide m by sqrt(max(v_max, v)) + eps with neither m nor v_max corrected: that is Reddi, Kale "
                "and Kumar's Algorithm 2 (course_lib.optim.AMSGradPaper), a published variant whose early steps are "
                "larger (about (1 - beta1) / sqrt(1 - beta2) times at t = 1). This worksheet asks for torch's form: "
                "m_hat = m / (1 - beta1**t) and sqrt(v_max / (1 - beta2**t)).", paper_form, accepted=True),
        Mistake("max not kept across steps",
                "you take max(previous v, new v), which forgets a large v after two steps. AMSGrad's max runs over "
                "every step so far: v_max = np.maximum(state['v_max'], v), stored in the state.", max_of_last_two),
        Mistake("max over m instead of v",
                "the running max belongs to the second moment: v_max = np.maximum(state['v_max'], v), not of m.",
                max_over_m),
        Mistake("v itself replaced by the max",
                "you store max(old v, new average) as v, so the moving average stops forgetting. Keep v the plain "
                "moving average, v = beta2 * v + (1 - beta2) * g**2, and the max in its own entry, v_max.",
                v_replaced_by_max),
        Mistake("the max is kept but not used (this is Adam)",
                "you update v_max but divide by sqrt(v_hat) of the current v. Divide by sqrt(v_max / (1 - beta2**t)).",
                max_kept_but_unused),
        Mistake("forgot the bias correction of m",
                "The moment m starts at 0 like in Adam: divide it by (1 - beta1**t) before the step.", m_not_corrected),
        Mistake("forgot the bias correction of v_max",
                "PyTorch's form corrects the max: divide by sqrt(v_max / (1 - beta2**t)), not sqrt(v_max).",
                v_max_not_corrected),
        Mistake("the 'efficient' form with the same epsilon (Keras's AMSGrad)",
                "you fold both corrections into the step size, lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t), "
                "and divide m by sqrt(v_max) + eps, as Keras's AMSGrad does. That is torch's form only with "
                "eps_hat = eps * sqrt(1 - beta2**t) in place of eps: with eps itself it acts early on like a larger "
                "epsilon, eps / sqrt(1 - beta2**t). This worksheet asks for m_hat / (sqrt(v_max / (1 - beta2**t)) + eps).",
                efficient_form),
        Mistake("returned the update instead of the new parameter",
                "return theta - lr * m_hat / (sqrt(v_max_hat) + eps), not the step itself.", returns_the_update),
    ),
))


# --- the final x of the counterexample ---------------------------------------------------------------

def counterexample_final_x_reference(C, beta1, beta2, lr, steps, amsgrad):
    """x_T, the point played at the last step T = steps, of ReddiOnlineProblem(C) from x_1 = 0
    with lr_t = lr / sqrt(t), course_lib's Adam or AMSGrad (torch's form), eps = 1e-8."""
    opt = optim.AMSGrad(betas=(beta1, beta2)) if amsgrad else optim.Adam(betas=(beta1, beta2))
    run = landscapes.ReddiOnlineProblem(C).run(opt, steps, x0=0.0, schedule=schedules.InverseSqrtLR(lr))
    return float(run.x[-1])


def _online(C, beta1, beta2, lr, steps, amsgrad, form="torch", project=True, lr_of_t=None,
            point_after=False, eps=1e-8):
    """The same game as the reference in plain Python floats (fast), with one thing changed at a time."""
    x, m, v, v_max = 0.0, 0.0, 0.0, 0.0
    lr_of_t = lr_of_t or (lambda t: lr / math.sqrt(t))
    for t in range(1, steps + 1):
        played = x
        g = C if t % 3 == 1 else -1.0
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        if not amsgrad:
            step = m_hat / (math.sqrt(v / (1 - beta2**t)) + eps)
        elif form == "torch":   # max over the raw v, then corrected
            v_max = max(v_max, v)
            step = m_hat / (math.sqrt(v_max / (1 - beta2**t)) + eps)
        elif form == "optax":   # max over the corrected v_hat
            v_max = max(v_max, v / (1 - beta2**t))
            step = m_hat / (math.sqrt(v_max) + eps)
        else:                   # the paper: no correction at all
            v_max = max(v_max, v)
            step = m / (math.sqrt(v_max) + eps)
        x = x - lr_of_t(t) * step
        if project:
            x = min(1.0, max(-1.0, x))
    return x if point_after else played


def _final_x_cases(rng, hidden=False):
    paper_beta2 = 1 / (1 + 3.0**2)
    if hidden:  # the paper's game with another lr and length (Adam's ends a period later, as in 302 and 301)
        paper_runs = [(float(rng.uniform(0.3, 0.7)), 3 * int(rng.integers(70, 131)) + 2),
                      (float(rng.uniform(0.3, 0.7)), 3 * int(rng.integers(70, 131)) + 1)]
    else:
        paper_runs = [(0.5, 302), (0.5, 301)]
    cases = [ValueCase("the paper's setting (C = 3, beta1 = 0, beta2 = 1 / (1 + C^2))",
                       dict(C=3.0, beta1=0.0, beta2=paper_beta2, lr=lr, steps=steps, amsgrad=amsgrad))
             for (lr, steps), amsgrad in zip(paper_runs, (False, True))]
    for amsgrad in (False, True):
        C = float(rng.choice([2.5, 4.0, 5.0]))
        cases.append(ValueCase("other C, beta2 = 1 / (1 + C^2)",
                               dict(C=C, beta1=0.0, beta2=1 / (1 + C * C), lr=float(rng.uniform(0.2, 0.6)),
                                    steps=int(rng.integers(100, 200)) * 3 + 2, amsgrad=amsgrad)))
    for amsgrad in (False, True):
        # hidden: another lr, up to 0.15: from 0.175 x leaves [-1, 1], and this group would catch a missing
        # projection, as the worksheet's lr = 0.1 does not
        lr = float(rng.uniform(0.05, 0.15)) if hidden else 0.1
        cases.append(ValueCase("the default betas (0.9, 0.999)",
                               dict(C=3.0, beta1=0.9, beta2=0.999, lr=lr, steps=int(rng.integers(60, 200)),
                                    amsgrad=amsgrad)))
    for amsgrad in (False, True):
        cases.append(ValueCase("short runs (x still on its way)",
                               dict(C=float(rng.uniform(2.2, 6.0)), beta1=float(rng.uniform(0.0, 0.6)),
                                    beta2=float(rng.uniform(0.05, 0.5)), lr=float(rng.uniform(0.05, 0.2)),
                                    steps=int(rng.integers(12, 30)), amsgrad=amsgrad)))
    return cases


register(ValueItem(
    name="counterexample_final_x",
    reference=counterexample_final_x_reference,
    cases=_final_x_cases,
    points=2,
    # The question is the experiment, not the optimizer: the worksheet says to use optim.Adam.
    may_use=("course_lib.optim", "course_lib.schedules"),
    rtol=1e-6,
    mistakes=(
        Mistake("AMSGrad in optax's form",
                "your AMSGrad takes the max over the bias-corrected v_hat (optax.amsgrad), a published variant; "
                "the question asks for torch's form (max over the raw v, then corrected), as course_lib.optim.AMSGrad "
                "and amsgrad_step above.",
                lambda **kw: _online(**kw, form="optax"), accepted=True),
        Mistake("AMSGrad in the paper's form",
                "your AMSGrad has no bias correction (Reddi et al.'s Algorithm 2, course_lib.optim.AMSGradPaper), a "
                "published variant; the question asks for torch's form, as course_lib.optim.AMSGrad and amsgrad_step "
                "above.",
                lambda **kw: _online(**kw, form="paper"), accepted=True),
        Mistake("no projection onto [-1, 1]",
                "the game is played on the feasible set [-1, 1]: after every step, clip x back into it "
                "(problem.project(x), or np.clip(x, -1, 1)). Without it x runs off to +-infinity.",
                lambda **kw: _online(**kw, project=False)),
        Mistake("a constant step size",
                "the counterexample uses lr_t = lr / sqrt(t) with t = 1, 2, ... (schedules.InverseSqrtLR(lr), "
                "or schedule=lambda n: lr / math.sqrt(n + 1)); with a constant lr the result differs.",
                lambda **kw: _online(**kw, lr_of_t=lambda t: kw["lr"])),
        Mistake("the step size is one step late",
                "step t (counted from 1) uses lr / sqrt(t): the first step has the full lr. run() calls the "
                "schedule with n = t - 1, the number of steps already taken, so InverseSqrtLR(lr)(n) = "
                "lr / sqrt(n + 1) is right; lr / sqrt(n + 2) is one step late.",
                lambda **kw: _online(**kw, lr_of_t=lambda t: kw["lr"] / math.sqrt(t + 1))),
        Mistake("returned x_{T+1}, the point after the last step",
                "the final x is x_T, the point played at step T = steps (run.x[-1]): x_1 = 0 is played at step 1, "
                "so after T steps the last point played is x_T, not the point the last update produced.",
                lambda **kw: _online(**kw, point_after=True)),
        Mistake("ran Adam when amsgrad=True",
                "with amsgrad=True the run must use AMSGrad (optim.AMSGrad or your amsgrad_step), which keeps the "
                "max of v.", lambda **kw: _online(**{**kw, "amsgrad": False})),
        Mistake("ran AMSGrad when amsgrad=False",
                "with amsgrad=False the run must use plain Adam (optim.Adam).",
                lambda **kw: _online(**{**kw, "amsgrad": True})),
    ),
))


# --- Adam's average regret on the counterexample ----------------------------------------------------

def average_regret_limit_reference(C):
    """lim R_T / T for Adam stuck at x = +1: each period of three steps adds 2C - 4 to the regret.

    At x = +1 against x_star = -1: the step with f_t = C x costs C - (-C) = 2C,
    each of the two steps with f_t = -x costs -1 - 1 = -2.
    """
    return (2 * C - 4) / 3


def _regret_cases(rng, hidden=False):
    # hidden: a C near the lesson's 3, and others near 2.5, 4 and 10
    lesson = float(rng.uniform(2.5, 3.5)) if hidden else 3.0
    others = [float(rng.uniform(*r)) for r in ((2.1, 3.0), (3.5, 6.0), (6.0, 15.0))] if hidden else [2.5, 4.0, 10.0]
    return ([ValueCase("the lesson's C = 3", dict(C=lesson))]
            + [ValueCase("other C > 2", dict(C=C)) for C in others]
            + [ValueCase("random C > 2", dict(C=float(C))) for C in rng.uniform(2.1, 20.0, 2)])


register(ValueItem(
    name="average_regret_limit",
    reference=average_regret_limit_reference,
    cases=_regret_cases,
    points=1,
    rtol=1e-9,
    mistakes=(
        Mistake("the regret per period instead of per step",
                "One period of three steps adds 2C - 4; R_T / T is per step: divide by 3.",
                lambda C: 2 * C - 4),
        Mistake("the loss of x = +1 instead of the regret",
                "The value (C - 2) / 3 is the average loss of the point +1; the regret subtracts the loss of the best point "
                "x_star = -1, which is -(C - 2) / 3 per step: f_t(1) - f_t(-1) = 2 f_t(1) for these linear losses.",
                lambda C: (C - 2) / 3),
        Mistake("a sign slip on the -x steps",
                "on a step with f_t(x) = -x the regret of x = +1 is f_t(1) - f_t(-1) = -1 - 1 = -2: it is negative, "
                "+1 beats -1 on those steps.",
                lambda C: (2 * C + 4) / 3),
        Mistake("the regret of a period divided by 2",
                "a period has three steps (t mod 3 = 1, 2, 0), one with C x and two with -x.",
                lambda C: (2 * C - 4) / 2),
    ),
))
