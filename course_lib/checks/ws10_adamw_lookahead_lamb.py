"""Worksheet 10 (AdamW, NAdam, Lookahead and LAMB): adamw_step, lookahead_step and trust_ratio.

The worksheet's contracts::

    new_theta, new_state = adamw_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                                      weight_decay=1e-2)
    state = {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}   # before the first step

    new_theta, new_state = lookahead_step(theta, g, state, lr=0.1, k=5, slow_lr=0.5)   # inner optimizer: SGD
    state = {"t": 0, "slow": theta.copy()}                                           # before the first step

    ratio = trust_ratio(weight_norm, update_norm)

The references are course_lib.optim.AdamW, course_lib.optim.Lookahead(course_lib.optim.SGD(lr), k, slow_lr)
and course_lib.optim.trust_ratio.
"""

import numpy as np

from .. import optim
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update
from .ws05_adam import fresh_state as adam_fresh_state, warm_state as adam_warm_state  # AdamW keeps Adam's layout

# --- 1. adamw_step -------------------------------------------------------------------------

ADAMW_HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2)


def adamw_reference(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """course_lib.optim.AdamW, in the worksheet's dict layout."""
    opt = optim.AdamW(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    new_theta, s = opt.step(theta, g, optim.AdamState(state["t"], state["m"], state["v"], None))
    return new_theta, {"t": s.t, "m": s.m, "v": s.v}


def _adam_direction(g, state, beta1, beta2, eps):
    """t, m, v and the bias-corrected m_hat / (sqrt(v_hat) + eps) of this step."""
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return t, m, v, m_hat / (np.sqrt(v_hat) + eps)


def adam_with_l2(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    g = g + weight_decay * theta  # the penalty's gradient then goes through m, v and sqrt(v_hat)
    t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
    return theta - lr * direction, {"t": t, "m": m, "v": v}


def decay_without_lr(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
    return theta * (1 - weight_decay) - lr * direction, {"t": t, "m": m, "v": v}


def decay_after_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
    return (theta - lr * direction) * (1 - lr * weight_decay), {"t": t, "m": m, "v": v}


def adamw_no_bias_correction(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    return theta * (1 - lr * weight_decay) - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


adamw_returns_the_update = returning_the_update(adamw_reference)


register(StepItem(
    name="adamw_step",
    reference=adamw_reference,
    cases=lambda rng, hidden=False: step_cases(rng, adam_fresh_state, adam_warm_state, ADAMW_HYPER,
                                 [dict(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6, weight_decay=0.1),
                                  dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.5),
                                  dict(lr=0.01, beta1=0.0, beta2=0.99, eps=1e-8, weight_decay=0.0)],
                                 tiny_group="tiny gradients (where epsilon and the decay dominate)"),
    state_keys=("t", "m", "v"),
    points=4,
    mistakes=(
        Mistake("weight decay added to the gradient (that is Adam with L2, not AdamW)",
                "The gradient g + weight_decay * theta goes through m and v and is divided by sqrt(v_hat), so weights with "
                "large gradients are barely decayed: that is optim.Adam(weight_decay=...). AdamW leaves the "
                "gradient alone and shrinks the weights directly: theta = theta * (1 - lr * weight_decay), "
                "then Adam's step with the plain gradient.", adam_with_l2),
        Mistake("decay not multiplied by lr (theta *= 1 - weight_decay)",
                "PyTorch's AdamW, and this worksheet, shrink by 1 - lr * weight_decay: with lr = 1e-3 and "
                "weight_decay = 1e-2 that is 1e-5 per step, not 1e-2. (Loshchilov and Hutter scale the decay by "
                "the schedule multiplier eta_t instead of the learning rate; torch folds it into lr.)", decay_without_lr),
        Mistake("decay applied after the Adam step (to the updated theta)",
                "decay the weights as they were before this step: theta * (1 - lr * weight_decay) - lr * m_hat / "
                "(sqrt(v_hat) + eps). Shrinking the updated theta also shrinks the step, by lr * weight_decay times "
                "the step: about 1e-8 at the defaults (so the numbers below may look equal), but 5e-3 with "
                "lr = 0.1 and weight_decay = 0.5.", decay_after_step),
        Mistake("forgot the bias correction",
                "The moments m and v start at 0, so early on they are too small by 1 - beta^t: divide m by "
                "(1 - beta1**t) and v by (1 - beta2**t) before the step.", adamw_no_bias_correction),
        Mistake("returned the update instead of the new parameter",
                "return theta * (1 - lr * weight_decay) - lr * m_hat / (sqrt(v_hat) + eps), "
                "not the change in theta.", adamw_returns_the_update),
    ),
))


# --- 2. lookahead_step -------------------------------------------------------------------------

LOOKAHEAD_HYPER = dict(lr=0.1, k=5, slow_lr=0.5)


def lookahead_reference(theta, g, state, lr=0.1, k=5, slow_lr=0.5):
    """course_lib.optim.Lookahead(course_lib.optim.SGD(lr=lr), k, slow_lr), in the worksheet's dict layout."""
    opt = optim.Lookahead(optim.SGD(lr=lr), k=k, slow_lr=slow_lr)
    inner = optim.SGDState(state["t"], np.zeros_like(theta))  # plain SGD: its momentum buffer stays unused
    new_theta, s = opt.step(theta, g, optim.LookaheadState(state["t"], inner, state["slow"]))
    return new_theta, {"t": s.t, "slow": s.slow}


def lookahead_fresh_state(theta):
    return {"t": 0, "slow": theta.copy()}


def lookahead_warm_state(theta, rng):
    # t = 5 j + 3: of the case's two steps, the second synchronises (with the default k = 5)
    return {"t": 5 * int(rng.integers(20, 600)) + 3,
            "slow": (theta + 0.5 * rng.normal(size=theta.shape)).astype(theta.dtype)}


def _lookahead_variant(sync_now, pull, reset=True, sync_before_step=False):
    """Lookahead with SGD inside, built from its pieces; the mistakes swap one piece."""
    def step(theta, g, state, lr=0.1, k=5, slow_lr=0.5):
        t = state["t"] + 1
        slow, fast = state["slow"], theta
        if sync_before_step and sync_now(t, state["t"], k):
            slow = pull(slow, fast, slow_lr)
            fast = slow
        fast = fast - lr * g
        if not sync_before_step and sync_now(t, state["t"], k):
            slow = pull(slow, fast, slow_lr)
            if reset:
                fast = slow
        return fast, {"t": t, "slow": slow}
    return step


def _every_k(t, old_t, k):
    return t % k == 0


def _pull(slow, fast, slow_lr):
    return slow + slow_lr * (fast - slow)


lookahead_every_step = _lookahead_variant(lambda t, old_t, k: True, _pull)
lookahead_t_from_zero = _lookahead_variant(lambda t, old_t, k: old_t % k == 0, _pull)
lookahead_slow_lr_swapped = _lookahead_variant(_every_k, lambda slow, fast, slow_lr: fast + slow_lr * (slow - fast))
lookahead_no_reset = _lookahead_variant(_every_k, _pull, reset=False)
lookahead_sync_before = _lookahead_variant(_every_k, _pull, sync_before_step=True)


lookahead_returns_the_update = returning_the_update(lookahead_reference)


register(StepItem(
    name="lookahead_step",
    reference=lookahead_reference,
    cases=lambda rng, hidden=False: step_cases(rng, lookahead_fresh_state, lookahead_warm_state, LOOKAHEAD_HYPER,
                                 [dict(lr=0.05, k=3, slow_lr=0.8),
                                  dict(lr=0.5, k=2, slow_lr=0.2),
                                  dict(lr=0.01, k=1, slow_lr=0.5)],
                                 tiny_group="tiny gradients"),
    state_keys=("t", "slow"),
    points=3,
    mistakes=(
        Mistake("synchronised on every step (k ignored)",
                "the slow weights move only after every k-th fast step: if t % k == 0, with t = state['t'] + 1.",
                lookahead_every_step),
        Mistake("step counter off by one (synchronised when t - 1 is a multiple of k)",
                "count this step first, t = state['t'] + 1, then synchronise when t % k == 0: the first "
                "synchronisation comes after k fast steps, not after the first one.", lookahead_t_from_zero),
        Mistake("slow_lr and 1 - slow_lr swapped",
                "the slow weights move a fraction slow_lr of the way toward the fast ones: slow + slow_lr * "
                "(fast - slow). (With slow_lr = 0.5 both forms agree, which is why only other values fail.)",
                lookahead_slow_lr_swapped),
        Mistake("fast weights not reset to the slow weights",
                "after the slow step the fast weights restart from the new slow weights: return the new slow "
                "weights as new_theta on a synchronising step.", lookahead_no_reset),
        Mistake("synchronised before the fast step",
                "on a synchronising step, take the SGD step first (the k-th fast step), then pull the slow "
                "weights toward the result and restart the fast weights there.", lookahead_sync_before),
        Mistake("returned the update instead of the new parameter",
                "return the new fast weights (the new slow weights on a synchronising step), not their change.",
                lookahead_returns_the_update),
    ),
))


# --- 3. trust_ratio ---------------------------------------------------------------------------------

def trust_ratio_reference(weight_norm, update_norm):
    """course_lib.optim.trust_ratio on one-element arrays whose norms are weight_norm and update_norm."""
    return optim.trust_ratio(np.array([weight_norm]), np.array([update_norm]))


FAR_FROM_ONE = "ratios far from 1 (above 10, below 0.01)"


def _trust_ratio_cases(rng, hidden=False):
    cases = [ValueCase("typical layers", dict(weight_norm=float(w), update_norm=float(u)))
             for w, u in zip(rng.uniform(1.0, 20.0, 3), rng.uniform(0.05, 3.0, 3))]
    zero_layer_norm = float(rng.uniform(0.1, 1.0)) if hidden else 0.5   # hidden: another norm beside the 0
    cases += [ValueCase("a zero layer (weight_norm = 0, e.g. biases at initialization)",
                        dict(weight_norm=0.0, update_norm=float(u))) for u in (zero_layer_norm, rng.uniform(1.0, 10.0))]
    zero_update_norm = float(rng.uniform(0.5, 5.0)) if hidden else 2.0
    cases += [ValueCase("a zero update (update_norm = 0)", dict(weight_norm=float(w), update_norm=0.0))
              for w in (zero_update_norm, rng.uniform(0.1, 10.0))]
    # (0, 0) is the only input of its kind: the hidden case repeats it (single_input_groups below)
    cases += [ValueCase("both norms zero", dict(weight_norm=0.0, update_norm=0.0))]
    # ratios far from 1, where an answer that clips (the ratio at 10, the weight norm at 10 as LAMB's phi
    # may, the ratio from below) is wrong: above 10 from a layer of norm above 10 and from one below it,
    # and below 0.01
    cases += [ValueCase(FAR_FROM_ONE, dict(weight_norm=log_uniform(rng, *w), update_norm=log_uniform(rng, *u)))
              for w, u in (((20.0, 500.0), (0.01, 1.0)), ((2.0, 9.0), (1e-3, 0.1)), ((1e-3, 1e-2), (1.0, 10.0)))]
    return cases


def _guarded(ratio, when_zero):
    def trust(weight_norm, update_norm):
        if weight_norm == 0 or update_norm == 0:
            return when_zero(weight_norm, update_norm)
        return ratio(weight_norm, update_norm)
    return trust


register(ValueItem(
    name="trust_ratio",
    reference=trust_ratio_reference,
    cases=_trust_ratio_cases,
    single_input_groups=("both norms zero",),
    points=1,
    rtol=1e-9,
    mistakes=(
        Mistake("the ratio upside down (update_norm / weight_norm)",
                "LAMB scales the step so that it is proportional to the layer's size: ||theta|| / ||update||.",
                _guarded(lambda w, u: u / w, lambda w, u: 1.0)),
        Mistake("a zero layer gets ratio 0",
                "with weight_norm = 0 the ratio must be 1, not 0 / update_norm = 0: layers that start at zero "
                "(biases) would otherwise never move under LAMB. The rule: 1 when either norm is 0.",
                lambda weight_norm, update_norm: weight_norm / update_norm if update_norm != 0 else 1.0),
        Mistake("the zero-norm rule returns 0 instead of 1",
                "when either norm is 0 the ratio is 1, so that the layer takes a plain step: a ratio of 0 "
                "would freeze it for good (a zero layer stays zero).",
                _guarded(lambda w, u: w / u, lambda w, u: 0.0)),
    ),
))
