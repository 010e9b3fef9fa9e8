"""Worksheet 11 (schedules and generalization): warmup_cosine and swats_lr.

The worksheet's two items are plain functions of numbers and arrays::

    lr_n = warmup_cosine(n, base_lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0)
    gamma = swats_lr(p, g)   # p: Adam's step theta_k - theta_{k-1}; g: the gradient it was taken with

The reference for the schedule is course_lib.schedules.WarmupCosineLR (torch's SequentialLR of
LinearLR and CosineAnnealingLR); for SWATS, Keskar and Socher's estimate (Improving Generalization
Performance by Switching from Adam to SGD, 2017, Algorithm 1): gamma_k = p_k.p_k / (-p_k.g_k).
"""

import math

import numpy as np

from .. import schedules
from ._cases import log_uniform
from ._core import Mistake, ValueCase, ValueItem, register

# --- 1. warmup_cosine --------------------------------------------------------------------------

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


# --- 2. swats_lr --------------------------------------------------------------------------------


def _dot(a, b) -> float:
    """The dot product over every entry (a layer's weight matrix counts as one long vector)."""
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


def swats_lr_reference(p, g):
    """Keskar and Socher's gamma = p.p / (-p.g): the learning rate at which SGD's step -gamma g, projected
    onto Adam's step p, is p itself ((-gamma g).p / (p.p) = 1)."""
    return _dot(p, p) / -_dot(p, g)


EPS = 1e-8   # Adam's epsilon, in the steps the cases build


def _adam_step_and_gradient(rng, shape, uphill=False):
    """(p, g): Adam's step -lr * m_hat / (sqrt(v_hat) + eps) from a state late in training, and the gradient
    g of that step, drawn so that p points downhill (p.g < 0) or, with uphill, against the gradient's
    descent (p.g > 0: momentum carried it on). |cos(p, g)| stays above 0.2, away from a division by ~0."""
    lr = log_uniform(rng, 1e-4, 1e-1)
    while True:
        g = rng.normal(size=shape) * log_uniform(rng, 1e-3, 10.0)
        noise = rng.normal(size=shape) * np.abs(g).mean() * rng.uniform(0.3, 1.5)
        m_hat = (-g if uphill else g) + noise                  # the momentum: near this gradient, or not
        v_hat = m_hat**2 + (np.abs(g).mean() * rng.uniform(0.2, 1.0, size=shape)) ** 2
        p = -lr * m_hat / (np.sqrt(v_hat) + EPS)
        cosine = _dot(p, g) / math.sqrt(_dot(p, p) * _dot(g, g))
        if (cosine > 0.2) if uphill else (cosine < -0.2):
            return p, g


def _swats_cases(rng, hidden=False):
    cases = []
    for n in (5, 10, 50):    # Adam's first step: m_hat / sqrt(v_hat) = g / |g| (with eps), p = -lr sign(g)
        g = rng.normal(size=n) * log_uniform(rng, 1e-3, 10.0)
        lr = log_uniform(rng, 1e-4, 1e-1)
        cases.append(ValueCase("Adam's first step (p = -lr g / (|g| + eps))", dict(p=-lr * g / (np.abs(g) + EPS), g=g)))
    for n in (5, 20, 100):
        p, g = _adam_step_and_gradient(rng, (n,))
        cases.append(ValueCase("a step late in training (momentum and v from many gradients)", dict(p=p, g=g)))
    for shape in ((3, 4), (8, 2), (10, 10)):
        p, g = _adam_step_and_gradient(rng, shape)
        cases.append(ValueCase("a layer's weight matrix (the dot product runs over every entry)", dict(p=p, g=g)))
    for n in (5, 20, 100):
        p, g = _adam_step_and_gradient(rng, (n,), uphill=True)
        cases.append(ValueCase("momentum carries the step uphill (p.g > 0, so gamma < 0)", dict(p=p, g=g)))
    return cases


register(ValueItem(
    name="swats_lr",
    reference=swats_lr_reference,
    cases=_swats_cases,
    points=2,
    rtol=1e-9,
    mistakes=(
        Mistake("the projection the other way (-p.g / |g|^2)",
                "That is the gamma for which -gamma g is the projection of Adam's step p onto the gradient. "
                "SWATS asks the converse: the SGD step -gamma g, projected onto p, must be p itself, "
                "((-gamma g).p / (p.p)) p = p, so gamma = p.p / (-p.g). The two agree only when p is parallel to g.",
                lambda p, g: -_dot(p, g) / _dot(g, g)),
        Mistake("a sign slip (p.p / p.g)",
                "Adam's step goes downhill, so p.g < 0 and gamma = p.p / (-p.g) comes out positive, as a "
                "learning rate should: keep the minus sign in the denominator.",
                lambda p, g: _dot(p, p) / _dot(p, g)),
        Mistake("upside down (-p.g / p.p)",
                "The estimate is a learning rate, of the size of Adam's step over the gradient's: "
                "gamma = p.p / (-p.g), with p.p on top.",
                lambda p, g: -_dot(p, g) / _dot(p, p)),
        Mistake("the ratio of the norms |p| / |g|",
                "The norms agree with gamma only when Adam's step is parallel to the gradient. In general "
                "gamma = p.p / (-p.g) = |p| / (|g| cos(p, -g)): the more Adam's step turns away from -g, the larger "
                "the SGD step that projects onto it.",
                lambda p, g: math.sqrt(_dot(p, p) / _dot(g, g))),
        Mistake("took the absolute value of p.g",
                "The formula p.p / (-p.g) has no absolute value: when momentum carries Adam's step uphill "
                "(p.g > 0) the estimate is negative, and Keskar and Socher average it in as it is.",
                lambda p, g: _dot(p, p) / abs(_dot(p, g))),
    ),
))
