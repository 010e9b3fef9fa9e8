"""Running a student's function on a check's cases: the half of a check that
touches student code.

A check has two halves. This one calls the function on each case and
records what came back (an ``Outcome``); ``_core`` compares the outcomes
with the reference and names the mistake. In a notebook both halves run in
the student's kernel. The batch grader (``course_lib.grade``) runs this half
in a locked-down child process and ``_core``'s half in the trusted grader, so
this module must not hold or import anything the student may not see: no
reference, no case generator. It needs only NumPy.
"""

from __future__ import annotations

import contextlib
import copy
import signal
import threading
import traceback
from dataclasses import dataclass

import numpy as np

SECONDS_PER_CALL = 5.0


@dataclass(frozen=True)
class StepCase:
    group: str                 # "first step (t = 1)", "tiny gradients", ...
    param: np.ndarray
    grads: tuple               # one gradient per step
    state: dict                # the state before the first step
    hyper: dict                # keyword arguments (lr, beta1, ...)
    hidden: bool = False       # a batch-grader case the worksheet never shows


@dataclass(frozen=True)
class ValueCase:
    group: str
    kwargs: dict
    hidden: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a student's function did on one case.

    kind "ran": ``value`` is the run, a list of (param, state) after each step
    for a step item, a float for a value item. "error": ``value`` is a one-line
    reason. "not attempted": the function still raises NotImplementedError.
    """

    kind: str
    value: object = None


class CallTimeout(BaseException):  # not swallowed by a student's `except Exception`
    pass


class StudentError(Exception):
    """The student's function could not be graded on a case; the message says why in one line."""


class NotAttempted(Exception):
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


def call(fn, args, kwargs, name):
    """Call the student's function, turning every way it can go wrong into a one-line StudentError."""
    try:
        with time_limit(SECONDS_PER_CALL):
            return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted()
    except CallTimeout:
        raise StudentError(f"{name} did not return within {SECONDS_PER_CALL:g} s: is there a loop that never ends?")
    except SystemExit:
        raise StudentError(f"{name} called sys.exit() (or raised SystemExit): return a value instead")
    except RecursionError:
        raise StudentError(f"{name} recursed without end (RecursionError)")
    except MemoryError:
        raise StudentError(f"{name} ran out of memory (MemoryError): is an array far larger than the parameters?")
    except Exception as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        raise StudentError(f"{name} raised {type(error).__name__}: {error} (line {where.lineno}: {where.line})")


def fmt(value) -> str:
    """A short, readable rendering of a case's input or output for a report."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=8, edgeitems=3, linewidth=100):
            return f"{np.array2string(value, separator=', ')} ({value.dtype}{'' if value.ndim == 0 else ', shape ' + str(value.shape)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:.10g}"
    return repr(value)


# --- step items ----------------------------------------------------------------


def run_steps(fn, case: StepCase, name: str, strict: bool):
    """Apply fn once per gradient; return [(param, state)] after each step.

    strict (the student's function): check types, shapes, dtypes and that no
    input was changed, raising StudentError with a one-line reason. The
    arrays returned are plain ndarrays (copies), whatever fn returned.
    """
    param, state = case.param.copy(), copy.deepcopy(case.state)
    out = []
    for grad in case.grads:
        inputs = (param, grad.copy(), state)
        snapshot = copy.deepcopy(inputs)
        result = call(fn, inputs, dict(case.hyper), name) if strict else fn(*inputs, **case.hyper)
        if strict:
            result = _validated_step(result, case, name)
            if not _inputs_unchanged(snapshot, inputs):
                raise StudentError(f"{name} changed its inputs in place (e.g. m *= beta1 or param -= ...): "
                                   f"build new arrays instead (m = beta1 * m + ...), so the caller's arrays stay as they were")
        param, state = result
        out.append((np.asarray(param), state))
    return out


def _validated_step(result, case: StepCase, name: str):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise StudentError(f"{name} must return (new_param, new_state), a pair; it returned {fmt(result)[:80]}")
    new_param, new_state = result
    if not isinstance(new_param, (np.ndarray, np.floating)):
        raise StudentError(f"{name} must return new_param as a NumPy array, got {type(new_param).__name__}")
    # A copy as a plain ndarray: a subclass's own __eq__ or arithmetic never reaches the comparison.
    new_param = np.array(new_param, subok=False)
    if new_param.shape != case.param.shape:
        raise StudentError(f"{name} returned new_param of shape {new_param.shape}; param has shape {case.param.shape}")
    if new_param.dtype != case.param.dtype:
        raise StudentError(f"{name} returned new_param as {new_param.dtype}; param was {case.param.dtype} "
                           f"(keep the dtype: avoid np.float64 constants and np.array(..., dtype=float))")
    if not isinstance(new_state, dict):
        raise StudentError(f"{name} must return new_state as a dict, got {type(new_state).__name__}")
    return new_param, new_state


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


# --- value items ------------------------------------------------------------------


def run_value(fn, case: ValueCase, name: str, strict: bool) -> float:
    value = call(fn, (), dict(case.kwargs), name) if strict else fn(**case.kwargs)
    if strict:
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
            raise StudentError(f"{name} must return a number, got {type(value).__name__}: {fmt(value)[:60]}")
        try:
            value = float(value)
        except Exception as error:
            raise StudentError(f"{name} must return a single number, got {fmt(value)[:60]} ({type(error).__name__})")
        if not np.isfinite(value):
            raise StudentError(f"{name} returned {value} for {fmt(case.kwargs)}")
    return float(value)


# --- both --------------------------------------------------------------------------


def run_student(kind: str, fn, cases, name: str) -> list[Outcome]:
    """The student's outcome on every case; stops at the first NotImplementedError."""
    outcomes = []
    for case in cases:
        try:
            with np.errstate(all="ignore"):
                value = run_steps(fn, case, name, strict=True) if kind == "step" else run_value(fn, case, name, strict=True)
            outcomes.append(Outcome("ran", value))
        except NotAttempted:
            return outcomes + [Outcome("not attempted")]
        except StudentError as error:
            outcomes.append(Outcome("error", str(error)))
    return outcomes
