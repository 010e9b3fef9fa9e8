"""Worksheet 04 (RMSProp and AdaDelta): rmsprop_step, adadelta_step and the size of AdaDelta's first step.

The worksheet's contracts::

    new_theta, new_state = rmsprop_step(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8)
    state = {"t": 0, "v": np.zeros_like(theta)}                                   # before the first step

    new_theta, new_state = adadelta_step(theta, g, state, beta2=0.9, eps=1e-6)  # no learning rate: lr = 1
    state = {"t": 0, "Eg2": np.zeros_like(theta), "Edx2": np.zeros_like(theta)}

    first_adadelta_step(g, beta2=0.9, eps=1e-6)   # |theta_1 - theta_0| after one AdaDelta step from a fresh state

The references are course_lib.optim.RMSprop and course_lib.optim.Adadelta
(torch.optim's algorithms), in the worksheet's dict layout.
"""

import numpy as np

from .. import optim
from ._cases import log_uniform, step_cases
from ._core import Mistake, StepItem, ValueCase, ValueItem, register, returning_the_update

# --- rmsprop_step ----------------------------------------------------------------------

RMSPROP_HYPER = dict(lr=0.01, beta2=0.99, eps=1e-8)


def rmsprop_reference(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    """course_lib.optim.RMSprop (not centered, no momentum), in the worksheet's dict layout."""
    opt = optim.RMSprop(lr=lr, beta2=beta2, eps=eps)
    unused = np.zeros_like(theta)  # grad_avg and momentum_buffer: only the centered and momentum variants use them
    new_theta, s = opt.step(theta, g, optim.RMSpropState(state["t"], state["v"], unused, unused))
    return new_theta, {"t": s.t, "v": s.square_avg}


def rmsprop_fresh_state(theta):
    return {"t": 0, "v": np.zeros_like(theta)}


def rmsprop_warm_state(theta, rng):
    return {"t": int(rng.integers(200, 3000)), "v": (0.5 + rng.random(size=theta.shape)).astype(theta.dtype)}


def rmsprop_eps_inside_sqrt(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    v = beta2 * state["v"] + (1 - beta2) * g * g
    return theta - lr * g / np.sqrt(v + eps), {"t": state["t"] + 1, "v": v}


def rmsprop_beta2_swapped(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    v = (1 - beta2) * state["v"] + beta2 * g * g
    return theta - lr * g / (np.sqrt(v) + eps), {"t": state["t"] + 1, "v": v}


def rmsprop_averaged_g(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    v = beta2 * state["v"] + (1 - beta2) * g  # can turn negative: sqrt gives NaN
    return theta - lr * g / (np.sqrt(v) + eps), {"t": state["t"] + 1, "v": v}


def rmsprop_no_average(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    v = g * g
    return theta - lr * g / (np.sqrt(v) + eps), {"t": state["t"] + 1, "v": v}


def rmsprop_no_eps(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    v = beta2 * state["v"] + (1 - beta2) * g * g
    return theta - lr * g / np.sqrt(v), {"t": state["t"] + 1, "v": v}


def rmsprop_bias_corrected(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    t = state["t"] + 1
    v = beta2 * state["v"] + (1 - beta2) * g * g
    v_hat = v / (1 - beta2**t)
    return theta - lr * g / (np.sqrt(v_hat) + eps), {"t": t, "v": v}


rmsprop_returns_update = returning_the_update(rmsprop_reference)


register(StepItem(
    name="rmsprop_step",
    reference=rmsprop_reference,
    cases=lambda rng, hidden=False: step_cases(rng, rmsprop_fresh_state, rmsprop_warm_state, RMSPROP_HYPER,
                                 [dict(lr=0.001, beta2=0.9, eps=1e-8),    # Hinton's lecture
                                  dict(lr=0.1, beta2=0.5, eps=1e-6),
                                  dict(lr=0.01, beta2=0.999, eps=1e-3)]),  # a large eps: placement shows everywhere
    state_keys=("t", "v"),
    points=4,
    mistakes=(
        Mistake("TensorFlow's epsilon placement (inside the square root)",
                "you divide by sqrt(v + eps), as TensorFlow and Keras do; this worksheet's reference, "
                "torch.optim.RMSprop, divides by sqrt(v) + eps. Both are legitimate and agree unless sqrt(v) is "
                "about eps or smaller (tiny gradients): there eps inside the root acts like sqrt(eps) outside it. "
                "Know which one you use.", rmsprop_eps_inside_sqrt, accepted=True),
        Mistake("beta2 and 1 - beta2 swapped in the moving average",
                "the old average keeps the weight beta2 and the new g^2 gets 1 - beta2: "
                "v = beta2 * v + (1 - beta2) * g**2. Swapped, v remembers about one step.", rmsprop_beta2_swapped),
        Mistake("averaged g instead of g^2",
                "Here v is the moving average of the SQUARED gradient: v = beta2 * v + (1 - beta2) * g**2. "
                "An average of g can be negative, and its square root is NaN.", rmsprop_averaged_g),
        Mistake("no moving average (used this step's g^2 only)",
                "The average v must carry the past: v = beta2 * state['v'] + (1 - beta2) * g**2. With v = g**2 every "
                "step is lr * sign(g), whatever the history.", rmsprop_no_average),
        Mistake("forgot epsilon",
                "divide by sqrt(v) + eps: without eps a zero gradient gives 0 / 0 = NaN, and tiny ones "
                "give huge steps.", rmsprop_no_eps),
        Mistake("bias-corrected v as Adam does",
                "RMSProp has no bias correction (that is Adam's addition, lessons 05 and 06): divide by "
                "sqrt(v) + eps, not by sqrt(v / (1 - beta2**t)) + eps.", rmsprop_bias_corrected),
        Mistake("returned the update instead of the new parameter",
                "return theta - lr * g / (sqrt(v) + eps), not the step itself.", rmsprop_returns_update),
    ),
))


# --- adadelta_step ---------------------------------------------------------------------

ADADELTA_HYPER = dict(beta2=0.9, eps=1e-6)


def adadelta_reference(theta, g, state, beta2=0.9, eps=1e-6):
    """course_lib.optim.Adadelta with lr = 1 (Zeiler's algorithm), in the worksheet's dict layout."""
    opt = optim.Adadelta(lr=1.0, beta2=beta2, eps=eps)
    new_theta, s = opt.step(theta, g, optim.AdadeltaState(state["t"], state["Eg2"], state["Edx2"]))
    return new_theta, {"t": s.t, "Eg2": s.square_avg, "Edx2": s.acc_delta}


def adadelta_fresh_state(theta):
    return {"t": 0, "Eg2": np.zeros_like(theta), "Edx2": np.zeros_like(theta)}


def adadelta_warm_state(theta, rng):
    return {"t": int(rng.integers(200, 3000)),
            "Eg2": (0.5 + rng.random(size=theta.shape)).astype(theta.dtype),
            "Edx2": (1e-3 * (0.5 + rng.random(size=theta.shape))).astype(theta.dtype)}


def _adadelta(theta, g, state, beta2, eps, numerator_eps=None, swapped=False, square=True,
              eps_outside=False, new_edx2_in_step=False):
    """The reference's algebra with one deliberate slip switched on (for the mistakes below)."""
    keep, take = (1 - beta2, beta2) if swapped else (beta2, 1 - beta2)
    eg2 = keep * state["Eg2"] + take * (g * g if square else g)
    if eps_outside:
        dx = (np.sqrt(state["Edx2"]) + eps) / (np.sqrt(eg2) + eps) * g
    else:
        top = eps if numerator_eps is None else numerator_eps
        dx = np.sqrt(state["Edx2"] + top) / np.sqrt(eg2 + eps) * g
    edx2 = keep * state["Edx2"] + take * dx * dx
    if new_edx2_in_step:
        dx = np.sqrt(edx2 + eps) / np.sqrt(eg2 + eps) * g
    return theta - dx, {"t": state["t"] + 1, "Eg2": eg2, "Edx2": edx2}


def adadelta_new_edx2_in_numerator(theta, g, state, beta2=0.9, eps=1e-6):
    return _adadelta(theta, g, state, beta2, eps, new_edx2_in_step=True)


def adadelta_no_numerator_eps(theta, g, state, beta2=0.9, eps=1e-6):
    return _adadelta(theta, g, state, beta2, eps, numerator_eps=0.0)


def adadelta_beta2_swapped(theta, g, state, beta2=0.9, eps=1e-6):
    return _adadelta(theta, g, state, beta2, eps, swapped=True)


def adadelta_averaged_g(theta, g, state, beta2=0.9, eps=1e-6):
    return _adadelta(theta, g, state, beta2, eps, square=False)


def adadelta_eps_outside(theta, g, state, beta2=0.9, eps=1e-6):
    return _adadelta(theta, g, state, beta2, eps, eps_outside=True)


adadelta_returns_update = returning_the_update(adadelta_reference)


register(StepItem(
    name="adadelta_step",
    reference=adadelta_reference,
    cases=lambda rng, hidden=False: step_cases(rng, adadelta_fresh_state, adadelta_warm_state, ADADELTA_HYPER,
                                 [dict(beta2=0.95, eps=1e-6),    # Zeiler's MNIST setting
                                  dict(beta2=0.5, eps=1e-3),
                                  dict(beta2=0.99, eps=1e-8)]),
    state_keys=("t", "Eg2", "Edx2"),
    points=4,
    mistakes=(
        Mistake("updated E[dx^2] before computing dx",
                "the numerator is sqrt(E[dx^2]_{t-1} + eps), the average of the PREVIOUS updates: compute "
                "dx with state['Edx2'] first, then fold dx**2 into E[dx^2].", adadelta_new_edx2_in_numerator),
        Mistake("no eps in the numerator",
                "E[dx^2] starts at 0, so sqrt(E[dx^2]) is 0 and every dx is 0: the parameters never move. "
                "The numerator is sqrt(Edx2 + eps); that eps is what starts AdaDelta.", adadelta_no_numerator_eps),
        Mistake("beta2 and 1 - beta2 swapped",
                "the old averages keep the weight beta2: Eg2 = beta2 * Eg2 + (1 - beta2) * g**2, and likewise "
                "Edx2 = beta2 * Edx2 + (1 - beta2) * dx**2.", adadelta_beta2_swapped),
        Mistake("averaged g instead of g^2",
                "E[g^2] is the moving average of the SQUARED gradient: Eg2 = beta2 * Eg2 + (1 - beta2) * g**2.",
                adadelta_averaged_g),
        Mistake("epsilon outside the square roots",
                "AdaDelta (Zeiler, and torch) adds eps inside both roots: "
                "dx = sqrt(Edx2 + eps) / sqrt(Eg2 + eps) * g. Outside, the first step is about eps instead "
                "of sqrt(eps), a thousand times smaller for eps = 1e-6.", adadelta_eps_outside),
        Mistake("returned the update instead of the new parameter",
                "return theta - dx, not dx itself.", adadelta_returns_update),
    ),
))


# --- the size of the first AdaDelta step ------------------------------------------------

def first_adadelta_step_reference(g, beta2=0.9, eps=1e-6):
    """|theta_1 - theta_0| after one course_lib.optim.Adadelta step (lr = 1) with gradient g."""
    theta = np.array(0.0)
    opt = optim.Adadelta(lr=1.0, beta2=beta2, eps=eps)
    new_theta, _ = opt.step(theta, np.array(float(g)), opt.init(theta))
    return abs(float(new_theta))


def _first_adadelta_cases(rng, hidden=False):
    # hidden: a typical g from 0.1 to 0.8, positive like the worksheet's 0.5 (the large-gradient limit is
    # still off by more than 5e-6 there), and small ones of the same signs, from 2e-4 to 6e-3
    typical = float(rng.uniform(0.1, 0.8)) if hidden else 0.5
    small = [sign * log_uniform(rng, 2e-4, 6e-3) for sign in (1.0, -1.0, 1.0)] if hidden else [1e-3, -3e-4, 5e-3]
    return ([ValueCase("a typical gradient", dict(g=typical, beta2=0.9, eps=1e-6))]
            + [ValueCase("large gradients, both signs", dict(g=float(s * m), beta2=0.9, eps=1e-6))
               for s, m in zip((1, -1, -1), rng.uniform(1.0, 100.0, 3))]
            + [ValueCase("gradients about as small as sqrt(eps)", dict(g=float(g), beta2=0.9, eps=1e-6)) for g in small]
            + [ValueCase("other beta2 and eps", dict(g=float(g), beta2=float(beta2), eps=float(eps)))
               for g, beta2, eps in zip(rng.uniform(-2, 2, 3), (0.95, 0.5, 0.99), (1e-8, 1e-4, 1e-2))])


register(ValueItem(
    name="first_adadelta_step",
    reference=first_adadelta_step_reference,
    cases=_first_adadelta_cases,
    points=2,
    rtol=1e-6,
    mistakes=(
        Mistake("the large-gradient limit sqrt(eps / (1 - beta2))",
                "that is the size only when (1 - beta2) g^2 >> eps. Exactly: E[g^2]_1 = (1 - beta2) g^2 and "
                "E[dx^2]_0 = 0, so |dx_1| = sqrt(eps) |g| / sqrt((1 - beta2) g^2 + eps).",
                lambda g, beta2=0.9, eps=1e-6: float(np.sqrt(eps / (1 - beta2)))),
        Mistake("no (1 - beta2) in E[g^2]_1",
                "the first average is E[g^2]_1 = beta2 * 0 + (1 - beta2) g^2, not g^2.",
                lambda g, beta2=0.9, eps=1e-6: float(np.sqrt(eps) * abs(g) / np.sqrt(g * g + eps))),
        Mistake("no eps in the numerator (a step of 0)",
                "the numerator is sqrt(E[dx^2]_0 + eps) = sqrt(eps), not sqrt(0): that is what makes AdaDelta move.",
                lambda g, beta2=0.9, eps=1e-6: 0.0),
        Mistake("no numerator at all (an RMSProp step with lr = 1)",
                "AdaDelta multiplies g / sqrt(E[g^2]_1 + eps) by sqrt(E[dx^2]_0 + eps) = sqrt(eps).",
                lambda g, beta2=0.9, eps=1e-6: float(abs(g) / np.sqrt((1 - beta2) * g * g + eps))),
        Mistake("epsilon outside the square roots",
                "AdaDelta adds eps inside both roots: |dx_1| = sqrt(0 + eps) |g| / sqrt((1 - beta2) g^2 + eps).",
                lambda g, beta2=0.9, eps=1e-6: float(eps * abs(g) / (np.sqrt((1 - beta2) * g * g) + eps))),
        Mistake("returned the signed update dx_1",
                "The update dx_1 has the sign of g; the question asks for the size of the step, |theta_1 - theta_0|: take abs.",
                lambda g, beta2=0.9, eps=1e-6: float(np.sqrt(eps) * g / np.sqrt((1 - beta2) * g * g + eps))),
    ),
))
