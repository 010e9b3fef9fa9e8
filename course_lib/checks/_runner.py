"""Running a student's function on a check's cases: the half of a check that
touches student code.

A check has two halves. This one calls the function on each case and
records what came back (an ``Outcome``); ``_core`` compares the outcomes
with the reference and names the mistake. In a notebook both halves run in
the student's kernel. The batch grader (``course_lib.grade``) runs this half
in a locked-down child process and ``_core``'s half in the trusted grader, so
this module must not hold or import anything the student may not see: no
reference, no case generator. It needs only NumPy, and ``N_`` from course_lib.i18n
(which returns its message unchanged).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import linecache
import re
import signal
import threading
import traceback
from dataclasses import dataclass

import numpy as np

# This half writes its messages in English wherever it runs, in a notebook or in the grader's child
# (whose i18n has no catalogue); a report translates them when it is shown (i18n.translated).
from ..i18n import N_

SECONDS_PER_CALL = 5.0


@dataclass(frozen=True)
class StepCase:
    group: str                 # "first step (t = 1)", "tiny gradients", ...
    param: np.ndarray          # theta before the first step
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

    kind "ran": ``value`` is the run, a list of (theta, state) after each step
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


def call(fn, args, kwargs, name, arg_names=(), explain=None):
    """Call the student's function, turning every way it can go wrong into a one-line StudentError.

    arg_names: what the positional arguments are called in the worksheet (for a message about a
    signature that does not fit). explain(error) may return a better message for an exception
    the function raised (a missing state key, say), or None.
    """
    try:
        with time_limit(SECONDS_PER_CALL):
            return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted()
    except CallTimeout:
        raise StudentError(N_("{name} did not return within {seconds} s: is there a loop that never ends?").format(
            name=name, seconds=f"{SECONDS_PER_CALL:g}"))
    except SystemExit:
        raise StudentError(N_("{name} called sys.exit() (or raised SystemExit): return a value instead").format(name=name))
    except RecursionError:
        raise StudentError(N_("{name} recursed without end (RecursionError)").format(name=name))
    except MemoryError:
        raise StudentError(N_("{name} ran out of memory (MemoryError): is an array far larger than the parameters?")
                           .format(name=name))
    except Exception as error:
        if isinstance(error, TypeError) and error.__traceback__ is not None and error.__traceback__.tb_next is None:
            # raised by the call itself, before any line of fn ran: the parameters do not fit the worksheet's call
            raise StudentError(_signature_mismatch(fn, args, kwargs, name, arg_names, error))
        message = explain(error) if explain is not None else None
        raise StudentError(message or N_("{name} raised {error_type}: {error}{line}").format(
            name=name, error_type=type(error).__name__, error=error, line=where(fn, error)))


def where(fn, error: BaseException) -> str:
    """" (line 6: m = beta1 * m + g)": the line of the student's code that raised, or " (line 6 of cell 3)"
    when its source is not at hand (a cell the grader ran), or "" when no line of theirs is involved."""
    frames = traceback.extract_tb(error.__traceback__)[1:]   # [0] is call()'s own frame
    if not frames:
        return ""
    own_file = getattr(getattr(fn, "__code__", None), "co_filename", None)
    own = [frame for frame in frames if frame.filename == own_file]
    frame = own[-1] if own else frames[-1]
    text = (frame.line or "").strip() or _line_of(fn, frame)
    if text:
        return N_(" (line {number}: {code})").format(number=frame.lineno, code=text)
    cell = re.fullmatch(r"<cell (\d+)>", frame.filename or "")
    return (N_(" (line {number} of cell {cell})").format(number=frame.lineno, cell=cell.group(1)) if cell
            else N_(" (line {number})").format(number=frame.lineno))


def _line_of(fn, frame) -> str:
    """The frame's line from the source of fn's module, when its loader can give it (what inspect.getsource
    reads too); "" for a cell run from a string, whose source no loader holds."""
    if frame.filename != getattr(getattr(fn, "__code__", None), "co_filename", None):
        return ""
    return linecache.getline(frame.filename, frame.lineno, getattr(fn, "__globals__", None)).strip()


def _signature_mismatch(fn, args, kwargs, name, arg_names, error) -> str:
    """What the worksheet passed, what fn's parameters are, and which names differ."""
    names = list(arg_names) + [f"arg{k}" for k in range(len(arg_names), len(args))]
    passed = ", ".join(names[:len(args)] + [f"{key}={_short(value)}" for key, value in kwargs.items()])
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return N_("{name} could not be called as the worksheet calls it, {call} (TypeError: {error})").format(
            name=name, call=f"{name}({passed})", error=error)
    parameters = signature.parameters
    kinds = inspect.Parameter
    any_keyword = any(p.kind is kinds.VAR_KEYWORD for p in parameters.values())
    unknown = [key for key in kwargs if not any_keyword
               and (key not in parameters or parameters[key].kind in (kinds.POSITIONAL_ONLY, kinds.VAR_POSITIONAL))]
    worksheet_call = f"{name}({', '.join(names[:len(args)] + list(kwargs))})"
    if unknown:
        called = ", ".join(f"{key}={_short(kwargs[key])}" for key in unknown)
        # fn's own names for what the worksheet passes by keyword: its parameters that nothing fills
        filled = [p.name for p in parameters.values() if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
        theirs = [p.name for p in parameters.values() if p.name not in filled[:len(args)] and p.name not in kwargs
                  and p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)]
        rename = (N_(" (rename {renames})").format(renames=" and ".join(
            N_("{old} to {new}").format(old=old, new=new) for old, new in zip(theirs, unknown)))
                  if len(theirs) == len(unknown) else "")
        return N_("{name} was called with {called}, as the worksheet calls it, but its parameters are "
                  "{signature}: keep the worksheet's names{rename}, {call} (TypeError: {error})").format(
            name=name, called=called, signature=signature, rename=rename, call=worksheet_call, error=error)
    return N_("{name} was called as {call}, as the worksheet calls it, but its parameters are {signature}: "
              "give it the worksheet's parameters, {worksheet_call} (TypeError: {error})").format(
        name=name, call=f"{name}({passed})", signature=signature, worksheet_call=worksheet_call, error=error)


def _short(value) -> str:
    """A keyword argument's value in a message: numbers in full, arrays and the like by their kind."""
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return fmt(float(value)) if isinstance(value, (float, np.floating)) else repr(value)
    return "..."


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
    """Apply fn once per gradient; return [(theta, state)] after each step.

    strict (the student's function): check types, shapes, dtypes and that no
    input was changed, raising StudentError with a one-line reason. The
    arrays returned are plain ndarrays (copies), whatever fn returned.
    """
    param, state = case.param.copy(), copy.deepcopy(case.state)
    out = []
    for step, grad in enumerate(case.grads):
        if not strict:
            result = fn(param, grad.copy(), state, **case.hyper)
        else:
            inputs = (param, grad.copy(), _State(state))
            snapshot, entries = copy.deepcopy(inputs), dict(state)   # entries: the caller's arrays themselves
            result = call(fn, inputs, dict(case.hyper), name, STEP_ARGUMENTS,
                          explain=lambda error: _missing_key(error, fn, name, inputs[2], case.state, step))
            result = _validated_step(result, case, name)
            changed = _changed_inputs(snapshot, inputs, entries, name)
            if changed:
                raise StudentError(changed)
        param, state = result
        out.append((np.asarray(param), state))
    return out


STEP_ARGUMENTS = ("theta", "g", "state")   # what the worksheets call them


class _State(dict):
    """The state as the student's function receives it: a dict that remembers the last key it was
    asked for and did not have, so that a KeyError can be told apart from one of another dict's."""

    def __missing__(self, key):
        self.missing = key
        raise KeyError(key)


def _keys(state: dict) -> str:
    return ", ".join(repr(key) for key in state) if state else N_("none")


def _missing_key(error, fn, name, state, worksheet_state, step) -> str | None:
    """The message for a KeyError whose key the state fn was given lacks (a renamed entry, say)."""
    if not (isinstance(error, KeyError) and len(error.args) == 1 and "missing" in vars(state)):
        return None
    key = error.args[0]
    if key != state.missing or key in state:   # a KeyError from another dict, or the state has it by now
        return None
    line = where(fn, error)
    if step == 0 or key not in worksheet_state:
        return N_("{name} asked for the state entry {key}{line}, but the state has only the keys {keys}: "
                  "use the worksheet's names for the state's entries (KeyError)").format(
            name=name, key=repr(key), line=line, keys=_keys(worksheet_state))
    return N_("{name} asked for the state entry {key} at step {step}{line}, but the state it returned at step "
              "{previous} has only the keys {keys}: return the state with the worksheet's keys ({worksheet_keys}), "
              "so that the next step finds them (KeyError)").format(
        name=name, key=repr(key), step=step + 1, line=line, previous=step, keys=_keys(state),
        worksheet_keys=_keys(worksheet_state))


def _changed_inputs(snapshot, inputs, entries: dict, name) -> str | None:
    """Why the call changed what the caller passed (arrays written in place, or the state dict itself), or None."""
    (before_theta, before_g, before_state), (theta, g, state) = snapshot, inputs
    arrays = [("theta", before_theta, theta), ("g", before_g, g)]
    arrays += [(f"state[{key!r}]", value, entries.get(key)) for key, value in before_state.items()]
    written = [label for label, before, now in arrays if not _same(before, now)]
    if written:
        return N_("{name} changed its inputs in place ({written}; e.g. m *= beta1 or theta -= ...): build new "
                  "arrays instead (m = beta1 * m + ...), so the caller's arrays stay as they were").format(
            name=name, written=", ".join(written))
    written = [f"state[{key!r}] = ..." for key in state if key not in entries or state[key] is not entries[key]]
    written += [f"del state[{key!r}]" for key in entries if key not in state]
    if not written:
        return None
    new_state = "new_state = {" + ", ".join(f"{key!r}: ..." for key in before_state) + "}"
    return N_("{name} changed the caller's state dict ({written}): build and return a new dict instead, "
              "{new_state}, so that the caller's state stays as it was").format(
        name=name, written=", ".join(written), new_state=new_state)


def _validated_step(result, case: StepCase, name: str):
    if isinstance(result, list) and len(result) == 2:
        raise StudentError(N_("{name} returned a list of 2; return a tuple (new_theta, new_state): "
                              "return new_theta, new_state").format(name=name))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise StudentError(N_("{name} must return (new_theta, new_state), a pair; it returned {value}").format(
            name=name, value=fmt(result)[:80]))
    new_theta, new_state = result
    if not isinstance(new_theta, (np.ndarray, np.floating)):
        raise StudentError(N_("{name} must return new_theta as a NumPy array, got {kind}").format(
            name=name, kind=type(new_theta).__name__))
    # A copy as a plain ndarray: a subclass's own __eq__ or arithmetic never reaches the comparison.
    new_theta = np.array(new_theta, subok=False)
    if new_theta.shape != case.param.shape:
        raise StudentError(N_("{name} returned new_theta of shape {shape}; theta has shape {theta_shape}").format(
            name=name, shape=new_theta.shape, theta_shape=case.param.shape))
    if new_theta.dtype != case.param.dtype:
        raise StudentError(N_("{name} returned new_theta as {dtype}; theta was {theta_dtype} (keep the dtype: "
                              "avoid np.float64 constants and np.array(..., dtype=float))").format(
            name=name, dtype=new_theta.dtype, theta_dtype=case.param.dtype))
    if not isinstance(new_state, dict):
        raise StudentError(N_("{name} must return new_state as a dict, got {kind}").format(
            name=name, kind=type(new_state).__name__))
    return new_theta, new_state


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    floating = np.issubdtype(a.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)
    return bool(np.array_equal(a, b, equal_nan=floating))  # a NaN carried in the state is not a change


# --- value items ------------------------------------------------------------------


def run_value(fn, case: ValueCase, name: str, strict: bool) -> float:
    value = call(fn, (), dict(case.kwargs), name) if strict else fn(**case.kwargs)
    if strict:
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
            raise StudentError(N_("{name} must return a number, got {kind}: {value}").format(
                name=name, kind=type(value).__name__, value=fmt(value)[:60]))
        try:
            value = float(value)
        except Exception as error:
            raise StudentError(N_("{name} must return a single number, got {value} ({error_type})").format(
                name=name, value=fmt(value)[:60], error_type=type(error).__name__))
        if not np.isfinite(value):
            raise StudentError(N_("{name} returned {value} for {inputs}").format(
                name=name, value=value, inputs=fmt(case.kwargs)))
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
