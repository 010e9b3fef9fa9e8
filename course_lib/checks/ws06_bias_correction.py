"""Worksheet 06 (bias correction): the weights of a zero-started moving average, E[v_t], a
bias-corrected moving average as an update rule, and Adam's first step without correction.

The worksheet's contract for its one update rule::

    new_estimate, new_state = corrected_ema_step(estimate, x, state, beta=0.9)
    state = {"t": 0, "avg": np.zeros_like(estimate)}   # before the first sample

``estimate`` plays the part of ``theta`` and the new sample ``x`` that of ``g``: the
rule keeps the raw moving average in the state and returns the corrected one,
avg_t / (1 - beta^t). The new estimate does not depend on the old one.
"""

import math

import numpy as np

from .. import optim
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register

# --- 1. the sum of the weights ---------------------------------------------------------------


def ema_weights_sum_reference(beta, t):
    """sum over s = 1..t of (1 - beta) beta^(t - s) = 1 - beta^t (a geometric series)."""
    return optim.bias_correction(beta, t)


def _weights_cases(rng, hidden=False):
    # hidden: the bar chart's beta = 0.9 over another number of steps; first steps with other betas,
    # one moderate and one near 1, as in the worksheet's cases
    if hidden:
        chart_t = int(rng.choice([t for t in range(10, 41) if t != 20]))
        first_betas = (float(rng.uniform(0.5, 0.95)), 1 - log_uniform(rng, 1e-4, 1e-2))
    else:
        chart_t, first_betas = 20, (0.9, 0.999)
    cases = [ValueCase("the lesson's bar chart (beta = 0.9, t = 20)", dict(beta=0.9, t=chart_t))]
    cases += [ValueCase("the first step (t = 1)", dict(beta=beta, t=1)) for beta in first_betas]
    cases += [ValueCase("a few steps", dict(beta=round(float(beta), 3), t=int(t)))
              for beta, t in zip(rng.uniform(0.5, 0.95, 3), rng.integers(2, 30, 3))]
    cases += [ValueCase("beta near 1, many steps", dict(beta=beta, t=int(t)))
              for beta, t in zip((0.99, 0.999, 0.9999), rng.integers(50, 5000, 3))]
    return cases


register(ValueItem(
    name="ema_weights_sum",
    reference=ema_weights_sum_reference,
    cases=_weights_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("the weights of an average summing to 1",
                "They would if the average had been running for ever; started at 0, after t steps the weight "
                "beta**t is still on the zero start. Sum the geometric series (1 - beta) * beta**(t - s) for s = 1..t.",
                lambda beta, t: 1.0),
        Mistake("the weight left on the start instead of the sum",
                "The weight beta**t belongs to v_0 = 0, the part that is missing; the samples' weights sum to 1 - beta**t.",
                lambda beta, t: beta**t),
        Mistake("one weight too many (s from 0 to t)",
                "There are t samples, s = 1..t; the start v_0 is not a sample. The sum is 1 - beta**t, not "
                "1 - beta**(t + 1).",
                lambda beta, t: 1 - beta ** (t + 1)),
        Mistake("step counter off by one (t counted from 0)",
                "After t samples (t = 1 after the first) the weights sum to 1 - beta**t; with t - 1 the first "
                "sample would get weight 0.",
                lambda beta, t: 1 - beta ** (t - 1)),
        Mistake("beta and 1 - beta swapped",
                "The newest sample gets weight 1 - beta and every older one is multiplied by beta once per step: "
                "weights (1 - beta) * beta**(t - s), which sum to 1 - beta**t, not 1 - (1 - beta)**t.",
                lambda beta, t: 1 - (1 - beta) ** t),
        Mistake("only the newest sample's weight",
                "The factor 1 - beta is the weight of x_t alone; add the weights of all t samples: 1 - beta**t.",
                lambda beta, t: 1 - beta),
    ),
))


# --- 2. the expectation of v_t ------------------------------------------------------------------


def expected_v_reference(second_moment, beta2, t):
    """E[v_t] = E[g^2] (1 - beta2^t) when E[g_s^2] = second_moment at every step (zeta = 0)."""
    return second_moment * optim.bias_correction(beta2, t)


def _expected_v_cases(rng, hidden=False):
    moments = rng.uniform(0.01, 10.0, 12)
    cases = [ValueCase("the first step (t = 1)", dict(second_moment=float(moments[0]), beta2=0.999, t=1)),
             ValueCase("the first step (t = 1)", dict(second_moment=float(moments[1]), beta2=0.99, t=1))]
    cases += [ValueCase("early steps (t <= 50)", dict(second_moment=float(s), beta2=0.999, t=int(t)))
              for s, t in zip(moments[2:5], rng.integers(2, 51, 3))]
    cases += [ValueCase("late steps (large t)", dict(second_moment=float(s), beta2=0.999, t=int(t)))
              for s, t in zip(moments[5:7], rng.integers(1000, 8000, 2))]
    cases += [ValueCase("other betas", dict(second_moment=float(s), beta2=beta2, t=int(t)))
              for s, beta2, t in zip(moments[7:11], (0.9, 0.99, 0.9999, 0.5), rng.integers(2, 200, 4))]
    return cases


register(ValueItem(
    name="expected_v",
    reference=expected_v_reference,
    cases=_expected_v_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("forgot the (1 - beta2^t)",
                "E[g^2] is what v_hat_t estimates, after the correction; the raw v_t started at 0 and its "
                "weights sum to 1 - beta2**t, so E[v_t] = E[g^2] * (1 - beta2**t).",
                lambda second_moment, beta2, t: second_moment),
        Mistake("beta2^t instead of 1 - beta2^t",
                "The weight beta2**t is still on the zero start; the gradients carry the rest, 1 - beta2**t.",
                lambda second_moment, beta2, t: second_moment * beta2**t),
        Mistake("step counter off by one (t counted from 0)",
                "After t steps v_t holds t squared gradients (t = 1 after the first step): E[v_t] = E[g^2] * (1 - beta2**t), "
                "not (1 - beta2**(t - 1)), which would make E[v_1] = 0.",
                lambda second_moment, beta2, t: second_moment * (1 - beta2 ** (t - 1))),
        Mistake("divided by 1 - beta2^t instead of multiplying",
                "Dividing by 1 - beta2**t is the correction, applied to v_t to remove the bias; the raw v_t's "
                "expectation is the smaller E[g^2] * (1 - beta2**t).",
                lambda second_moment, beta2, t: second_moment / (1 - beta2**t)),
        Mistake("only the newest gradient's weight",
                "The factor 1 - beta2 is the weight of g_t^2 alone; all t gradients together have weight 1 - beta2**t.",
                lambda second_moment, beta2, t: second_moment * (1 - beta2)),
    ),
))


# --- 3. a bias-corrected moving average, as an update rule ----------------------------------------

HYPER = dict(beta=0.9)


def corrected_ema_reference(estimate, x, state, beta=0.9):
    """avg_t = beta * avg_{t-1} + (1 - beta) * x_t; returns avg_t / (1 - beta^t) and the raw avg_t.

    The correction is one number per step (optim.bias_correction(beta, t), t from 1),
    applied to the output only: the state keeps the raw average, so the next step
    builds on avg_t, not on the corrected estimate. ``estimate`` is not used.
    """
    t = state["t"] + 1
    avg = beta * state["avg"] + (1 - beta) * x
    return avg / optim.bias_correction(beta, t), {"t": t, "avg": avg}


def fresh_state(theta):
    return {"t": 0, "avg": np.zeros_like(theta)}


def warm_state(theta, rng):
    return {"t": int(rng.integers(200, 3000)), "avg": rng.normal(size=theta.shape).astype(theta.dtype)}


def no_correction(estimate, x, state, beta=0.9):
    avg = beta * state["avg"] + (1 - beta) * x
    return avg, {"t": state["t"] + 1, "avg": avg}


def corrected_average_stored(estimate, x, state, beta=0.9):
    t = state["t"] + 1
    avg_hat = (beta * state["avg"] + (1 - beta) * x) / (1 - beta**t)
    return avg_hat, {"t": t, "avg": avg_hat}  # the next step divides an already divided average


def built_on_the_estimate(estimate, x, state, beta=0.9):
    t = state["t"] + 1
    avg = beta * estimate + (1 - beta) * x  # the corrected estimate in place of the raw average
    return avg / (1 - beta**t), {"t": t, "avg": avg}


def t_from_zero(estimate, x, state, beta=0.9):
    t = state["t"]  # the old count: 1 - beta**0 = 0 on the first step
    avg = beta * state["avg"] + (1 - beta) * x
    return avg / (1 - beta**t), {"t": t + 1, "avg": avg}


def beta_swapped(estimate, x, state, beta=0.9):
    t = state["t"] + 1
    avg = (1 - beta) * state["avg"] + beta * x
    return avg / (1 - beta**t), {"t": t, "avg": avg}


def divided_by_one_minus_beta(estimate, x, state, beta=0.9):
    t = state["t"] + 1
    avg = beta * state["avg"] + (1 - beta) * x
    return avg / (1 - beta), {"t": t, "avg": avg}


def returns_the_change(estimate, x, state, beta=0.9):
    new_estimate, new_state = corrected_ema_reference(estimate, x, state, beta)
    return new_estimate - estimate, new_state


register(StepItem(
    name="corrected_ema_step",
    reference=corrected_ema_reference,
    cases=lambda rng, hidden=False: step_cases(rng, fresh_state, warm_state, HYPER,
                                 [dict(beta=0.5), dict(beta=0.99), dict(beta=0.999), dict(beta=0.0)],
                                 tiny_group="tiny samples (size 1e-9)"),
    state_keys=("t", "avg"),
    points=3,
    mistakes=(
        Mistake("forgot the bias correction",
                "The average starts at 0, so after t samples it is too small by the factor 1 - beta**t: "
                "return avg / (1 - beta**t).", no_correction),
        Mistake("stored the corrected average in the state (the correction compounds)",
                "The state must keep the raw average avg_t; only the returned estimate is divided by "
                "1 - beta**t. Storing avg_t / (1 - beta**t) makes the next step divide an already divided "
                "average: the estimate overshoots (about 5 times the mean at step 2 for beta = 0.9).",
                corrected_average_stored),
        Mistake("updated the corrected estimate instead of the raw average",
                "Build the new average from state['avg'], the raw one: avg = beta * state['avg'] + (1 - beta) * x. "
                "The estimate is an output, divided by 1 - beta**t; fed back in, the correction compounds.",
                built_on_the_estimate),
        Mistake("step counter off by one (t counted from 0)",
                "Increment t first, t = state['t'] + 1, and divide by 1 - beta**t with that t: on the first "
                "step t = 1, and 1 - beta**0 = 0 divides by zero.", t_from_zero),
        Mistake("beta and 1 - beta swapped",
                "The old average keeps weight beta and the new sample gets 1 - beta: "
                "avg = beta * avg + (1 - beta) * x.", beta_swapped),
        Mistake("divided by 1 - beta instead of 1 - beta^t",
                "The missing weight depends on the step: the weights of t samples sum to 1 - beta**t "
                "(1 - beta only at t = 1).", divided_by_one_minus_beta),
        Mistake("returned the change instead of the new estimate",
                "Return the corrected average itself, avg / (1 - beta**t), not its difference from the old estimate.",
                returns_the_change),
    ),
))


# --- 4. Adam's first step without the correction --------------------------------------------------


def uncorrected_first_step_reference(beta1, beta2):
    """|theta_1 - theta_0| / lr for Adam without bias correction (eps = 0): (1 - beta1) / sqrt(1 - beta2).

    Computed with course_lib.optim.AMSGradPaper, the paper's AMSGrad, which has no
    bias correction: at t = 1 its max(v_hat_0, v_1) is v_1, so its first step is
    uncorrected Adam's. m_1 = (1 - beta1) g and sqrt(v_1) = sqrt(1 - beta2) |g|.
    """
    opt = optim.AMSGradPaper(lr=1.0, betas=(beta1, beta2), eps=0.0)
    theta = np.zeros(1)
    theta_1, _ = opt.step(theta, np.array([0.37]), opt.init(theta))
    return float(abs(theta_1[0]))


def _first_step_cases(rng, hidden=False):
    # hidden: beta1 near the default 0.9 with the default beta2 (the pair itself would repeat the
    # worksheet's answer); beta2 drawn on a log scale of 1 - beta2 where the worksheet fixes it
    if hidden:
        default_beta1 = float(rng.uniform(0.85, 0.95))
        figure_beta2s = (1 - log_uniform(rng, 1e-3, 1e-2), 1 - log_uniform(rng, 1e-4, 1e-3))
        no_momentum_beta2s = (1 - log_uniform(rng, 3e-3, 3e-2), 1 - log_uniform(rng, 3e-4, 3e-3))
    else:
        default_beta1, figure_beta2s, no_momentum_beta2s = 0.9, (0.99, 0.9999), (0.99, 0.999)
    cases = [ValueCase("the defaults (0.9, 0.999)", dict(beta1=default_beta1, beta2=0.999))]
    cases += [ValueCase("the Adam paper's figure 4 (beta1 = 0.9)", dict(beta1=0.9, beta2=beta2))
              for beta2 in figure_beta2s]
    cases += [ValueCase("no momentum (beta1 = 0)", dict(beta1=0.0, beta2=beta2)) for beta2 in no_momentum_beta2s]
    cases += [ValueCase("other betas", dict(beta1=round(float(b1), 3), beta2=round(float(b2), 4)))
              for b1, b2 in zip(rng.uniform(0.5, 0.95, 3), rng.uniform(0.9, 0.9999, 3))]
    return cases


register(ValueItem(
    name="uncorrected_first_step",
    reference=uncorrected_first_step_reference,
    cases=_first_step_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("the corrected step",
                "With the correction, m_hat_1 = g and v_hat_1 = g**2, so Adam's first step is lr: that is the "
                "answer with correction. Without it, m_1 = (1 - beta1) * g and v_1 = (1 - beta2) * g**2.",
                lambda beta1, beta2: 1.0),
        Mistake("forgot the square root",
                "Adam divides by sqrt(v_1) = sqrt(1 - beta2) * |g|: the step is (1 - beta1) / sqrt(1 - beta2).",
                lambda beta1, beta2: (1 - beta1) / (1 - beta2)),
        Mistake("upside down",
                "The numerator comes from m_1 = (1 - beta1) * g and the denominator from sqrt(v_1): "
                "(1 - beta1) / sqrt(1 - beta2).",
                lambda beta1, beta2: math.sqrt(1 - beta2) / (1 - beta1)),
        Mistake("kept the correction on v (corrected only one moment)",
                "The corrected second moment is v_hat_1 = g**2; without any correction divide by "
                "sqrt(v_1) = sqrt(1 - beta2) * |g|.",
                lambda beta1, beta2: 1 - beta1),
        Mistake("kept the correction on m (corrected only one moment)",
                "The corrected first moment is m_hat_1 = g; without any correction the numerator is "
                "m_1 = (1 - beta1) * g.",
                lambda beta1, beta2: 1 / math.sqrt(1 - beta2)),
    ),
))
