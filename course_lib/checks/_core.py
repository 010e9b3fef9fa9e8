"""The engine behind every worksheet check.

A graded item is a function the student writes. ``check(name, function)``
runs it on seeded cases against the reference built from ``course_lib``,
and returns a ``CheckResult`` whose display is a short report: which case
groups pass, the first failing case with its inputs, what was expected and
what came back, and, when the answers match a known mistake, its name and
how to fix it.

Two kinds of item:

``StepItem``: an update rule with the worksheet's contract
    ``new_param, new_state = fn(param, grad, state, **hyperparameters)``.
    A case is a start (param, state) and a sequence of gradients; the step is
    applied once per gradient with the student's own state carried forward,
    and param and every state entry are compared after each step.

``ValueItem``: a function returning a number (a threshold, a first step),
    called with several sets of arguments.

Mistakes are wrong versions of the reference (mutants), run on the same
cases: a student whose every answer matches one of them gets its diagnosis.
A mistake marked ``accepted`` is a legitimate variant: it passes, and the
report says which variant it is and which one the worksheet asked for.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._runner import (SECONDS_PER_CALL, Outcome, StepCase, ValueCase, fmt, run_steps, run_student, run_value,
                      time_limit)

ITEMS: dict[str, "StepItem | ValueItem"] = {}


def register(item):
    if item.name in ITEMS:
        raise ValueError(f"a check named {item.name!r} is already registered")
    ITEMS[item.name] = item
    return item


# --- what a check is made of --------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A known wrong (or, if accepted, alternative) version of the reference."""

    name: str           # "forgot the bias correction"
    explanation: str    # what it does wrong and how to fix it, in a sentence or two
    function: Callable  # same signature as the reference
    accepted: bool = False


@dataclass(frozen=True)
class StepItem:
    name: str
    reference: Callable                    # (param, grad, state, **hyper) -> (param, state)
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


def returning_the_update(reference: Callable) -> Callable:
    """The mistake "returned the update instead of the new parameter", for any step item:
    the reference's step, new_param - param, handed back where new_param belongs."""
    def returns_the_update(param, grad, state, *hyperparameters, **named_hyperparameters):
        new_param, new_state = reference(param, grad, state, *hyperparameters, **named_hyperparameters)
        return new_param - param, new_state
    return returns_the_update


# --- the result --------------------------------------------------------------


@dataclass
class CheckResult:
    """What a check found: shown as its report in a notebook, reused by the grader."""

    item: str
    status: str                       # "passed", "failed", "not attempted", "error"
    points: float
    max_points: float
    groups: dict = field(default_factory=dict)   # case group -> passed?
    diagnosis: str | None = None      # the named mistake, or what went wrong, in one line
    variant: str | None = None        # an accepted variant the answer matches
    first_failure: str | None = None  # the first failing case, with inputs, expected and got

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def report(self) -> str:
        mark = {"passed": "passed", "failed": "FAILED", "not attempted": "not attempted yet", "error": "FAILED"}
        lines = [f"{self.item}: {mark[self.status]} ({self.points:g} / {self.max_points:g} points)"]
        if self.groups:
            passed = sum(self.groups.values())
            lines.append(f"  case groups passed: {passed} of {len(self.groups)}")
            lines += [f"    [{'x' if ok else ' '}] {group}" for group, ok in self.groups.items()]
        if self.variant:
            lines.append(f"  Variant: {self.variant}")
        if self.diagnosis:
            lines.append(f"  Diagnosis: {self.diagnosis}")
        if self.first_failure:
            lines.append("  First failing case:")
            lines += ["    " + line for line in self.first_failure.splitlines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _repr_pretty_(self, printer, cycle) -> None:  # how IPython shows it
        printer.text(self.report())


# --- comparing the student's outcomes with the reference -------------------------


def _tolerance(dtype) -> float:
    return 1e-4 if np.dtype(dtype) == np.float32 else 1e-7


def _close(got, expected, rtol) -> bool:
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return False
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    scale = float(finite.max()) if finite.size else 0.0
    return bool(np.allclose(got, expected, rtol=rtol, atol=rtol * 1e-3 * scale, equal_nan=True))


def _steps_match(got, expected, dtype) -> tuple[bool, str]:
    """Compare two runs step by step; (True, "") or (False, what differs first)."""
    rtol = _tolerance(dtype)
    for k, ((p_got, s_got), (p_exp, s_exp)) in enumerate(zip(got, expected)):
        if not _close(p_got, p_exp, rtol):
            return False, f"after step {k + 1}: new_param\n  expected {fmt(p_exp)}\n  got      {fmt(p_got)}"
        for key, value in s_exp.items():
            if key not in s_got:
                return False, f"after step {k + 1}: new_state has no key {key!r} (it has {sorted(s_got)})"
            if not _close(s_got[key], value, rtol):
                return False, (f"after step {k + 1}: new_state[{key!r}]\n  expected {fmt(value)}\n"
                               f"  got      {fmt(s_got[key])}")
    return True, ""


def _describe_case(case) -> str:
    hidden = " (a hidden case: the worksheet's own check does not show it)" if case.hidden else ""
    if isinstance(case, ValueCase):
        return f"group '{case.group}'{hidden} with {fmt(case.kwargs)}"
    hyper = ", ".join(f"{k}={fmt(v)}" for k, v in case.hyper.items())
    lines = [f"group '{case.group}'{hidden}, {len(case.grads)} step(s) with {hyper}",
             f"param = {fmt(case.param)}", f"state = {fmt(case.state)}"]
    lines += [f"grad at step {k + 1} = {fmt(g)}" for k, g in enumerate(case.grads[:3])]
    if len(case.grads) > 3:
        lines.append(f"... ({len(case.grads) - 3} more steps)")
    return "\n".join(lines)


class Expected:
    """The reference's and every mistake's answers on one item's cases, computed
    once: a notebook check uses them once, the batch grader for every submission."""

    def __init__(self, item, cases):
        self.item, self.cases = item, list(cases)
        self._reference = None
        self._mistakes: dict[str, list] = {}
        self._lock = threading.Lock()

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

    def mistake(self, mistake: Mistake) -> list:
        """The mistake's answers (None where it raises on a case)."""
        with self._lock:
            if mistake.name not in self._mistakes:
                runs = []
                for case in self.cases:
                    try:
                        runs.append(self._run(mistake.function, case))
                    except Exception:
                        runs.append(None)
                self._mistakes[mistake.name] = runs
            return self._mistakes[mistake.name]

    def matches(self, got, expected, case) -> tuple[bool, str]:
        if got is None or expected is None:
            return False, ""
        if self.item.kind == "step":
            return _steps_match(got, expected, case.param.dtype)
        ok = bool(np.isclose(got, expected, rtol=self.item.rtol, atol=0.0))
        return ok, f"expected {expected:.10g}\ngot      {got:.10g}"


NOT_ATTEMPTED = "the function still raises NotImplementedError: write it, then run this check again"


def judge(item, expected: Expected, outcomes: list[Outcome]) -> CheckResult:
    """Score the student's outcomes on ``expected.cases``; name the mistake or variant they match."""
    if any(outcome.kind == "not attempted" for outcome in outcomes):
        return CheckResult(item.name, "not attempted", 0.0, item.points, diagnosis=NOT_ATTEMPTED)
    cases, reference = expected.cases, expected.reference()
    if len(outcomes) != len(cases):
        raise ValueError(f"{item.name}: {len(outcomes)} outcomes for {len(cases)} cases")
    groups: dict[str, bool] = {}
    student_runs, first_failure, diagnosis = [], None, None
    for case, outcome, want in zip(cases, outcomes, reference):
        if outcome.kind == "ran":
            run = outcome.value
            ok, difference = expected.matches(run, want, case)
        else:
            run, ok, difference = None, False, str(outcome.value)
            diagnosis = diagnosis or str(outcome.value)
        student_runs.append(run)
        groups[case.group] = groups.get(case.group, True) and ok
        if not ok and first_failure is None:
            first_failure = _describe_case(case) + "\n" + difference

    variant = None
    if all(run is not None for run in student_runs):
        for mistake in item.mistakes:
            mistaken = expected.mistake(mistake)
            if all(expected.matches(a, b, case)[0] for a, b, case in zip(student_runs, mistaken, cases)):
                if mistake.accepted:
                    variant = f"{mistake.name}. {mistake.explanation}"
                    groups = {group: True for group in groups}
                    first_failure = None
                elif not all(groups.values()):
                    diagnosis = f"{mistake.name}. {mistake.explanation}"
                break
    if diagnosis is None and status_has_nan(student_runs):
        diagnosis = ("your function returned NaN or inf: look for a division by zero "
                     "(a bias correction 1 - beta^t with t = 0?) or a square root of a negative number")
    passed_groups = sum(groups.values())
    points = round(item.points * passed_groups / len(groups), 2) if groups else 0.0
    status = "passed" if groups and all(groups.values()) else "failed"
    return CheckResult(item.name, status, points, item.points, groups, diagnosis, variant, first_failure)


def status_has_nan(runs) -> bool:
    for run in runs:
        if isinstance(run, list):
            if any(not np.all(np.isfinite(p)) for p, _ in run):
                return True
        elif run is not None and not np.isfinite(run):
            return True
    return False


def case_inputs(case):
    """What a case gives the function: (param, grads, state, hyper) for a step case, kwargs for a value case."""
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
                           diagnosis=f"pass the function itself, check({name!r}, {name}), not {type(function).__name__}")
    cases = cases_for(item, seed)
    return judge(item, Expected(item, cases), run_student(item.kind, function, cases, name))

__all__ = ["check", "CheckResult", "Expected", "Mistake", "Outcome", "returning_the_update", "StepItem", "ValueItem",
           "StepCase", "ValueCase", "ITEMS", "SECONDS_PER_CALL", "cases_for", "judge", "register", "time_limit"]
