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

import contextlib
import copy
import signal
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

ITEMS: dict[str, "StepItem | ValueItem"] = {}
SECONDS_PER_CALL = 5.0


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
class StepCase:
    group: str                 # "first step (t = 1)", "tiny gradients", ...
    param: np.ndarray
    grads: tuple               # one gradient per step
    state: dict                # the state before the first step
    hyper: dict                # keyword arguments (lr, beta1, ...)


@dataclass(frozen=True)
class ValueCase:
    group: str
    kwargs: dict


@dataclass(frozen=True)
class StepItem:
    name: str
    reference: Callable                    # (param, grad, state, **hyper) -> (param, state)
    cases: Callable[[np.random.Generator], list]   # rng -> [StepCase]
    mistakes: tuple = ()
    points: float = 1.0
    state_keys: tuple = ()                 # the worksheet's state layout, for the error message
    kind: str = "step"


@dataclass(frozen=True)
class ValueItem:
    name: str
    reference: Callable                    # (**kwargs) -> number
    cases: Callable[[np.random.Generator], list]   # rng -> [ValueCase]
    mistakes: tuple = ()
    points: float = 1.0
    rtol: float = 1e-6
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


# --- running student code ------------------------------------------------------


class CallTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise CallTimeout if the block runs longer than ``seconds`` (Unix, main thread only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise CallTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class StudentError(Exception):
    """The student's function could not be graded on a case; the message says why in one line."""


class NotAttempted(Exception):
    pass


def _call(fn, args, kwargs, name):
    try:
        with time_limit(SECONDS_PER_CALL):
            return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted()
    except CallTimeout:
        raise StudentError(f"{name} did not return within {SECONDS_PER_CALL:g} s: is there a loop that never ends?")
    except Exception as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        raise StudentError(f"{name} raised {type(error).__name__}: {error} (line {where.lineno}: {where.line})")


def _fmt(value) -> str:
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=8, edgeitems=3, linewidth=100):
            return f"{np.array2string(value, separator=', ')} ({value.dtype}{'' if value.ndim == 0 else ', shape ' + str(value.shape)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:.10g}"
    return repr(value)


def _tolerance(dtype) -> float:
    return 1e-4 if np.dtype(dtype) == np.float32 else 1e-7


def _close(got, expected, rtol) -> bool:
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return False
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    scale = float(finite.max()) if finite.size else 0.0
    return bool(np.allclose(got, expected, rtol=rtol, atol=rtol * 1e-3 * scale, equal_nan=True))


# --- step items ----------------------------------------------------------------


def _run_steps(fn, case: StepCase, name: str, strict: bool):
    """Apply fn once per gradient; return [(param, state)] after each step.

    strict (the student's function): check types, shapes, dtypes, NaN and
    that no input was changed, raising StudentError with a one-line reason.
    """
    param, state = case.param.copy(), copy.deepcopy(case.state)
    out = []
    for k, grad in enumerate(case.grads):
        inputs = (param, grad.copy(), state)
        snapshot = copy.deepcopy(inputs)
        result = _call(fn, inputs, dict(case.hyper), name)
        if strict:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise StudentError(f"{name} must return (new_param, new_state), a pair; it returned {_fmt(result)[:80]}")
            new_param, new_state = result
            if not isinstance(new_param, np.ndarray) and not isinstance(new_param, np.floating):
                raise StudentError(f"{name} must return new_param as a NumPy array, got {type(new_param).__name__}")
            new_param = np.asarray(new_param)
            if new_param.shape != case.param.shape:
                raise StudentError(f"{name} returned new_param of shape {new_param.shape}; param has shape {case.param.shape}")
            if new_param.dtype != case.param.dtype:
                raise StudentError(f"{name} returned new_param as {new_param.dtype}; param was {case.param.dtype} "
                                   f"(keep the dtype: avoid np.float64 constants and np.array(..., dtype=float))")
            if not isinstance(new_state, dict):
                raise StudentError(f"{name} must return new_state as a dict, got {type(new_state).__name__}")
            if not _inputs_unchanged(snapshot, inputs):
                raise StudentError(f"{name} changed its inputs in place (e.g. m *= beta1 or param -= ...): "
                                   f"build new arrays instead (m = beta1 * m + ...), so the caller's arrays stay as they were")
            result = (new_param, new_state)
        param, state = result
        out.append((np.asarray(param), state))
    return out


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    floating = np.issubdtype(a.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)
    return bool(np.array_equal(a, b, equal_nan=floating))  # a NaN carried in the state is not a change


def _inputs_unchanged(snapshot, inputs) -> bool:
    before_param, before_grad, before_state = snapshot
    param, grad, state = inputs
    if not (_same(before_param, param) and _same(before_grad, grad)):
        return False
    return all(_same(value, state.get(key)) for key, value in before_state.items())


def _steps_match(got, expected, dtype) -> tuple[bool, str]:
    """Compare two runs step by step; (True, "") or (False, what differs first)."""
    rtol = _tolerance(dtype)
    for k, ((p_got, s_got), (p_exp, s_exp)) in enumerate(zip(got, expected)):
        if not _close(p_got, p_exp, rtol):
            return False, f"after step {k + 1}: new_param\n  expected {_fmt(p_exp)}\n  got      {_fmt(p_got)}"
        for key, value in s_exp.items():
            if key not in s_got:
                return False, f"after step {k + 1}: new_state has no key {key!r} (it has {sorted(s_got)})"
            if not _close(s_got[key], value, rtol):
                return False, (f"after step {k + 1}: new_state[{key!r}]\n  expected {_fmt(value)}\n"
                               f"  got      {_fmt(s_got[key])}")
    return True, ""


def _describe_case(case: StepCase) -> str:
    hyper = ", ".join(f"{k}={_fmt(v)}" for k, v in case.hyper.items())
    lines = [f"group '{case.group}', {len(case.grads)} step(s) with {hyper}",
             f"param = {_fmt(case.param)}", f"state = {_fmt(case.state)}"]
    lines += [f"grad at step {k + 1} = {_fmt(g)}" for k, g in enumerate(case.grads[:3])]
    if len(case.grads) > 3:
        lines.append(f"... ({len(case.grads) - 3} more steps)")
    return "\n".join(lines)


def _matches_everywhere(runs_a, runs_b, cases) -> bool:
    return all(a is not None and b is not None and _steps_match(a, b, c.param.dtype)[0]
               for a, b, c in zip(runs_a, runs_b, cases))


def _run_quietly(fn, case, name):
    try:
        with np.errstate(all="ignore"):
            return _run_steps(fn, case, name, strict=False)
    except Exception:
        return None


def check_step(item: StepItem, fn, rng: np.random.Generator) -> CheckResult:
    cases = item.cases(rng)
    groups: dict[str, bool] = {}
    student_runs, first_failure, diagnosis = [], None, None
    for case in cases:
        try:
            with np.errstate(all="ignore"):
                run = _run_steps(fn, case, item.name, strict=True)
            expected = _run_steps(item.reference, case, "reference", strict=False)
            ok, difference = _steps_match(run, expected, case.param.dtype)
        except NotAttempted:
            return CheckResult(item.name, "not attempted", 0.0, item.points,
                               diagnosis="the function still raises NotImplementedError: write it, then run this check again")
        except StudentError as error:
            run, ok, difference = None, False, str(error)
            diagnosis = diagnosis or str(error)
        student_runs.append(run)
        groups[case.group] = groups.get(case.group, True) and ok
        if not ok and first_failure is None:
            first_failure = _describe_case(case) + "\n" + difference
    return _conclude(item, groups, student_runs, cases, first_failure, diagnosis, _run_quietly, _matches_everywhere)


def _conclude(item, groups, student_runs, cases, first_failure, diagnosis, run_mistake, matches):
    """Name the mistake or variant the student's answers match, and score."""
    variant = None
    if all(r is not None for r in student_runs):
        for mistake in item.mistakes:
            mistake_runs = [run_mistake(mistake.function, case, mistake.name) for case in cases]
            if matches(student_runs, mistake_runs, cases):
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


# --- value items ------------------------------------------------------------------


def _value_run(fn, case: ValueCase, name: str, strict: bool):
    value = _call(fn, (), dict(case.kwargs), name) if strict else fn(**case.kwargs)
    if strict:
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
            raise StudentError(f"{name} must return a number, got {type(value).__name__}: {_fmt(value)[:60]}")
        if not np.isfinite(float(value)):
            raise StudentError(f"{name} returned {float(value)} for {_fmt(case.kwargs)}")
    return float(value)


def check_value(item: ValueItem, fn, rng: np.random.Generator) -> CheckResult:
    cases = item.cases(rng)
    groups: dict[str, bool] = {}
    student_values, first_failure, diagnosis = [], None, None
    for case in cases:
        try:
            got = _value_run(fn, case, item.name, strict=True)
            expected = _value_run(item.reference, case, "reference", strict=False)
            ok = bool(np.isclose(got, expected, rtol=item.rtol, atol=0.0))
            difference = f"expected {expected:.10g}\ngot      {got:.10g}"
        except NotAttempted:
            return CheckResult(item.name, "not attempted", 0.0, item.points,
                               diagnosis="the function still raises NotImplementedError: write it, then run this check again")
        except StudentError as error:
            got, ok, difference = None, False, str(error)
            diagnosis = diagnosis or str(error)
        student_values.append(got)
        groups[case.group] = groups.get(case.group, True) and ok
        if not ok and first_failure is None:
            first_failure = f"group '{case.group}' with {_fmt(case.kwargs)}\n{difference}"

    def run_mistake(function, case, name):
        try:
            return float(function(**case.kwargs))
        except Exception:
            return None

    def matches(got, mistaken, cases_):
        return all(a is not None and b is not None and np.isclose(a, b, rtol=item.rtol, atol=0.0)
                   for a, b in zip(got, mistaken))

    return _conclude(item, groups, student_values, cases, first_failure, diagnosis, run_mistake, matches)


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
    rng = np.random.default_rng([seed, sum(map(ord, name))])
    if isinstance(item, StepItem):
        return check_step(item, function, rng)
    return check_value(item, function, rng)


__all__ = ["check", "CheckResult", "Mistake", "returning_the_update", "StepItem", "ValueItem", "StepCase", "ValueCase", "ITEMS",
           "register", "time_limit"]
