"""Worksheet 09 (RAdam): radam_step, rho_t and the first rectified step.

The worksheet's contract::

    new_theta, new_state = radam_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    state = {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}   # before the first step

The reference is course_lib.optim.RAdam, which computes what torch.optim.RAdam
computes: momentum SGD with the bias-corrected m while rho_t <= 5, and from the
first step with rho_t > 5 (t = 6 for beta2 = 0.999) the rectified adaptive step
lr * r_t * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps).

Two legitimate variants pass and are named: the paper's threshold rho_t > 4
(Algorithm 2 of Liu et al., 2020; course_lib.optim.RAdamPaper), and epsilon
added to sqrt(v_hat) as in Adam. The cases run several steps from a fresh state
through t = 5 and t = 6, so that the step where the two thresholds disagree is
always seen.
"""

import math

import numpy as np

from .. import optim
from ._cases import step_cases
from ._core import Mistake, StepCase, StepItem, ValueCase, ValueItem, register, returning_the_update
from .ws05_adam import adam_moments, fresh_state, warm_state  # RAdam keeps Adam's {"t", "m", "v"} layout

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
RECTIFIED_LATER = "beta2 where the first rectified step comes later than t = 6, or never (rho_inf <= 5)"


def radam_reference(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """course_lib.optim.RAdam (torch's form, threshold rho_t > 5), in the worksheet's dict layout."""
    opt = optim.RAdam(lr=lr, betas=(beta1, beta2), eps=eps)
    new_theta, s = opt.step(theta, g, optim.RAdamState(state["t"], state["m"], state["v"]))
    return new_theta, {"t": s.t, "m": s.m, "v": s.v}




def _tiny_warm_state(theta, rng, t):
    """A state after t steps of gradients of size ~1e-9: sqrt(v) is then close to eps."""
    scale = 1e-9
    return {"t": t,
            "m": (scale * 0.3 * rng.normal(size=theta.shape)).astype(theta.dtype),
            "v": (scale**2 * (1 - 0.999**t) * (0.5 + rng.random(size=theta.shape))).astype(theta.dtype)}


def _radam_cases(rng, hidden=False):
    cases = step_cases(rng, fresh_state, warm_state, HYPER,
                       [dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6),
                        dict(lr=0.01, beta1=0.0, beta2=0.99, eps=1e-8),
                        dict(lr=0.1, beta1=0.95, beta2=0.9999, eps=1e-3)],
                       tiny_group="tiny gradients in the first steps")
    # steps 1 to 8 from a fresh state: the switch to the rectified step happens inside
    threshold_hypers = [HYPER, HYPER, dict(HYPER, lr=0.01), dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6),
                        dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8)]
    for hyper in threshold_hypers:
        theta = rng.normal(size=5)
        grads = tuple(rng.normal(size=5) for _ in range(8))
        cases.append(StepCase("around the threshold (steps 1 to 8 from a fresh state)", theta, grads,
                              fresh_state(theta), dict(hyper)))
    # rectified steps with tiny gradients: where the placement of eps shows
    for t in (6, 15, 40):
        theta = rng.normal(size=5)
        grads = tuple(1e-9 * rng.normal(size=5) for _ in range(3))
        cases.append(StepCase("tiny gradients after the threshold (where epsilon matters)", theta, grads,
                              _tiny_warm_state(theta, rng, t), dict(HYPER)))
    # beta2 at which the first rectified step is not t = 6 (7, 10, 12: the test is rho_t > 5, not t > 5), or
    # never comes (rho_inf <= 5; above 4 the paper's threshold would rectify), from a fresh state through two
    # steps past it, in float64 and float32; hidden: other beta2 with their first rectified step in the same
    # ranges, clear of the threshold so that another correct formula for rho_t cannot round across it
    if hidden:
        draws = [(0.78, 0.83), (0.70, 0.72), (0.675, 0.69), (0.3, 0.6), (0.6, 0.664)]
        beta2s = []
        for low, high in draws:
            beta2 = float(rng.uniform(low, high))
            while high > 0.667 and not _clear_of_the_threshold(beta2, 5.0):
                beta2 = float(rng.uniform(low, high))
            beta2s.append(beta2)
    else:
        beta2s = [0.8, 0.7, 0.68, 0.5, 0.66]
    for dtype in (np.float64, np.float32):
        for beta2 in beta2s:
            steps = first_rectified_step_reference(beta2, 5.0) + 2 if optim.rho_inf(beta2) > 5 else 12
            theta = rng.normal(size=5).astype(dtype)
            grads = tuple(rng.normal(size=5).astype(dtype) for _ in range(steps))
            hyper = dict(lr=float(rng.choice([1e-3, 0.01, 0.05])), beta1=0.9, beta2=beta2, eps=1e-8)
            cases.append(StepCase(RECTIFIED_LATER, theta, grads, fresh_state(theta), hyper))
    return cases


# --- the mistakes, each a whole wrong radam_step --------------------------------------

def _rho(beta2, t):
    """rho_t as a student computes it with NumPy: NaN (not an error) at t = 0."""
    beta2_t = np.float64(beta2) ** t
    with np.errstate(all="ignore"):
        return float(2 / (1 - beta2) - 1 - 2 * t * beta2_t / (1 - beta2_t))


def _r(beta2, rho):
    rho_inf = 2 / (1 - beta2) - 1
    with np.errstate(all="ignore"):
        return float(np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)))


def _radam(theta, g, state, lr, beta1, beta2, eps, *, threshold=5.0, t_for_rho=0, sgd_step=None,
           adaptive=None, rectify_always=False, use_r=True, swapped=False):
    """The reference written out, with one knob per mistake (all off: torch's RAdam)."""
    t = state["t"] + 1
    if swapped:
        m = (1 - beta1) * state["m"] + beta1 * g
        v = (1 - beta2) * state["v"] + beta2 * g * g
    else:
        m, v = adam_moments(g, state, beta1, beta2)
    m_hat = m / (1 - beta1**t)
    rho = _rho(beta2, t + t_for_rho)
    if rho > threshold or rectify_always:
        if adaptive is None:
            l_t = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
        else:
            l_t = adaptive(v, t, beta2, eps)
        r_t = _r(beta2, rho) if use_r else 1.0
        new_theta = theta - lr * r_t * m_hat * l_t
    elif sgd_step is None:
        new_theta = theta - lr * m_hat
    else:
        new_theta = sgd_step(theta, m, m_hat, v, t, lr, beta2, eps)
    return new_theta, {"t": t, "m": m, "v": v}


def paper_threshold(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, threshold=4.0)


def eps_on_sqrt_v_hat(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps,
                  adaptive=lambda v, t, beta2, eps: 1 / (np.sqrt(v / (1 - beta2**t)) + eps))


def paper_threshold_and_eps_on_sqrt_v_hat(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, threshold=4.0,
                  adaptive=lambda v, t, beta2, eps: 1 / (np.sqrt(v / (1 - beta2**t)) + eps))


def rho_off_by_one(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, t_for_rho=-1)


def t_from_zero(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]  # the old count everywhere: 1 - beta1**0 = 0 at the first step
    m, v = adam_moments(g, state, beta1, beta2)
    with np.errstate(all="ignore"):
        m_hat = m / (1 - np.float64(beta1) ** t)
        rho = _rho(beta2, t)
        if rho > 5:
            l_t = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
            new_theta = theta - lr * _r(beta2, rho) * m_hat * l_t
        else:
            new_theta = theta - lr * m_hat
    return new_theta.astype(theta.dtype), {"t": t + 1, "m": m, "v": v}


def zero_step_before_threshold(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps,
                  sgd_step=lambda theta, m, m_hat, v, t, lr, beta2, eps: theta.copy())


def no_m_correction_before_threshold(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps,
                  sgd_step=lambda theta, m, m_hat, v, t, lr, beta2, eps: theta - lr * m)


def adam_step_before_threshold(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    def adam(theta, m, m_hat, v, t, lr, beta2, eps):
        return theta - lr * m_hat / (np.sqrt(v / (1 - beta2**t)) + eps)
    return _radam(theta, g, state, lr, beta1, beta2, eps, sgd_step=adam)


def rectified_every_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, rectify_always=True)


def no_adaptive_lr(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, adaptive=lambda v, t, beta2, eps: 1.0)


def no_rectification(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, use_r=False)


def v_corrected_twice(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps,
                  adaptive=lambda v, t, beta2, eps: math.sqrt(1 - beta2**t) / (np.sqrt(v / (1 - beta2**t)) + eps))


def v_not_corrected(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps,
                  adaptive=lambda v, t, beta2, eps: 1 / (np.sqrt(v) + eps))


def eps_inside_sqrt(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps,
                  adaptive=lambda v, t, beta2, eps: math.sqrt(1 - beta2**t) / np.sqrt(v + eps))


def beta_swapped(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, swapped=True)


def _no_eps(v, t, beta2, eps):
    return math.sqrt(1 - beta2**t) / np.sqrt(v)  # 1 / 0 = inf where v is 0, and m_hat * inf = NaN


def no_eps(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _radam(theta, g, state, lr, beta1, beta2, eps, adaptive=_no_eps)


def paper_threshold_and_no_eps(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Algorithm 2 of the paper as written: threshold rho_t > 4 and no eps."""
    return _radam(theta, g, state, lr, beta1, beta2, eps, threshold=4.0, adaptive=_no_eps)


returns_the_update = returning_the_update(radam_reference)




# --- rho_t ---------------------------------------------------------------------------------

def rho_t_value_reference(beta2, t):
    """rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t), rho_inf = 2 / (1 - beta2) - 1."""
    return optim.rho_t(beta2, t)


def _rho_cases(rng, hidden=False):
    # hidden: four other early steps (not t = 1, where the mistake "t counted from 0" raises instead of
    # being named, as it does in the worksheet's cases), and other beta2 near each of the worksheet's four
    if hidden:
        first_ts = sorted(int(t) for t in rng.choice([4, 7, 8, 9, 10, 11], 4, replace=False))
        betas = (float(rng.uniform(0.85, 0.95)), float(rng.uniform(0.98, 0.995)), float(rng.uniform(0.9995, 0.99995)),
                 float(rng.uniform(0.3, 0.7)))
    else:
        first_ts, betas = (2, 3, 5, 6), (0.9, 0.99, 0.9999, 0.5)
    cases = [ValueCase("the first steps (beta2 = 0.999)", dict(beta2=0.999, t=t)) for t in first_ts]
    cases += [ValueCase("late steps (large t)", dict(beta2=0.999, t=int(t))) for t in rng.integers(100, 8000, 3)]
    cases += [ValueCase("other values of beta2", dict(beta2=beta2, t=int(t)))
              for beta2, t in zip(betas, rng.integers(2, 60, 4))]
    return cases


def _rho_inf(beta2):
    return 2 / (1 - beta2) - 1


register(ValueItem(
    name="rho_t_value",
    reference=rho_t_value_reference,
    cases=_rho_cases,
    points=1,
    rtol=1e-6,
    mistakes=(
        Mistake("t counted from 0 (rho_t at step t - 1)",
                "Here t is the number of the step being taken, counted from 1: rho_1 = 1 (one gradient), "
                "rho_2 is about 2. Use t itself, not t - 1.",
                lambda beta2, t: optim.rho_t(beta2, t - 1)),
        Mistake("missing the factor 2",
                "By definition rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t): the 2 comes from matching the average age "
                "of the gradients in v, (rho_t - 1) / 2, with that of the exponential average.",
                lambda beta2, t: _rho_inf(beta2) - t * beta2**t / (1 - beta2**t)),
        Mistake("rho_inf without the - 1",
                "The limit rho_inf = 2 / (1 - beta2) - 1 = (1 + beta2) / (1 - beta2); without the - 1 every rho_t is "
                "one too large (and rho_1 would be 2, not 1).",
                lambda beta2, t: 2 / (1 - beta2) - 2 * t * beta2**t / (1 - beta2**t)),
        Mistake("beta2**t missing from the numerator",
                "the term subtracted is 2 t beta2**t / (1 - beta2**t), not 2 t / (1 - beta2**t).",
                lambda beta2, t: _rho_inf(beta2) - 2 * t / (1 - beta2**t)),
        Mistake("forgot the denominator 1 - beta2**t",
                "the term subtracted is 2 t beta2**t / (1 - beta2**t): the division by 1 - beta2**t "
                "is what makes rho_1 = 1.",
                lambda beta2, t: _rho_inf(beta2) - 2 * t * beta2**t),
    ),
))


# --- the first rectified step -------------------------------------------------------------------

def first_rectified_step_reference(beta2, threshold):
    """The smallest t >= 1 with rho_t > threshold (rho_t grows with t towards rho_inf > threshold)."""
    t = 1
    while optim.rho_t(beta2, t) <= threshold:
        t += 1
    return t


def _clear_of_the_threshold(beta2, threshold):
    """True when no rho_t is within 1e-6 (relative) of the threshold at the step that crosses it or the
    one before: there, rounding in another correct formula for rho_t cannot change the answer."""
    t = first_rectified_step_reference(beta2, threshold)
    return all(abs(optim.rho_t(beta2, s) - threshold) > 1e-6 * threshold for s in (t - 1, t) if s >= 1)


def _first_step_cases(rng, hidden=False):
    if not hidden:
        return [ValueCase("torch's threshold, beta2 = 0.999", dict(beta2=0.999, threshold=5.0)),
                ValueCase("the paper's threshold, beta2 = 0.999", dict(beta2=0.999, threshold=4.0)),
                ValueCase("both thresholds, other beta2", dict(beta2=0.9, threshold=5.0)),
                ValueCase("both thresholds, other beta2", dict(beta2=0.99, threshold=4.0)),
                ValueCase("larger thresholds", dict(beta2=0.99, threshold=50.0)),
                ValueCase("larger thresholds", dict(beta2=0.95, threshold=10.0)),
                ValueCase("larger thresholds", dict(beta2=0.9999, threshold=1000.0))]

    def case(group, draw_beta2, draw_threshold):
        """A (beta2, threshold) from the draws, drawn again until it is clear of the threshold."""
        while True:
            beta2 = draw_beta2()
            threshold = draw_threshold(beta2)
            if _clear_of_the_threshold(beta2, threshold):
                return ValueCase(group, dict(beta2=beta2, threshold=threshold))

    def near(low, high):
        return lambda: float(rng.uniform(low, high))

    def share_of_rho_inf(low, high):
        """A threshold that is that share of rho_inf (the worksheet's are about 1/4 and 1/20), in whole numbers."""
        return lambda beta2: float(round(rng.uniform(low, high) * (2 / (1 - beta2) - 1)))

    # beta2 near 0.999 with torch's and the paper's thresholds (the answers stay 6 and 5: the point is the
    # threshold); other beta2 where the answers are those of the worksheet's 0.9 and 0.99 (6 for torch's
    # threshold from beta2 = 0.84 up, 5 for the paper's from 0.78 up), so that the group's mistakes are the
    # same; larger thresholds with beta2 near the worksheet's 0.99, 0.95 and 0.9999
    return [case("torch's threshold, beta2 = 0.999", near(0.995, 0.9995), lambda beta2: 5.0),
            case("the paper's threshold, beta2 = 0.999", near(0.995, 0.9995), lambda beta2: 4.0),
            case("both thresholds, other beta2", near(0.85, 0.97), lambda beta2: 5.0),
            case("both thresholds, other beta2", near(0.8, 0.995), lambda beta2: 4.0),
            case("larger thresholds", near(0.98, 0.995), share_of_rho_inf(0.15, 0.4)),
            case("larger thresholds", near(0.93, 0.97), share_of_rho_inf(0.15, 0.4)),
            case("larger thresholds", near(0.9998, 0.99995), share_of_rho_inf(0.03, 0.1))]


register(ValueItem(
    name="first_rectified_step",
    reference=first_rectified_step_reference,
    cases=_first_step_cases,
    points=1,
    rtol=1e-9,
    mistakes=(
        Mistake("off by one step: the last step before the threshold",
                "return the first t whose rho_t is above the threshold (t counted from 1), not the step "
                "before it: for beta2 = 0.999 and torch's threshold 5 that is t = 6 (rho_6 = 5.99, rho_5 = 4.996).",
                lambda beta2, threshold: first_rectified_step_reference(beta2, threshold) - 1),
        Mistake("one step late (rho_t evaluated at t - 1)",
                "compare rho_t of step t itself with the threshold; with rho at t - 1 every answer is one "
                "step late.",
                lambda beta2, threshold: first_rectified_step_reference(beta2, threshold) + 1),
        Mistake("assumed rho_t = t",
                "The length rho_t is close to t only for the first few steps; later it falls behind (rho_t < t), so "
                "the first t above a larger threshold comes later than threshold + 1. Compute rho_t.",
                lambda beta2, threshold: math.floor(threshold) + 1),
    ),
))


# Registered last: the worksheet asks for rho_t and the first rectified step before the update rule.
register(StepItem(
    name="radam_step",
    reference=radam_reference,
    cases=_radam_cases,
    state_keys=("t", "m", "v"),
    points=5,
    mistakes=(
        Mistake("the paper's threshold rho_t > 4",
                "you rectify from the first step with rho_t > 4, as Algorithm 2 of the paper does "
                "(course_lib.optim.RAdamPaper): that is RAdam too. This worksheet follows torch.optim.RAdam, "
                "which waits for rho_t > 5; the two differ only at the one step where 4 < rho_t <= 5 "
                "(t = 5 for beta2 = 0.999).", paper_threshold, accepted=True),
        Mistake("epsilon added to sqrt(v_hat), as in Adam",
                "you divide by sqrt(v_hat) + eps; torch.optim.RAdam (the reference here) adds eps to sqrt(v_t) "
                "and then multiplies by sqrt(1 - beta2**t): l_t = sqrt(1 - beta2**t) / (sqrt(v_t) + eps). "
                "The paper has no eps at all; the two placements differ only when sqrt(v) is close to eps.",
                eps_on_sqrt_v_hat, accepted=True),
        Mistake("the paper's threshold rho_t > 4 and epsilon added to sqrt(v_hat)",
                "both legitimate variants at once: the paper's Algorithm 2 threshold (rho_t > 4 instead of "
                "torch's rho_t > 5) and Adam's placement of eps (sqrt(v_hat) + eps instead of torch's "
                "sqrt(1 - beta2**t) / (sqrt(v_t) + eps)). This worksheet follows torch.optim.RAdam.",
                paper_threshold_and_eps_on_sqrt_v_hat, accepted=True),
        Mistake("rho_t computed with t - 1 (off by one step)",
                "Compute rho_t with this step's t = state['t'] + 1, the same t as the bias corrections. "
                "With t - 1 the rectification starts one step late (t = 7 instead of 6 for beta2 = 0.999) "
                "and every r_t is a step behind.", rho_off_by_one),
        Mistake("step counter off by one (t counted from 0)",
                "increment t first, t = state['t'] + 1, and use that t everywhere: with t = 0 the first "
                "step divides m by 1 - beta1**0 = 0.", t_from_zero),
        Mistake("zero step before the threshold",
                "while rho_t <= 5 RAdam does not stand still: it takes a momentum-SGD step with the "
                "bias-corrected first moment, theta - lr * m_hat (only the adaptive lr is switched off).",
                zero_step_before_threshold),
        Mistake("no bias correction of m before the threshold",
                "the momentum-SGD step before the threshold uses m_hat = m / (1 - beta1**t), not the raw m: "
                "at t = 1 the raw m is only (1 - beta1) g, ten times too small for beta1 = 0.9.",
                no_m_correction_before_threshold),
        Mistake("Adam's step before the threshold",
                "before the threshold RAdam switches the adaptive lr off: the step is lr * m_hat, "
                "not Adam's lr * m_hat / (sqrt(v_hat) + eps). Too few squared gradients are in v for "
                "1 / sqrt(v_hat) to be trusted; that is the point of RAdam.", adam_step_before_threshold),
        Mistake("rectification applied before the threshold holds",
                "The rectification r_t is only defined when rho_t > 4: for t = 3 and 4 (beta2 = 0.999) the product "
                "(rho_t - 4)(rho_t - 2) is negative and its square root is NaN. Check rho_t > 5 first and "
                "take the momentum-SGD step lr * m_hat otherwise.", rectified_every_step),
        Mistake("rectification applied without the adaptive lr",
                "after the threshold the step is lr * r_t * m_hat * l_t with the adaptive lr "
                "l_t = sqrt(1 - beta2**t) / (sqrt(v_t) + eps); you left l_t out.", no_adaptive_lr),
        Mistake("forgot the rectification term r_t",
                "after the threshold the adaptive step is multiplied by r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf "
                "/ ((rho_inf - 4)(rho_inf - 2) rho_t)), which is far below 1 early on; without it this is Adam.",
                no_rectification),
        Mistake("v's bias correction applied twice",
                "The factor sqrt(1 - beta2**t) / sqrt(v_t) already is 1 / sqrt(v_hat_t): multiply by sqrt(1 - beta2**t) "
                "with the raw v_t, or divide by sqrt(v_hat_t), not both.", v_corrected_twice),
        Mistake("forgot v's bias correction in the adaptive lr",
                "the adaptive lr is sqrt(1 - beta2**t) / (sqrt(v_t) + eps): without the factor sqrt(1 - beta2**t) "
                "the early rectified steps are too long by 1 / sqrt(1 - beta2**t) (about 13 at t = 6).",
                v_not_corrected),
        Mistake("epsilon inside the square root",
                "you divide by sqrt(v_t + eps); torch divides by sqrt(v_t) + eps. It shows when gradients "
                "are tiny, where sqrt(v_t) is close to eps.", eps_inside_sqrt),
        Mistake("left out epsilon",
                "you divide by sqrt(v_t) with no eps, as the paper's Algorithm 2 writes l_t = "
                "sqrt((1 - beta2**t) / v_t); torch.optim.RAdam, the reference here, adds it: "
                "l_t = sqrt(1 - beta2**t) / (sqrt(v_t) + eps). Without eps a coordinate whose gradients have "
                "all been 0 divides 0 by 0 (NaN), and tiny gradients take steps far too long.",
                no_eps, on_variants=(("the paper's threshold rho_t > 4", paper_threshold_and_no_eps),)),
        Mistake("beta and 1 - beta swapped in the moving averages",
                "the old average keeps weight beta: m = beta1 * m + (1 - beta1) * g, likewise for v.",
                beta_swapped),
        Mistake("returned the update instead of the new parameter",
                "return theta minus the step (the new parameter), not the step itself.", returns_the_update),
    ),
))
