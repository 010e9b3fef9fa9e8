"""The engine behind every worksheet check.

A graded item is a function the student writes. ``check(name, function)``
runs it on seeded cases against the reference built from ``course_lib``,
and returns a ``CheckResult`` whose display is a short report: which case
groups pass, the first failing case with its inputs, what was expected and
what came back, and, when the answers match a known mistake, its name and
how to fix it.

Two kinds of item:

``StepItem``: an update rule with the worksheet's contract
    ``new_theta, new_state = fn(theta, g, state, **hyperparameters)``.
    A case is a start (theta, state) and a sequence of gradients; the step is
    applied once per gradient with the student's own state carried forward,
    and theta and every state entry are compared after each step. The
    hyperparameters are passed by keyword, with the names of the course's
    notation (``lr``, ``beta1``, ``beta2``, ``eps``, ...).

``ValueItem``: a function returning a number (a threshold, a first step),
    called with several sets of arguments.

Mistakes are wrong versions of the reference (mutants), run on the same
cases: a student whose every answer matches one of them gets its diagnosis.
A mistake marked ``accepted`` is a legitimate variant: it passes, and the
report says which variant it is and which one the worksheet asked for. When
no single mistake or variant explains the answers, each accepted variant is
tried with each mistake made on top of it (see ``Mistake.on_variants`` and
``returning_the_update``): the report then names both.

Points are the share of case groups passed, except that a group on which a
known mistake gives exactly the reference's answers cannot tell that mistake
from a right answer: passing it earns nothing (failing it still costs), and
the report lists it as not scored.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import i18n
from ..i18n import _
from ._runner import (SECONDS_PER_CALL, Outcome, StepCase, ValueCase, fmt, run_steps, run_student, run_value,
                      time_limit)

ITEMS: dict[str, "StepItem | ValueItem"] = {}


def register(item):
    if item.name in ITEMS:
        raise ValueError(f"a check named {item.name!r} is already registered")
    accepted = {m.name for m in item.mistakes if m.accepted}
    for mistake in item.mistakes:
        for variant, _ in mistake.on_variants:
            if variant not in accepted:
                raise ValueError(f"{item.name}: the mistake {mistake.name!r} is made on top of {variant!r}, "
                                 f"which is not one of its accepted variants ({sorted(accepted)})")
    ITEMS[item.name] = item
    return item


# --- what a check is made of --------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A known wrong (or, if accepted, alternative) version of the reference.

    on_variants: the same mistake made on top of accepted variants, as (variant name, function)
    pairs, for a student who wrote a legitimate variant and this mistake at once. A mistake made by
    transforming the reference (``returning_the_update``) needs none: it applies to every variant.
    """

    name: str           # "forgot the bias correction"
    explanation: str    # what it does wrong and how to fix it, in a sentence or two
    function: Callable  # same signature as the reference
    accepted: bool = False
    on_variants: tuple = ()   # ((accepted variant's name, the function with both), ...)

    @property
    def shown_name(self) -> str:
        """The name in the language the course is shown in (``i18n.use``), for a lesson's table;
        ``name`` stays the English the checks and the grader look mistakes up by."""
        return _(self.name)


@dataclass(frozen=True)
class StepItem:
    name: str
    reference: Callable                    # (theta, g, state, **hyper) -> (new_theta, new_state)
    cases: Callable[..., list]             # (rng, hidden=False) -> [StepCase]; see cases_for
    mistakes: tuple = ()
    points: float = 1.0
    state_keys: tuple = ()                 # the worksheet's state layout, for the error message
    may_use: tuple = ()                    # course_lib modules the worksheet tells students to use here
    kind: str = "step"


@dataclass(frozen=True)
class ValueItem:
    name: str
    reference: Callable                    # (**kwargs) -> number
    cases: Callable[..., list]             # (rng, hidden=False) -> [ValueCase]; see cases_for
    mistakes: tuple = ()
    points: float = 1.0
    rtol: float = 1e-6
    may_use: tuple = ()                    # course_lib modules the worksheet tells students to use here
    single_input_groups: tuple = ()        # groups with one possible input, which hidden cases must repeat
    kind: str = "value"


class ReturnsTheUpdate:
    """The mistake "returned the update instead of the new parameter", made on top of a step function.

    Called, it returns step's new_theta - theta. Judged, it is not compared through that
    difference: when the step is small next to theta (float32, tiny gradients, tiny steps)
    new_theta - theta has lost the digits that a student who computes the update directly
    keeps. ``distance`` instead adds the theta each call was given to the student's answer
    and compares that with step's new_theta, running step on the student's own inputs.
    """

    def __init__(self, step: Callable):
        self.step = step

    def __call__(self, theta, g, state, *hyperparameters, **named_hyperparameters):
        new_theta, new_state = self.step(theta, g, state, *hyperparameters, **named_hyperparameters)
        return new_theta - theta, new_state

    def on(self, step: Callable) -> "ReturnsTheUpdate":
        """The same mistake made on top of another step function (an accepted variant)."""
        return ReturnsTheUpdate(step)

    def distance(self, run, case) -> float | None:
        """How far the student's run is from "step's update, returned" (see ``_distance``); None if it is not that."""
        if not isinstance(case, StepCase) or len(run) != len(case.grads):
            return None
        rtol = _tolerance(case.param.dtype)
        param, state, worst = case.param, case.state, 0.0
        for (answer, new_state), grad in zip(run, case.grads):
            try:
                with np.errstate(all="ignore"):
                    landed, want_state = self.step(param.copy(), grad.copy(), _plain_state(state), **case.hyper)
                    got = np.asarray(answer) + param    # where the student's update lands
            except Exception:
                return None
            worst = max(worst, _distance(got, landed, rtol))
            for key, value in want_state.items():
                worst = max(worst, _distance(new_state[key], value, rtol) if key in new_state else np.inf)
            if worst > 1:
                return None
            param, state = np.asarray(answer), new_state
        return worst


def returning_the_update(reference: Callable) -> ReturnsTheUpdate:
    """The mistake "returned the update instead of the new parameter", for any step item (and, through
    ``ReturnsTheUpdate.on``, on top of any of its accepted variants)."""
    return ReturnsTheUpdate(reference)


def _plain_state(state: dict) -> dict:
    """A student's state as a reference takes it: a copy, with a 0-d integer array (the grader's t) as an int."""
    return {key: int(value) if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu"
            else copy.deepcopy(value) for key, value in state.items()}


# --- what a diagnosis says ---------------------------------------------------------

# Words that may begin an explanation but are code, not English: they keep their case.
CODE_WORDS = frozenset({"cos", "eps", "exp", "log", "lr", "max", "min", "np", "sqrt", "theta", "torch", "torch's"})


def sentence(text: str) -> str:
    """text with its first word capitalised when that word is English ("you divide" -> "You divide"),
    not code ("m and v", "eps_hat", "np.sqrt(...)" keep their case: an explanation should begin with a word)."""
    first = text.split(" ", 1)[0]
    if (re.fullmatch(r"[a-z]{2,}(?:'s)?|a", first) and first not in CODE_WORDS):
        return text[0].upper() + text[1:]
    return text


def describe(mistake: Mistake) -> str:
    """"name. Explanation": the one line a diagnosis (or a variant) starts with, in the language
    of course_lib.i18n (the name and the explanation are looked up as they are written)."""
    return _("{name}. {explanation}").format(name=_(mistake.name), explanation=_(sentence(mistake.explanation)))


# --- the result --------------------------------------------------------------


@dataclass
class CheckResult:
    """What a check found: shown as its report in a notebook, reused by the grader.

    groups holds the case groups that count towards the points; unscored, the groups passed
    that a known mistake passes too (group -> the names of those mistakes), which earn nothing.
    """

    item: str
    status: str                       # "passed", "failed", "not attempted", "error"
    points: float
    max_points: float
    groups: dict = field(default_factory=dict)   # case group -> passed?
    diagnosis: str | None = None      # the named mistake, or what went wrong, in one line
    variant: str | None = None        # an accepted variant the answer matches
    first_failure: str | None = None  # the first failing case, with inputs, expected and got
    unscored: dict = field(default_factory=dict)  # group passed but not scored -> [mistakes that pass it too]
    note: str | None = None           # what a notebook's check adds about grading (hidden cases, withheld modules)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def report(self) -> str:
        mark = {"passed": _("passed"), "failed": _("FAILED"), "not attempted": _("not attempted yet"),
                "error": _("FAILED")}
        lines = [_("{item}: {status} ({points} / {max_points} points)").format(
            item=self.item, status=mark[self.status], points=f"{self.points:g}", max_points=f"{self.max_points:g}")]
        if self.groups:
            passed = sum(self.groups.values())
            lines.append("  " + _("case groups passed: {passed} of {total}").format(passed=passed,
                                                                                   total=len(self.groups)))
            lines += [f"    [{'x' if ok else ' '}] {_(group)}" for group, ok in self.groups.items()]
        if self.unscored:
            lines.append("  " + _("not scored, since a known mistake gives exactly the reference's answers there "
                                  "(failing one would count):"))
            for group, mistakes in self.unscored.items():
                others = len(mistakes) - 1
                same = (_("the same answers as '{mistake}' and {others} other mistake(s)") if others else
                        _("the same answers as '{mistake}'")).format(mistake=_(mistakes[0]), others=others)
                lines.append("    [x] " + _("{group} ({remark})").format(group=_(group), remark=same))
        if self.variant:
            lines.append("  " + _("Variant: {variant}").format(variant=translated_diagnosis(self.variant)))
        if self.diagnosis:
            lines.append("  " + _("Diagnosis: {diagnosis}").format(diagnosis=translated_diagnosis(self.diagnosis)))
        if self.first_failure:
            lines.append("  " + _("First failing case:"))
            lines += ["    " + _indented(line) for line in self.first_failure.splitlines()]
        if self.note:
            lines.append(f"  {_(self.note)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _repr_pretty_(self, printer, cycle) -> None:  # how IPython shows it
        printer.text(self.report())


ACCEPTED_AND_ALSO = re.compile(r"you wrote (?P<variant>.+?) \(accepted\) and also (?P<mistake>.+)", re.S)


def translated_diagnosis(text: str) -> str:
    """A diagnosis or variant judged in English (the batch grader judges every submission in
    English, so that its class report counts each mistake once), in the language of
    course_lib.i18n: its parts are the phrases ``describe`` and ``judge`` join, each translated."""
    if _(text) != text:
        return _(text)
    found = ACCEPTED_AND_ALSO.fullmatch(text)
    if found:
        return _("you wrote {variant} (accepted) and also {mistake}").format(
            variant=_(found["variant"]), mistake=translated_diagnosis(found["mistake"]))
    for at in [m.start() for m in re.finditer(r"\. ", text)]:
        name, explanation = text[:at], text[at + 2:]
        if _(name) != name and _(explanation) != explanation:
            return _("{name}. {explanation}").format(name=_(name), explanation=_(explanation))
    return i18n.translated(text)


def _indented(line: str) -> str:
    """A line of a first failing case in the language of course_lib.i18n, its indentation kept."""
    text = line.lstrip(" ")
    return line[:len(line) - len(text)] + i18n.translated(text)


# --- comparing the student's outcomes with the reference -------------------------


def _tolerance(dtype) -> float:
    return 1e-4 if np.dtype(dtype) == np.float32 else 1e-7


def _atol(expected, rtol) -> float:
    """The absolute tolerance: rtol * 1e-3 of the largest finite |expected| (so that zeros compare)."""
    expected = np.asarray(expected)
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    return rtol * 1e-3 * (float(finite.max()) if finite.size else 0.0)


def _close(got, expected, rtol) -> bool:
    """np.allclose(got, expected, rtol, atol=_atol(expected, rtol), equal_nan=True), without its overhead."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return False
    with np.errstate(all="ignore"):
        within = np.abs(got - expected) <= _atol(expected, rtol) + rtol * np.abs(expected)
        if np.all(within & np.isfinite(expected)):
            return True
        same = (got == expected) | (np.isnan(got) & np.isnan(expected))   # inf with inf, NaN with NaN
        return bool(np.all((within & np.isfinite(got) & np.isfinite(expected)) | same))


def _excess(got, expected, rtol) -> np.ndarray:
    """|got - expected| / (atol + rtol |expected|) element by element: above 1 is outside the tolerance.
    Equal values (NaN with NaN, inf with inf) give 0; NaN or inf against anything else gives inf."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    allowed = _atol(expected, rtol) + rtol * np.abs(expected)
    with np.errstate(all="ignore"):
        excess = np.abs(got - expected) / allowed
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    excess = np.where(same, 0.0, excess)
    return np.where(np.isnan(excess), np.inf, excess)


def _distance(got, expected, rtol) -> float:
    """The largest excess (see _excess): 0 for identical arrays, at most about 1 within the tolerance."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return np.inf
    return float(_excess(got, expected, rtol).max()) if expected.size else 0.0


def _number(value, dtype) -> str:
    return f"{value:.9g}" if np.dtype(dtype) == np.float32 else f"{value:.15g}"


def _largest_difference(got, expected, rtol) -> str:
    """Where got is furthest outside the tolerance, with its absolute and relative difference: enough
    digits to see a difference that six digits hide."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return "  " + _("got shape {got}, expected shape {expected}").format(got=got.shape, expected=expected.shape)
    if not expected.size:
        return ""
    excess = _excess(got, expected, rtol)
    index = np.unravel_index(int(np.argmax(excess)), excess.shape)
    g, e = float(got[index]), float(expected[index])
    at = _(" at index {index}").format(index=tuple(int(i) for i in index)) if expected.ndim else ""
    if not (np.isfinite(g) and np.isfinite(e)):
        return "  " + _("largest difference{at}: expected {expected}, got {got}").format(at=at, expected=e, got=g)
    absolute = abs(g - e)
    numbers = dict(at=at, expected=_number(e, expected.dtype), got=_number(g, got.dtype), absolute=f"{absolute:.2g}",
                   relative=f"{absolute / abs(e):.2g}" if e != 0 else "", rtol=f"{rtol:g}")
    return "  " + (_("largest difference{at}: expected {expected}, got {got} (absolute {absolute}, relative "
                     "{relative}; the check allows a relative difference of {rtol})") if e != 0 else
                   _("largest difference{at}: expected {expected}, got {got} (absolute {absolute}; the check "
                     "allows a relative difference of {rtol})")).format(**numbers)


def _expected_and_got(expected, got) -> list[str]:
    return ["  " + _("expected {value}").format(value=fmt(expected)), "  " + _("got      {value}").format(value=fmt(got))]


def _steps_match(got, expected, dtype) -> tuple[bool, str]:
    """Compare two runs step by step; (True, "") or (False, what differs first)."""
    rtol = _tolerance(dtype)
    for k, ((p_got, s_got), (p_exp, s_exp)) in enumerate(zip(got, expected)):
        if not _close(p_got, p_exp, rtol):
            return False, "\n".join([_("after step {step}: new_theta").format(step=k + 1),
                                      *_expected_and_got(p_exp, p_got), _largest_difference(p_got, p_exp, rtol)])
        for key, value in s_exp.items():
            if key not in s_got:
                return False, _("after step {step}: new_state has no key {key} (it has {keys})").format(
                    step=k + 1, key=repr(key), keys=sorted(s_got))
            if not _close(s_got[key], value, rtol):
                return False, "\n".join([_("after step {step}: new_state[{key}]").format(step=k + 1, key=repr(key)),
                                          *_expected_and_got(value, s_got[key]),
                                          _largest_difference(s_got[key], value, rtol)])
    return True, ""


def _steps_distance(got, expected, dtype) -> float:
    """The largest excess over every step, theta and state entry of two runs (inf where a key is missing)."""
    rtol, worst = _tolerance(dtype), 0.0
    for (p_got, s_got), (p_exp, s_exp) in zip(got, expected):
        worst = max(worst, _distance(p_got, p_exp, rtol))
        for key, value in s_exp.items():
            worst = max(worst, _distance(s_got[key], value, rtol) if key in s_got else np.inf)
    return worst


def _steps_close(got, expected, dtype) -> bool:
    """_steps_match's verdict without its text."""
    rtol = _tolerance(dtype)
    for (p_got, s_got), (p_exp, s_exp) in zip(got, expected):
        if not _close(p_got, p_exp, rtol):
            return False
        if not all(key in s_got and _close(s_got[key], value, rtol) for key, value in s_exp.items()):
            return False
    return True


def _identical(a, b) -> bool:
    """Exactly the same answers (NaN equals NaN, -0.0 equals 0.0): a run or a number each."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            _identical(pa, pb) and sa.keys() == sb.keys() and all(_identical(sa[k], sb[k]) for k in sa)
            for (pa, sa), (pb, sb) in zip(a, b))
    if isinstance(a, list) or isinstance(b, list):
        return False
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype == b.dtype and a.tobytes() == b.tobytes():
        return True
    floating = np.issubdtype(a.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)
    return bool(np.array_equal(a, b, equal_nan=floating))


def _describe_case(case) -> str:
    hidden = _(" (a hidden case: the worksheet's own check does not show it)") if case.hidden else ""
    if isinstance(case, ValueCase):
        return _("group '{group}'{hidden} with {inputs}").format(group=_(case.group), hidden=hidden,
                                                                 inputs=fmt(case.kwargs))
    hyper = ", ".join(f"{k}={fmt(v)}" for k, v in case.hyper.items())
    lines = [_("group '{group}'{hidden}, {steps} step(s) with {hyper}").format(
                 group=_(case.group), hidden=hidden, steps=len(case.grads), hyper=hyper),
             f"theta = {fmt(case.param)}", f"state = {fmt(case.state)}"]
    lines += [_("g at step {step} = {value}").format(step=k + 1, value=fmt(g)) for k, g in enumerate(case.grads[:3])]
    if len(case.grads) > 3:
        lines.append(_("... ({count} more steps)").format(count=len(case.grads) - 3))
    return "\n".join(lines)


@dataclass(frozen=True)
class Explanation:
    """What a student's answers are: an accepted variant, a mistake, or a mistake made on top of a variant."""

    variant: Mistake | None
    mistake: Mistake | None
    function: Callable


class Expected:
    """The reference's and every mistake's answers on one item's cases, computed
    once: a notebook check uses them once, the batch grader for every submission."""

    def __init__(self, item, cases):
        self.item, self.cases = item, list(cases)
        self._reference = None
        self._runs: dict = {}
        self._unscored = None
        self._lock = threading.RLock()

    def _run(self, function, case):
        with np.errstate(all="ignore"):
            if self.item.kind == "step":
                return run_steps(function, case, "reference", strict=False)
            return run_value(function, case, "reference", strict=False)

    def reference(self) -> list:
        with self._lock:
            if self._reference is None:
                self._reference = [self._run(self.item.reference, case) for case in self.cases]
            return self._reference

    def runs(self, key, function) -> list:
        """function's answers on every case (None where it raises), computed once per key."""
        with self._lock:
            if key not in self._runs:
                runs = []
                for case in self.cases:
                    try:
                        runs.append(self._run(function, case))
                    except Exception:
                        runs.append(None)
                self._runs[key] = runs
            return self._runs[key]

    def mistake(self, mistake: Mistake) -> list:
        """The mistake's answers (None where it raises on a case)."""
        return self.runs(mistake.name, mistake.function)

    def matches(self, got, expected, case) -> tuple[bool, str]:
        """(True, "") or (False, what differs first, with enough digits to see it)."""
        if not self.agree(got, expected, case):
            return False, self._difference(got, expected, case)
        return True, ""

    def agree(self, got, expected, case) -> bool:
        """Whether got matches expected within the tolerance (matches() without its text)."""
        if got is None or expected is None:
            return False
        if self.item.kind == "step":
            return _steps_close(got, expected, case.param.dtype)
        return bool(np.isclose(got, expected, rtol=self.item.rtol, atol=0.0))

    def _difference(self, got, expected, case) -> str:
        if got is None or expected is None:
            return ""
        if self.item.kind == "step":
            return _steps_match(got, expected, case.param.dtype)[1]
        difference = abs(got - expected)
        numbers = dict(difference=f"{difference:.2g}", rtol=f"{self.item.rtol:g}",
                       relative=f"{difference / abs(expected):.2g}" if expected != 0 else "")
        return "\n".join([_("expected {value}").format(value=f"{expected:.10g}"),
                          _("got      {value}").format(value=f"{got:.10g}"),
                          (_("difference {difference}, relative {relative}; the check allows a relative difference "
                             "of {rtol}") if expected != 0 else
                           _("difference {difference}; the check allows a relative difference of {rtol}")).format(
                              **numbers)])

    def _case_distance(self, got, expected, case) -> float:
        if self.item.kind == "step":
            return _steps_distance(got, expected, case.param.dtype)
        return _distance(got, expected, self.item.rtol)

    def explanations(self, combined: bool) -> list[Explanation]:
        """Every single mistake and variant (combined=False), or every accepted variant with each
        mistake that can be made on top of it (combined=True)."""
        mistakes = self.item.mistakes
        if not combined:
            return [Explanation(m if m.accepted else None, None if m.accepted else m, m.function) for m in mistakes]
        found = []
        for variant in (m for m in mistakes if m.accepted):
            for mistake in (m for m in mistakes if not m.accepted):
                declared = dict(mistake.on_variants).get(variant.name)
                if declared is None and isinstance(mistake.function, ReturnsTheUpdate):
                    declared = mistake.function.on(variant.function)
                if declared is not None:
                    found.append(Explanation(variant, mistake, declared))
        return found

    def distance(self, explanation: Explanation, runs: list) -> float | None:
        """How far the student's runs are from the explanation's answers (largest excess over the
        tolerance, see _excess), or None if some case does not match."""
        function = explanation.function
        if isinstance(function, ReturnsTheUpdate):
            worst = 0.0
            for run, case in zip(runs, self.cases):
                d = function.distance(run, case)
                if d is None:
                    return None
                worst = max(worst, d)
            return worst
        if explanation.variant and explanation.mistake:
            key = (explanation.variant.name, explanation.mistake.name)
        else:
            key = (explanation.mistake or explanation.variant).name   # the same key as mistake() uses
        theirs = self.runs(key, function)
        worst = 0.0
        for got, want, case in zip(runs, theirs, self.cases):
            if not self.agree(got, want, case):
                return None
            worst = max(worst, self._case_distance(got, want, case))
        return worst

    def unscored(self) -> dict:
        """Group -> the names of the known mistakes (not accepted ones) that give exactly the
        reference's answers on every case of that group, for the groups where there are any."""
        with self._lock:
            if self._unscored is None:
                reference, groups = self.reference(), {}
                for index, case in enumerate(self.cases):
                    groups.setdefault(case.group, []).append(index)
                found = {}
                for mistake in self.item.mistakes:
                    if mistake.accepted or isinstance(mistake.function, ReturnsTheUpdate):
                        continue    # the update is never the new parameter (unless theta is 0)
                    runs = self.mistake(mistake)
                    for group, indices in groups.items():
                        if all(runs[i] is not None and _identical(runs[i], reference[i]) for i in indices):
                            found.setdefault(group, []).append(mistake.name)
                self._unscored = {group: tuple(names) for group, names in found.items()}
            return self._unscored


def explain(expected: Expected, runs: list) -> Explanation | None:
    """The explanation of the student's answers, if any explains every one of them.

    Single mistakes and variants first: an accepted variant before a mistake, then the closest
    (smallest distance), then by name. Only when none explains the answers, each accepted variant
    with each mistake made on top of it, the closest first, then by names. The order in which
    an item declares its mistakes does not matter: swapping two never changes the result.
    """
    if any(run is None for run in runs):
        return None
    for combined in (False, True):
        found = []
        for explanation in expected.explanations(combined):
            d = expected.distance(explanation, runs)
            if d is not None:
                a_mistake = explanation.mistake is not None
                names = (explanation.variant.name if explanation.variant else "",
                         explanation.mistake.name if a_mistake else "")
                found.append(((a_mistake, d) + names, explanation))
        if found:
            return min(found, key=lambda entry: entry[0])[1]
    return None


NOT_ATTEMPTED = "the function still raises NotImplementedError: write it, then run this check again"


def judge(item, expected: Expected, outcomes: list[Outcome]) -> CheckResult:
    """Score the student's outcomes on ``expected.cases``; name the mistake or variant they match."""
    if any(outcome.kind == "not attempted" for outcome in outcomes):
        return CheckResult(item.name, "not attempted", 0.0, item.points, diagnosis=_(NOT_ATTEMPTED))
    cases, reference = expected.cases, expected.reference()
    if len(outcomes) != len(cases):
        raise ValueError(f"{item.name}: {len(outcomes)} outcomes for {len(cases)} cases")
    runs = [outcome.value if outcome.kind == "ran" else None for outcome in outcomes]
    passed = [outcome.kind == "ran" and expected.agree(run, want, case)
              for outcome, run, want, case in zip(outcomes, runs, reference, cases)]
    errors = [str(outcome.value) for outcome in outcomes if outcome.kind != "ran"]
    diagnosis = errors[0] if errors else None

    def failure(index, against=None, note="") -> str:
        """Case index shown with what differs (against the reference, or another explanation's runs)."""
        if outcomes[index].kind != "ran":
            return _describe_case(cases[index]) + "\n" + str(outcomes[index].value)
        want = reference[index] if against is None else against[index]
        return _describe_case(cases[index]) + note + "\n" + expected.matches(runs[index], want, cases[index])[1]

    shown = next((index for index, ok in enumerate(passed) if not ok), None)
    first_failure, variant = (None if shown is None else failure(shown)), None
    found = explain(expected, runs)
    if found is not None and found.mistake is None:           # an accepted variant: every group passes
        variant, passed, first_failure = describe(found.variant), [True] * len(cases), None
    elif found is not None and found.variant is None:         # a known mistake
        if not all(passed):
            diagnosis = describe(found.mistake)
    elif found is not None:                                   # a known mistake on top of an accepted variant
        variant = describe(found.variant)
        diagnosis = _("you wrote {variant} (accepted) and also {mistake}").format(
            variant=_(found.variant.name), mistake=describe(found.mistake))
        theirs = expected.mistake(found.variant)
        as_variant = [expected.agree(run, v, case) for run, v, case in zip(runs, theirs, cases)]
        # the case to show: one where the variant gives the reference's answers and the student's do not
        # (the mistake alone shows there), else one where the student's answers are not the variant's
        alone = [not ok and expected.agree(v, want, case)
                 for ok, v, want, case in zip(passed, theirs, reference, cases)]
        if any(alone):
            first_failure = failure(alone.index(True))
        elif not all(as_variant):
            first_failure = failure(as_variant.index(False), against=theirs,
                                    note="\n" + _("(expected here: what {variant} gives)").format(
                                        variant=_(found.variant.name)))
        passed = [ok or same for ok, same in zip(passed, as_variant)]
    if diagnosis is None and status_has_nan(runs):
        diagnosis = _("your function returned NaN or inf: look for a division by zero "
                      "(a bias correction 1 - beta^t with t = 0?) or a square root of a negative number")

    groups: dict[str, bool] = {}
    for case, ok in zip(cases, passed):
        groups[case.group] = groups.get(case.group, True) and ok
    # A group that cannot tell a mistake from the reference gives that mistake no points: passing it
    # counts for nothing for a student whose answers are that mistake, and for everyone where at
    # least half the named mistakes give the reference's answers (zero gradients from a fresh state).
    uninformative = expected.unscored()
    named = [m.name for m in item.mistakes if not m.accepted and not isinstance(m.function, ReturnsTheUpdate)]
    theirs = found.mistake.name if found is not None and found.mistake is not None else None

    def worthless(group) -> bool:
        names = uninformative.get(group, ())
        return bool(names) and (2 * len(names) >= len(named) or theirs in names)

    counted = {group: ok for group, ok in groups.items() if not ok or not worthless(group)}
    unscored = {group: list(uninformative[group]) for group, ok in groups.items() if ok and worthless(group)}
    points = round(item.points * sum(counted.values()) / len(counted), 2) if counted else item.points
    status = "passed" if groups and all(groups.values()) else "failed"
    return CheckResult(item.name, status, points, item.points, counted, diagnosis, variant, first_failure, unscored)


def status_has_nan(runs) -> bool:
    for run in runs:
        if isinstance(run, list):
            if any(not np.all(np.isfinite(p)) for p, _ in run):
                return True
        elif run is not None and not np.isfinite(run):
            return True
    return False


def case_inputs(case):
    """What a case gives the function: (theta, gradients, state, hyper) for a step case, kwargs for a value case."""
    if isinstance(case, StepCase):
        return (case.param, case.grads, case.state, case.hyper)
    return case.kwargs


def same_inputs(a, b) -> bool:
    """Exact equality of two cases' inputs (arrays element by element, dicts key by key)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(same_inputs(a[key], b[key]) for key in a))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(same_inputs(x, y) for x, y in zip(a, b)))
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return bool(a == b)


HIDDEN_DRAWS = 50  # attempts at a set of hidden cases that repeats none of the shown ones


def cases_for(item, seed: int = 0, hidden: bool = False) -> list:
    """The item's cases for a seed: the worksheet's check uses seed 0; the
    batch grader adds cases from a secret seed, marked hidden.

    ``item.cases(rng, hidden)`` draws its cases from rng. With hidden=True it also
    varies the inputs its worksheet cases fix (a step t, a worked example's
    numbers), keeping what each group is named for, so that a student who
    hard-codes the answers the worksheet's check shows earns no hidden points
    with them. No hidden case repeats the inputs of a shown (seed 0) case: where
    a draw does (two random integers can agree), the hidden cases are drawn
    again from the same rng. The one exception is a group in
    ``item.single_input_groups``, which has a single possible input.
    """
    rng = np.random.default_rng([seed, sum(map(ord, item.name))])
    if not hidden:
        return item.cases(rng, hidden=False)
    repeatable = getattr(item, "single_input_groups", ())
    shown = [(case.group, case_inputs(case)) for case in cases_for(item, 0)]
    for _ in range(HIDDEN_DRAWS):
        cases = item.cases(rng, hidden=True)
        if not any(same_inputs(case_inputs(case), inputs) for case in cases for group, inputs in shown
                   if not (case.group == group and group in repeatable)):
            return [dataclasses.replace(case, hidden=True) for case in cases]
    raise RuntimeError(f"{item.name}: {HIDDEN_DRAWS} draws of hidden cases all repeat a case the worksheet shows; "
                       f"its case builder must vary those inputs when hidden=True")


# --- the entry point ---------------------------------------------------------------


def check(name: str, function, seed: int = 0) -> CheckResult:
    """Check the worksheet's function ``name`` against the course's reference.

    Shows (in a notebook) or prints (with ``print``) a report; returns a
    ``CheckResult`` with ``passed``, ``points``, ``max_points`` and ``diagnosis``.
    """
    if name not in ITEMS:
        raise KeyError(f"no check named {name!r}; the checks are: {', '.join(sorted(ITEMS))}")
    item = ITEMS[name]
    if not callable(function):
        return CheckResult(name, "error", 0.0, item.points,
                           diagnosis=_("pass the function itself, {call}, not {kind}").format(
                               call=f"check({name!r}, {name})", kind=type(function).__name__))
    cases = cases_for(item, seed)
    result = judge(item, Expected(item, cases), run_student(item.kind, function, cases, name))
    own = str(getattr(function, "__module__", "")).startswith("course_lib.")   # a reference or mistake, shown in a lesson
    uses = [] if own else withheld_uses(function, item.may_use)
    if uses and result.status != "not attempted":   # in grading these modules are not there: say so here
        return dataclasses.replace(
            result, status="failed", points=0.0,
            diagnosis=(_("{name} uses {module}, which grading withholds (a graded function must compute its answer "
                         "itself, from NumPy and Python), so in grading it fails every case: write it from the "
                         "formula. {diagnosis}") if result.diagnosis else
                       _("{name} uses {module}, which grading withholds (a graded function must compute its answer "
                         "itself, from NumPy and Python), so in grading it fails every case: write it from the "
                         "formula")).format(name=name, module=uses[0], diagnosis=result.diagnosis))
    if result.status == "passed":
        return dataclasses.replace(result, note=GRADED_LIKE_THIS)
    return result


GRADED_LIKE_THIS = ("The cases shown here pass. Grading adds hidden cases like them (other values of the same "
                    "kinds), which a function that computes the rule passes too.")


def withheld_uses(function, may_use=(), depth: int = 3) -> list[str]:
    """What `function` (or a function of the same notebook that it calls) takes from a module that grading
    withholds: a global bound to such a module or to something defined in one, or an import of one."""
    import dis
    import inspect

    from ..grade.sandbox import WITHHELD     # the grader's list: one place says what grading withholds
    withheld_in_grading = (*WITHHELD, "course_lib.checks")

    def withheld(module: str) -> bool:
        return any(module == m or module.startswith(m + ".") for m in withheld_in_grading) and not any(
            module == m or module.startswith(m + ".") for m in may_use)

    found, seen = [], set()

    def visit(fn, depth):
        code = getattr(fn, "__code__", None)
        if code is None or code in seen or depth < 0:
            return
        seen.add(code)
        namespace = dict(getattr(fn, "__globals__", {}))
        for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
            try:
                namespace[name] = cell.cell_contents    # what the function closes over counts too
            except ValueError:                          # an empty cell
                pass
        codes = [code]
        while codes:
            current = codes.pop()
            codes += [c for c in current.co_consts if inspect.iscode(c)]
            imported = ""
            for instruction in dis.get_instructions(current):
                if instruction.opname == "IMPORT_NAME":
                    imported = str(instruction.argval)
                    if withheld(imported):
                        found.append(imported)
                elif instruction.opname == "IMPORT_FROM" and withheld(f"{imported}.{instruction.argval}"):
                    found.append(f"{imported}.{instruction.argval}")        # from course_lib import optim
            for name in current.co_names + current.co_freevars:
                value = namespace.get(name)
                if value is None:
                    continue
                module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
                if isinstance(module, str) and withheld(module):
                    found.append(module if inspect.ismodule(value) else f"{module}.{name}")
                elif inspect.isfunction(value) and value.__module__ == getattr(fn, "__module__", None):
                    visit(value, depth - 1)

    visit(function, depth)
    return list(dict.fromkeys(found))

__all__ = ["check", "CheckResult", "Expected", "Explanation", "Mistake", "Outcome", "ReturnsTheUpdate",
           "returning_the_update", "StepItem", "ValueItem", "StepCase", "ValueCase", "ITEMS", "SECONDS_PER_CALL",
           "cases_for", "describe", "explain", "judge", "register", "sentence", "time_limit"]
