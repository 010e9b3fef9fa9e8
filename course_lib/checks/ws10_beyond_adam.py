"""Worksheet 10 (beyond Adam): adamw_step, warmup_cosine, lookahead_step and trust_ratio.

The worksheet's contracts::

    new_param, new_state = adamw_step(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                                      weight_decay=1e-2)
    state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}   # before the first step

    new_param, new_state = lookahead_step(param, grad, state, lr=0.1, k=5, alpha=0.5)   # inner optimizer: SGD
    state = {"t": 0, "slow": param.copy()}                                           # before the first step

    lr = warmup_cosine(n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0)
    ratio = trust_ratio(weight_norm, update_norm)

The references are course_lib.optim.AdamW, course_lib.optim.Lookahead(course_lib.optim.SGD(lr)),
course_lib.schedules.WarmupCosineLR and course_lib.optim.trust_ratio.
"""

import math

import numpy as np

from .. import optim, schedules
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update
from .ws05_adam import fresh_state as adam_fresh_state, warm_state as adam_warm_state  # AdamW keeps Adam's layout

# --- 1. adamw_step -------------------------------------------------------------------------

ADAMW_HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2)


def adamw_reference(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """course_lib.optim.AdamW, in the worksheet's dict layout."""
    opt = optim.AdamW(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    new_param, s = opt.step(param, grad, optim.AdamState(state["t"], state["m"], state["v"], None))
    return new_param, {"t": s.t, "m": s.m, "v": s.v}


def _adam_direction(grad, state, beta1, beta2, eps):
    """t, m, v and the bias-corrected m_hat / (sqrt(v_hat) + eps) of this step."""
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return t, m, v, m_hat / (np.sqrt(v_hat) + eps)


def adam_with_l2(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    grad = grad + weight_decay * param  # the penalty's gradient then goes through m, v and sqrt(v_hat)
    t, m, v, direction = _adam_direction(grad, state, beta1, beta2, eps)
    return param - lr * direction, {"t": t, "m": m, "v": v}


def decay_without_lr(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t, m, v, direction = _adam_direction(grad, state, beta1, beta2, eps)
    return param * (1 - weight_decay) - lr * direction, {"t": t, "m": m, "v": v}


def decay_after_step(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t, m, v, direction = _adam_direction(grad, state, beta1, beta2, eps)
    return (param - lr * direction) * (1 - lr * weight_decay), {"t": t, "m": m, "v": v}


def adamw_no_bias_correction(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad * grad
    return param * (1 - lr * weight_decay) - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


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
                "the schedule multiplier eta_t instead of alpha; torch folds it into lr.)", decay_without_lr),
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


# --- 2. warmup_cosine --------------------------------------------------------------------------

def warmup_cosine_reference(n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
    """course_lib.schedules.WarmupCosineLR: torch's SequentialLR of LinearLR and CosineAnnealingLR."""
    return schedules.WarmupCosineLR(base_lr, warmup_steps, total_steps, start_factor, eta_min)(n)


def _linear_warmup(n, base_lr, warmup_steps, start_factor, progress):
    return base_lr * (start_factor + (1 - start_factor) * progress)


def _cosine(base_lr, eta_min, fraction):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * fraction)) / 2


def _warmup_then(cosine_lr):
    """A schedule with the right warmup and the given (wrong) cosine part."""
    def schedule(n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
        if n < warmup_steps:
            return _linear_warmup(n, base_lr, warmup_steps, start_factor, n / warmup_steps)
        return cosine_lr(n, base_lr, warmup_steps, total_steps, eta_min)
    return schedule


def _right_cosine(n, base_lr, warmup_steps, total_steps, eta_min):
    return _cosine(base_lr, eta_min, (n - warmup_steps) / (total_steps - warmup_steps))


def _cosine_after(warmup_progress):
    """A schedule with the right cosine and the given (wrong) warmup progress."""
    def schedule(n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
        if n < warmup_steps:
            return _linear_warmup(n, base_lr, warmup_steps, start_factor, warmup_progress(n, warmup_steps))
        return _right_cosine(n, base_lr, warmup_steps, total_steps, eta_min)
    return schedule


def warmup_from_zero(n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
    if n < warmup_steps:
        return base_lr * n / warmup_steps
    return _right_cosine(n, base_lr, warmup_steps, total_steps, eta_min)


warmup_counted_from_one = _cosine_after(lambda n, w: (n + 1) / w)
warmup_over_one_step_less = _cosine_after(lambda n, w: n / (w - 1))
cosine_from_zero = _warmup_then(
    lambda n, base_lr, w, total, eta_min: _cosine(base_lr, eta_min, n / (total - w)))
cosine_over_total_steps = _warmup_then(
    lambda n, base_lr, w, total, eta_min: _cosine(base_lr, eta_min, n / total))
cosine_only = _warmup_then(
    lambda n, base_lr, w, total, eta_min: eta_min + (base_lr - eta_min) * math.cos(math.pi * (n - w) / (total - w)))
cosine_to_zero = _warmup_then(
    lambda n, base_lr, w, total, eta_min: _cosine(base_lr, 0.0, (n - w) / (total - w)))


def _warmup_cosine_cases(rng, hidden=False):
    def case(group, n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
        return ValueCase(group, dict(n=int(n), base_lr=float(base_lr), warmup_steps=int(warmup_steps),
                                     total_steps=int(total_steps), start_factor=float(start_factor),
                                     eta_min=float(eta_min)))

    if hidden:
        return _hidden_warmup_cosine_cases(rng, case)
    base = float(rng.choice([0.1, 0.05, 0.3]))
    cases = [case("warmup (n < warmup_steps)", 0, 0.1, 10, 100),
             case("warmup (n < warmup_steps)", 4, 0.1, 10, 100)]
    cases += [case("warmup (n < warmup_steps)", rng.integers(1, 20), base, 20, 200) for _ in range(2)]
    cases += [case("the boundary: n = warmup_steps - 1 and n = warmup_steps", 9, 0.1, 10, 100),
              case("the boundary: n = warmup_steps - 1 and n = warmup_steps", 10, 0.1, 10, 100),
              case("the boundary: n = warmup_steps - 1 and n = warmup_steps", 24, base, 25, 60, 0.1, 1e-4),
              case("the boundary: n = warmup_steps - 1 and n = warmup_steps", 25, base, 25, 60, 0.1, 1e-4)]
    cases += [case("the cosine part (warmup_steps < n < total_steps)", 55, 0.1, 10, 100),
              case("the cosine part (warmup_steps < n < total_steps)", 30, 0.1, 10, 100),
              case("the cosine part (warmup_steps < n < total_steps)", rng.integers(11, 100), base, 10, 100, 0.01, 1e-3)]
    cases += [case("the end (n = total_steps)", 100, 0.1, 10, 100, 0.01, 1e-4),
              case("the end (n = total_steps)", 60, base, 25, 60, 0.1, 1e-3),
              case("the end (n = total_steps)", 99, 0.1, 10, 100)]
    cases += [case("other start_factor and eta_min", rng.integers(0, 5), 0.02, 5, 50, 0.25, 2e-3),
              case("other start_factor and eta_min", rng.integers(5, 50), 0.02, 5, 50, 0.25, 2e-3),
              case("other start_factor and eta_min", rng.integers(2, 40), 1.0, 2, 40, 0.5, 0.1)]
    return cases


def _hidden_warmup_cosine_cases(rng, case):
    """The worksheet's cases in the same groups and the same places (n = 0, the two steps at the boundary,
    the end with and without eta_min, ...), on schedules drawn at random: A, B and D with the default
    start_factor and eta_min (A and D also with an eta_min, where the worksheet's cases have one), C, E
    and F with others."""
    def schedule(warmup_range, cosine_range, start_factor=0.01, eta_min=0.0):
        base_lr = log_uniform(rng, 0.01, 1.0)
        warmup = int(rng.integers(*warmup_range))
        return dict(base_lr=base_lr, warmup_steps=warmup, total_steps=warmup + int(rng.integers(*cosine_range)),
                    start_factor=start_factor, eta_min=eta_min * base_lr)

    def at(group, n, s):
        return case(group, n, s["base_lr"], s["warmup_steps"], s["total_steps"], s["start_factor"], s["eta_min"])

    def warming(s, low=1):
        return int(rng.integers(low, s["warmup_steps"]))

    def cosine(s):
        return int(rng.integers(s["warmup_steps"] + 1, s["total_steps"]))

    A, B, D = schedule((5, 31), (20, 200)), schedule((10, 41), (20, 200)), schedule((5, 31), (20, 200))
    # eta_min is given as a share of base_lr (drawn with it): 1e-4 to 1e-2 in C, 0.03 to 0.2 in E and F, as in
    # the worksheet's cases
    C = schedule((10, 41), (15, 80), float(rng.uniform(0.05, 0.3)), log_uniform(rng, 1e-4, 1e-2))
    E = schedule((3, 9), (20, 80), float(rng.uniform(0.1, 0.5)), log_uniform(rng, 0.03, 0.2))
    F = schedule((2, 4), (20, 60), float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.05, 0.2)))
    end_A = dict(A, eta_min=A["base_lr"] * log_uniform(rng, 1e-4, 1e-2))
    cosine_D = dict(D, eta_min=D["base_lr"] * log_uniform(rng, 1e-3, 3e-2))
    warmup = "warmup (n < warmup_steps)"
    boundary = "the boundary: n = warmup_steps - 1 and n = warmup_steps"
    middle = "the cosine part (warmup_steps < n < total_steps)"
    end = "the end (n = total_steps)"
    other = "other start_factor and eta_min"
    return [at(warmup, 0, A), at(warmup, warming(A), A), at(warmup, warming(B), B), at(warmup, warming(B), B),
            at(boundary, A["warmup_steps"] - 1, A), at(boundary, A["warmup_steps"], A),
            at(boundary, C["warmup_steps"] - 1, C), at(boundary, C["warmup_steps"], C),
            at(middle, cosine(A), A), at(middle, cosine(B), B), at(middle, cosine(cosine_D), cosine_D),
            at(end, end_A["total_steps"], end_A), at(end, C["total_steps"], C), at(end, D["total_steps"] - 1, D),
            at(other, warming(E, 0), E), at(other, int(rng.integers(E["warmup_steps"], E["total_steps"])), E),
            at(other, int(rng.integers(2, F["total_steps"])), F)]


register(ValueItem(
    name="warmup_cosine",
    reference=warmup_cosine_reference,
    cases=_warmup_cosine_cases,
    points=2,
    rtol=1e-9,
    mistakes=(
        Mistake("warmup starting from 0 instead of start_factor",
                "at n = 0 the rate is start_factor * base_lr, not 0 (torch's LinearLR does not even allow a "
                "start factor of 0): lr = base_lr * (start_factor + (1 - start_factor) * n / warmup_steps).",
                warmup_from_zero),
        Mistake("warmup off by one step (n + 1 instead of n)",
                "Here n is the number of steps already taken, so the first step (n = 0) uses start_factor * base_lr "
                "and the warmup reaches base_lr at n = warmup_steps, not one step earlier: use n / warmup_steps.",
                warmup_counted_from_one),
        Mistake("warmup off by one step (divided by warmup_steps - 1)",
                "A warmup along np.linspace(start_factor, 1, warmup_steps) reaches base_lr at n = warmup_steps - 1; torch's "
                "LinearLR reaches it at n = warmup_steps: the progress is n / warmup_steps.",
                warmup_over_one_step_less),
        Mistake("cosine counted from 0 instead of from the end of the warmup",
                "the cosine starts when the warmup ends: its phase is pi * (n - warmup_steps) / "
                "(total_steps - warmup_steps), so that it gives base_lr at n = warmup_steps and eta_min at "
                "n = total_steps.", cosine_from_zero),
        Mistake("cosine spread over total_steps, counted from 0",
                "the rate jumps down when the warmup ends: the cosine lasts total_steps - warmup_steps steps and "
                "its phase is pi * (n - warmup_steps) / (total_steps - warmup_steps).", cosine_over_total_steps),
        Mistake("cosine without the 1/2 (1 + cos) form (cos only)",
                "The cosine goes from 1 to -1, so eta_min + (base_lr - eta_min) * cos(...) falls below eta_min (even below "
                "0) in the second half. Map it to [0, 1] first: (1 + cos(...)) / 2.", cosine_only),
        Mistake("the cosine ends at 0 instead of eta_min",
                "the cosine goes from base_lr down to eta_min: eta_min + (base_lr - eta_min) * (1 + cos(...)) / 2.",
                cosine_to_zero),
    ),
))


# --- 3. lookahead_step -------------------------------------------------------------------------

LOOKAHEAD_HYPER = dict(lr=0.1, k=5, alpha=0.5)


def lookahead_reference(param, grad, state, lr=0.1, k=5, alpha=0.5):
    """course_lib.optim.Lookahead(course_lib.optim.SGD(lr=lr), k, alpha), in the worksheet's dict layout."""
    opt = optim.Lookahead(optim.SGD(lr=lr), k=k, slow_lr=alpha)
    inner = optim.SGDState(state["t"], np.zeros_like(param))  # plain SGD: its momentum buffer stays unused
    new_param, s = opt.step(param, grad, optim.LookaheadState(state["t"], inner, state["slow"]))
    return new_param, {"t": s.t, "slow": s.slow}


def lookahead_fresh_state(param):
    return {"t": 0, "slow": param.copy()}


def lookahead_warm_state(param, rng):
    # t = 5 j + 3: of the case's two steps, the second synchronises (with the default k = 5)
    return {"t": 5 * int(rng.integers(20, 600)) + 3,
            "slow": (param + 0.5 * rng.normal(size=param.shape)).astype(param.dtype)}


def _lookahead_variant(sync_now, pull, reset=True, sync_before_step=False):
    """Lookahead with SGD inside, built from its pieces; the mistakes swap one piece."""
    def step(param, grad, state, lr=0.1, k=5, alpha=0.5):
        t = state["t"] + 1
        slow, fast = state["slow"], param
        if sync_before_step and sync_now(t, state["t"], k):
            slow = pull(slow, fast, alpha)
            fast = slow
        fast = fast - lr * grad
        if not sync_before_step and sync_now(t, state["t"], k):
            slow = pull(slow, fast, alpha)
            if reset:
                fast = slow
        return fast, {"t": t, "slow": slow}
    return step


def _every_k(t, old_t, k):
    return t % k == 0


def _pull(slow, fast, alpha):
    return slow + alpha * (fast - slow)


lookahead_every_step = _lookahead_variant(lambda t, old_t, k: True, _pull)
lookahead_t_from_zero = _lookahead_variant(lambda t, old_t, k: old_t % k == 0, _pull)
lookahead_alpha_swapped = _lookahead_variant(_every_k, lambda slow, fast, alpha: fast + alpha * (slow - fast))
lookahead_no_reset = _lookahead_variant(_every_k, _pull, reset=False)
lookahead_sync_before = _lookahead_variant(_every_k, _pull, sync_before_step=True)


lookahead_returns_the_update = returning_the_update(lookahead_reference)


register(StepItem(
    name="lookahead_step",
    reference=lookahead_reference,
    cases=lambda rng, hidden=False: step_cases(rng, lookahead_fresh_state, lookahead_warm_state, LOOKAHEAD_HYPER,
                                 [dict(lr=0.05, k=3, alpha=0.8),
                                  dict(lr=0.5, k=2, alpha=0.2),
                                  dict(lr=0.01, k=1, alpha=0.5)],
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
        Mistake("alpha and 1 - alpha swapped",
                "the slow weights move a fraction alpha of the way toward the fast ones: slow + alpha * "
                "(fast - slow). (With alpha = 0.5 both forms agree, which is why only other alphas fail.)",
                lookahead_alpha_swapped),
        Mistake("fast weights not reset to the slow weights",
                "after the slow step the fast weights restart from the new slow weights: return the new slow "
                "weights as new_param on a synchronising step.", lookahead_no_reset),
        Mistake("synchronised before the fast step",
                "on a synchronising step, take the SGD step first (the k-th fast step), then pull the slow "
                "weights toward the result and restart the fast weights there.", lookahead_sync_before),
        Mistake("returned the update instead of the new parameter",
                "return the new fast weights (the new slow weights on a synchronising step), not their change.",
                lookahead_returns_the_update),
    ),
))


# --- 4. trust_ratio ---------------------------------------------------------------------------------

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
