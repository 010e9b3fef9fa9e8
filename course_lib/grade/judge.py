"""Step 3 of the grader's path: judge a submission's answers, in the trusted process.

``Plan`` computes, once per worksheet, every item's cases (the worksheet's
own, then hidden ones from the secret seed) and what the child is told of
them (inputs only). ``judge_row`` turns what the children said (``runs.Run``)
into the submission's row: every answer is checked for type, shape and dtype
against its case before ``course_lib.checks.judge`` compares it with the
reference and names the mistake. Scores come from answers alone: what a
child says it tried (flags, notes) never changes one.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ..checks import ITEMS, WORKSHEET_ITEMS, CheckResult, Expected, cases_for, judge
from ..checks._runner import Outcome
from . import wire

MALFORMED = "the grader received a malformed answer"


class Plan:
    """For one worksheet: each item's cases (the worksheet's own, then hidden ones) and expected answers."""

    def __init__(self, worksheet: str, hidden_seed: int):
        self.worksheet = worksheet
        self.items = [ITEMS[name] for name in WORKSHEET_ITEMS[worksheet]]
        self.expected = {item.name: Expected(item, cases_for(item, 0) + cases_for(item, hidden_seed, hidden=True))
                         for item in self.items}
        self.request = [{"name": item.name, "kind": item.kind,
                         "cases": [_case_for_child(item.kind, case) for case in self.expected[item.name].cases]}
                        for item in self.items]

    @property
    def max_points(self) -> float:
        return sum(item.points for item in self.items)


def _case_for_child(kind: str, case) -> dict:
    """Only the inputs: the child learns nothing else about a case."""
    if kind == "step":
        fields = {"param": case.param, "grads": list(case.grads), "state": case.state, "hyper": case.hyper}
    else:
        fields = {"kwargs": case.kwargs}
    return {k: wire.encode(v) for k, v in fields.items()}


def _outcome(kind: str, case, data) -> Outcome:
    """A child's outcome for a case, checked for type and shape; anything malformed is an error outcome."""
    if not isinstance(data, dict) or data.get("kind") not in ("ran", "error", "not attempted"):
        return Outcome("error", MALFORMED)
    if data["kind"] != "ran":
        return Outcome(data["kind"], str(data.get("value", ""))[:500])
    value = data.get("value")
    if kind == "value":
        if type(value) not in (int, float):
            return Outcome("error", MALFORMED)
        try:
            return Outcome("ran", float(value))
        except OverflowError:
            return Outcome("error", f"{MALFORMED} (a number too large for a float)")
    if not (isinstance(value, list) and len(value) == len(case.grads)):
        return Outcome("error", f"{MALFORMED} (wrong number of steps)")
    run = []
    for step in value:
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], np.ndarray)
                and isinstance(step[1], dict) and all(isinstance(v, np.ndarray) for v in step[1].values())):
            return Outcome("error", MALFORMED)
        param, state = step
        if param.shape != case.param.shape or param.dtype != case.param.dtype:
            return Outcome("error", f"new_theta came back as {param.dtype} of shape {param.shape}; theta was "
                                    f"{case.param.dtype} of shape {case.param.shape}")
        run.append((param, state))
    return Outcome("ran", run)


def judge_item(item, expected: Expected, event: dict | None, stopped: str | None, cell_problems: str) -> CheckResult:
    """Score one item from the child's message about it (None: never answered)."""
    name = item.name
    if event is None:
        why = f"not graded: {stopped}" if stopped else "not graded: the child sent no answers for it"
        return CheckResult(name, "error", 0.0, item.points, diagnosis=why)
    if "stopped" in event:
        return CheckResult(name, "error", 0.0, item.points,
                           diagnosis=f"{name} did not return within the grader's limits: {event['stopped']}")
    if "missing" in event:
        return CheckResult(name, "error", 0.0, item.points, diagnosis=str(event["missing"])[:300] + cell_problems)
    raw = event.get("outcomes")
    cases = expected.cases
    if not isinstance(raw, list) or not raw or len(raw) > len(cases):
        return CheckResult(name, "error", 0.0, item.points, diagnosis="the grader received malformed answers")
    outcomes = [_outcome(item.kind, case, data) for case, data in zip(cases, raw)]
    if len(outcomes) < len(cases) and outcomes[-1].kind != "not attempted":
        return CheckResult(name, "error", 0.0, item.points, diagnosis="the grader received too few answers")
    try:
        return judge(item, expected, outcomes)
    except Exception as error:   # answers the comparison cannot digest are the student's loss, not a crash
        return CheckResult(name, "error", 0.0, item.points,
                           diagnosis=f"the answers could not be compared ({type(error).__name__})")


def new_row(submission, notebook, plan: Plan | None) -> dict:
    return {"student": submission.student, "file": submission.relative, "sha256": notebook.sha256 if notebook else "",
            "worksheet": (notebook.worksheet or "") if notebook else "", "status": "graded", "reason": "",
            "total": 0.0, "max": plan.max_points if plan else 0.0, "items": {}, "cells": [], "flags": [],
            "notes": list(notebook.notes) if notebook else [], "seconds": 0.0,
            "language": notebook.language if notebook else "en"}


def judge_row(row: dict, plan: Plan, run) -> dict:
    """Fill the row (see batch.py) from the children's answers."""
    row["seconds"] = run.seconds
    if run.grader_error:
        row.update(status="grader error", reason=run.grader_error)
    row["cells"] = [run.cells[n] for n in sorted(run.cells)
                    if run.cells[n]["status"] != "ran" or run.cells[n]["message"]][:200]
    broken = [f"code cell {c['cell']} ({c['status']}: {c['message'][:120]})" for c in row["cells"]
              if c["status"] in ("syntax error", "error", "stopped")]
    cell_problems = f"; note that {broken[0]}" if broken else ""
    last_stop = run.stops[-1] if run.stops else None
    if row["status"] != "grader error" and any(name not in run.answers for name in plan.expected):
        row.update(status="incomplete", reason=f"grading stopped early: {last_stop or 'no answers'}")
    for item in plan.items:
        result = judge_item(item, plan.expected[item.name], run.answers.get(item.name), last_stop, cell_problems)
        row["items"][item.name] = asdict(result)
    row["total"] = round(sum(r["points"] for r in row["items"].values()), 2)
    row["flags"] = sorted(set(row["flags"] + run.flags))[:50]
    row["notes"] = list(dict.fromkeys(row["notes"] + run.notes))[:50]
    return row
