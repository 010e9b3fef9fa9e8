"""Grading a folder of submissions: plan, run children in parallel, judge, write.

Output, in the folder given by --out (created with mode 0700: children cannot
read it):

    grades.csv            one row per submission: student, worksheet, file,
                          status, reason, total, max, points per item, flags
    grades.json           the same rows with every item's full result
    feedback/<student>/<NN-topic>.txt   the reports the worksheet's checks show
    results/<file>.json   one per submission, written as it is graded: the
                          batch can be stopped and resumed at any point
    hidden-seed           the secret seed of the hidden cases (mode 0600)

A submission whose file and grader are unchanged since its result was
written is not graded again, so re-running the same command after an
interruption finishes the rest, and a second run changes nothing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import hashlib
import io
import json
import os
import re
import secrets
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import checks
from ..checks import ITEMS, WORKSHEET_ITEMS, CheckResult, Expected, cases_for, judge
from ..checks._runner import Outcome
from . import submissions as subs
from . import wire
from .sandbox import Limits, Sandbox, SandboxError

GRADER_FILES = ["checks/*.py", "grade/*.py", "grade/view/*.py", "optim/*.py", "schedules.py", "landscapes.py"]
ADVICE = {
    "reference": "graded functions must compute the answer themselves, not call the course's reference",
    "files": "graded code may read only the Python installation and write only its own folder",
    "processes": "graded code may not start or signal processes",
    "network": "graded code may not use the network",
    "native code": "graded code may not load or call C code",
    "inspection": "graded code may not inspect the grader",
}


# --- the plan: cases per worksheet, computed once ------------------------------


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


# --- judging one child's answers ---------------------------------------------------


def _outcome(kind: str, case, data) -> Outcome:
    """A child's outcome for a case, checked for shape; anything malformed is an error outcome."""
    if not isinstance(data, dict) or data.get("kind") not in ("ran", "error", "not attempted"):
        return Outcome("error", "the grader received a malformed answer")
    if data["kind"] != "ran":
        return Outcome(data["kind"], str(data.get("value", ""))[:500])
    value = data.get("value")
    if kind == "value":
        if type(value) not in (int, float):
            return Outcome("error", "the grader received a malformed answer")
        return Outcome("ran", float(value))
    if not (isinstance(value, list) and len(value) == len(case.grads)):
        return Outcome("error", "the grader received a malformed answer (wrong number of steps)")
    run = []
    for step in value:
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], np.ndarray)
                and isinstance(step[1], dict) and all(isinstance(v, np.ndarray) for v in step[1].values())):
            return Outcome("error", "the grader received a malformed answer")
        param, state = step
        if param.shape != case.param.shape or param.dtype != case.param.dtype:
            return Outcome("error", f"new_param came back as {param.dtype} of shape {param.shape}; param was "
                                    f"{case.param.dtype} of shape {case.param.shape}")
        run.append((param, state))
    return Outcome("ran", run)


def judge_item(item, expected: Expected, event: dict | None, stopped: str | None, cell_problems: str,
               violations=()) -> CheckResult:
    """Score one item from the child's message about it (None: never answered) and what it was refused."""
    name = item.name
    if violations:
        kind, what = violations[0]
        return CheckResult(name, "failed", 0.0, item.points,
                           diagnosis=f"scored 0: {name} tried to {what[:200]}; {ADVICE.get(kind, 'not allowed')}.")
    if event is None:
        why = f"not graded: {stopped}" if stopped else "not graded: the child sent no answers for it"
        return CheckResult(name, "error", 0.0, item.points, diagnosis=why)
    if "missing" in event:
        return CheckResult(name, "error", 0.0, item.points,
                           diagnosis=str(event["missing"])[:300] + cell_problems)
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


def _text(value, limit=400) -> str:
    return value[:limit] if isinstance(value, str) else ""


class Transcript:
    """One child's messages, read in order, trusting nothing: a field of the wrong type makes the
    message count as garbled. Violations belong to the cell or item that was running when they came."""

    def __init__(self, events, item_names):
        self.cells, self.items, self.violations = {}, {}, []     # violations: (where, kind, what)
        self.garbled, self.finished, self.at = 0, False, None     # at: ("cell", n) or ("item", name)
        for event in events:
            kind, name = event.get("event"), event.get("name")
            name = name if isinstance(name, str) and name in item_names else None
            if kind == "cell start" and type(event.get("cell")) is int:
                self.at = ("cell", event["cell"])
            elif kind == "item start" and name:
                self.at = ("item", name)
            elif kind == "violation" and isinstance(event.get("kind"), str) and isinstance(event.get("what"), str):
                try:
                    what = bytes.fromhex(event["what"]).decode("utf-8", "replace")
                    category = bytes.fromhex(event["kind"]).decode("utf-8", "replace")
                except ValueError:
                    self.garbled += 1
                    continue
                self.violations.append((self.at, category, what))
            elif kind == "cell" and type(event.get("cell")) is int and isinstance(event.get("status"), str):
                self.cells.setdefault(event["cell"], {"cell": event["cell"], "status": _text(event["status"], 40),
                                                      "message": _text(event.get("message"))})
            elif kind == "item" and name and name not in self.items:
                self.items[name] = event
            elif kind == "done":
                self.finished = True
            elif kind not in ("ready", "setup failed"):
                self.garbled += 1


MAX_RUNS = 3


def grade_submission(submission, notebook, plan: Plan | None, sandbox: Sandbox) -> dict:
    """One result row (see the module's docstring)."""
    row = {"student": submission.student, "file": submission.relative, "sha256": notebook.sha256,
           "worksheet": notebook.worksheet or "", "status": "graded", "reason": "", "total": 0.0,
           "max": plan.max_points if plan else 0.0, "items": {}, "cells": [], "flags": [],
           "notes": list(notebook.notes), "seconds": 0.0}
    if notebook.problem:
        row.update(status="unreadable", reason=f"the file {notebook.problem}")
        return row
    if plan is None:
        row.update(status="unknown worksheet",
                   reason="neither its metadata nor its name says which worksheet it is (name it NN-topic.ipynb)")
        return row
    # A child that a cell or an item stops (a loop that swallows the timer, os._exit, a crash) is
    # followed by a fresh one without that cell, for the items not graded yet: one student's
    # endless loop in adam_step costs adam_step, not the whole worksheet.
    answers, refused, cell_reports, stops = {}, {}, {}, []
    item_names = set(plan.expected)
    # Items the worksheet tells students to solve with course_lib.optim get a child of their own
    # that has it; every other item is graded where the reference does not exist.
    groups = [([i.name for i in plan.items if not i.may_use], False), ([i.name for i in plan.items if i.may_use], True)]
    for pending, with_reference in groups:
        cells = list(notebook.cells)
        for attempt in range(MAX_RUNS if pending else 0):
            report = sandbox.run(cells, [r for r in plan.request if r["name"] in pending], with_reference)
            row["seconds"] = round(row["seconds"] + report.seconds, 2)
            if report.grader_error:
                row.update(status="grader error", reason=report.stopped)
                break
            transcript = Transcript(report.events, item_names)
            for number, cell in transcript.cells.items():
                cell_reports.setdefault(number, cell)
            for where, kind, what in transcript.violations:
                if where and where[0] == "item":
                    refused.setdefault(where[1], []).append((kind, what))
                elif kind == "reference":
                    row["notes"].append(f"code cell {where[1] if where else '?'}: tried to {what}")
                else:
                    row["flags"].append(f"code cell {where[1] if where else '?'}: tried to {what}")
            if transcript.garbled:
                row["flags"].append(f"{transcript.garbled} message(s) to the grader were not the grader's: "
                                    f"the notebook wrote to the grader's pipe")
            answers.update((name, event) for name, event in transcript.items.items() if name in pending)
            pending = [name for name in pending if name not in answers]
            if report.stopped is None or not pending:
                break
            stops.append(report.stopped)
            if transcript.at and transcript.at[0] == "item":
                stuck = transcript.at[1]
                answers[stuck] = {"name": stuck, "stopped": report.stopped}
                pending = [name for name in pending if name != stuck]
                row["notes"].append(f"{stuck} stopped the grading run ({report.stopped}); "
                                    f"the items after it were graded in a fresh process")
            elif transcript.at and transcript.at[0] == "cell":
                stuck = transcript.at[1]
                cells = [cell for cell in cells if cell["cell"] != stuck]
                cell_reports[stuck] = {"cell": stuck, "status": "stopped",
                                       "message": f"{report.stopped}; graded again without this cell"}
            else:
                break
        if row["status"] == "grader error":
            break
    row["cells"] = [cell_reports[n] for n in sorted(cell_reports)
                    if cell_reports[n]["status"] != "ran" or cell_reports[n]["message"]][:200]
    broken = [f"code cell {c['cell']} ({c['status']}: {c['message'][:120]})" for c in row["cells"]
              if c["status"] in ("syntax error", "error", "stopped")]
    cell_problems = f"; note that {broken[0]}" if broken else ""
    if row["status"] != "grader error" and any(name not in answers for name in plan.expected):
        row.update(status="incomplete", reason=f"grading stopped early: {stops[-1] if stops else 'no answers'}")
    for item in plan.items:
        event = answers.get(item.name)
        if event is not None and "stopped" in event:
            result = CheckResult(item.name, "error", 0.0, item.points,
                                 diagnosis=f"{item.name} did not return within the grader's limits: {event['stopped']}")
            if refused.get(item.name):
                result = judge_item(item, plan.expected[item.name], None, None, "", refused[item.name])
        else:
            result = judge_item(item, plan.expected[item.name], event, stops[-1] if stops else None, cell_problems,
                                refused.get(item.name, ()))
        row["items"][item.name] = asdict(result)
    row["total"] = round(sum(r["points"] for r in row["items"].values()), 2)
    row["flags"] = sorted(set(row["flags"]))[:50]
    row["notes"] = list(dict.fromkeys(row["notes"]))[:50]
    if refused:
        row["flags"].append("a graded function reached for what graded code may not use (see its item)")
    return row


# --- writing -----------------------------------------------------------------------------


def _atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _spreadsheet_safe(value):
    """A cell a spreadsheet will not run as a formula (student-chosen names and messages end up here)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "unnamed"


def feedback_text(row: dict, title: str) -> str:
    lines = [f"Feedback on {title}, {row['file']}", f"Student: {row['student']}",
             f"Score: {row['total']:g} / {row['max']:g}  ({row['status']})"]
    if row["reason"]:
        lines.append(f"Why: {row['reason']}")
    lines.append("")
    for result in row["items"].values():
        lines.append(CheckResult(**result).report())
        lines.append("")
    if row["cells"]:
        lines.append("What happened in the notebook's cells:")
        lines += [f"  code cell {c['cell']}: {c['status']}{': ' + c['message'] if c['message'] else ''}"
                  for c in row["cells"]]
        lines.append("")
    for heading, entries in (("Notes", row["notes"]), ("Flags for the instructor", row["flags"])):
        if entries:
            lines.append(f"{heading}:")
            lines += [f"  - {entry}" for entry in entries]
    return "\n".join(lines).rstrip() + "\n"


def write_tables(out: Path, rows: list[dict]) -> None:
    item_columns = [name for ws in sorted(WORKSHEET_ITEMS) for name in WORKSHEET_ITEMS[ws]
                    if any(name in row["items"] for row in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "worksheet", "file", "status", "reason", "total", "max", *item_columns, "flags"])
    for row in rows:
        points = [row["items"][name]["points"] if name in row["items"] else "" for name in item_columns]
        writer.writerow([_spreadsheet_safe(v) for v in
                         (row["student"], row["worksheet"], row["file"], row["status"], row["reason"],
                          row["total"], row["max"], *points, "; ".join(row["flags"]))])
    _atomic_write(out / "grades.csv", buffer.getvalue())
    _atomic_write(out / "grades.json", json.dumps({"rows": rows}, indent=1, default=float))


# --- the batch --------------------------------------------------------------------------


def grader_fingerprint(hidden_seed: int, limits: Limits) -> str:
    """Changes when anything that decides a score changes: then results are recomputed."""
    digest = hashlib.sha256(f"{hidden_seed} {limits}".encode())
    root = Path(__file__).resolve().parent.parent
    for pattern in GRADER_FILES:
        for path in sorted(root.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _hidden_seed(out: Path, given: int | None) -> int:
    path = out / "hidden-seed"
    if path.exists():
        stored = int(path.read_text().strip())
        if given is not None and given != stored:
            raise SystemExit(f"error: {out} was graded with another hidden seed; use the same --hidden-seed "
                             f"or a new --out folder")
        return stored
    seed = given if given is not None else secrets.randbits(63)
    _atomic_write(path, f"{seed}\n")
    return seed


def worksheet_titles() -> dict[str, str]:
    """'05' -> '05-adam', from the exercises folder when the course's repository is there."""
    exercises = Path(__file__).resolve().parents[2] / "exercises"
    titles = {ws: f"worksheet {ws}" for ws in WORKSHEET_ITEMS}
    for path in sorted(exercises.glob("[0-9][0-9]-*.ipynb")):
        titles[path.name[:2]] = path.stem
    return titles


class Progress:
    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.counts: dict[str, int] = {}

    def update(self, status: str) -> None:
        self.done += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty or self.done == self.total or now - self.last > 5:
            self.last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
            line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {counts}  {now - self.start:.0f} s"
            print(("\r" if self.tty else "") + line, end="" if self.tty and self.done < self.total else "\n",
                  file=sys.stderr, flush=True)


def grade(submissions_root: Path, out: Path, workers: int | None = None, limits: Limits | None = None,
          hidden_seed: int | None = None, uid_base: int = 61000, progress: bool = True) -> list[dict]:
    """Grade every submission under submissions_root into out; returns the rows."""
    limits = limits or Limits()
    workers = workers or os.cpu_count() or 1
    submissions_root, out = submissions_root.resolve(), out.resolve()
    if not submissions_root.is_dir():
        raise SystemExit(f"error: {submissions_root} is not a folder of submissions")
    if out == submissions_root or submissions_root in out.parents or out in submissions_root.parents:
        raise SystemExit("error: --out must be outside the submissions folder (and not contain it)")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    (out / "results").mkdir(mode=0o700, exist_ok=True)
    (out / "feedback").mkdir(mode=0o700, exist_ok=True)
    seed = _hidden_seed(out, hidden_seed)
    fingerprint = grader_fingerprint(seed, limits)
    titles = worksheet_titles()
    found = subs.discover(submissions_root, WORKSHEET_ITEMS)

    feedback_names, taken = {}, set()
    for submission in found:
        base = f"{_safe_name(submission.student)}/{titles.get(submission.worksheet_hint, _safe_name(Path(submission.relative).stem))}"
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}-{k}"
        taken.add(name)
        feedback_names[submission.relative] = name

    rows: dict[str, dict] = {}
    todo = []
    for submission in found:
        notebook = subs.read(submission, WORKSHEET_ITEMS)
        result_path = out / "results" / _result_name(submission.relative)
        previous = _load(result_path)
        if previous and previous.get("file") == submission.relative and previous.get("sha256") == notebook.sha256 \
                and previous.get("grader") == fingerprint and previous.get("status") != "grader error":
            rows[submission.relative] = previous
        else:
            todo.append((submission, notebook, result_path))
    plans: dict[str, Plan] = {}
    for _, notebook, _ in todo:
        if notebook.worksheet and notebook.worksheet not in plans:
            plans[notebook.worksheet] = Plan(notebook.worksheet, seed)

    bar = Progress(len(todo), progress)
    if progress:
        print(f"{len(found)} submissions in {submissions_root}: {len(found) - len(todo)} already graded, "
              f"{len(todo)} to grade with {workers} workers", file=sys.stderr)
    lock = threading.Lock()

    def finish(submission, row, result_path):
        row["grader"] = fingerprint
        with lock:
            _atomic_write(result_path, json.dumps(row, default=float))
            rows[submission.relative] = row
            title = titles.get(row["worksheet"], row["worksheet"] or "an unknown worksheet")
            target = out / "feedback" / (feedback_names[submission.relative] + ".txt")
            target.parent.mkdir(mode=0o700, exist_ok=True)
            _atomic_write(target, feedback_text(row, title))
            write_tables(out, _ordered(rows, found))
            bar.update(row["status"])

    try:
        sandbox = Sandbox(workers, limits, [submissions_root, out], uid_base) if todo else None
    except SandboxError as error:
        raise SystemExit(f"error: {error}")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(grade_submission, s, n, plans.get(n.worksheet) if not n.problem else None,
                               sandbox): (s, p) for s, n, p in todo}
        for future in concurrent.futures.as_completed(futures):
            submission, result_path = futures[future]
            finish(submission, future.result(), result_path)
    except KeyboardInterrupt:
        sandbox.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise SystemExit(f"\ninterrupted: {len(rows)} of {len(found)} graded and saved in {out}; "
                         f"run the same command again to grade the rest")
    finally:
        pool.shutdown(wait=True)
        if sandbox is not None:
            sandbox.close()
    ordered = _ordered(rows, found)
    for submission in found:   # feedback for results reused from an earlier run, in case it was deleted
        target = out / "feedback" / (feedback_names[submission.relative] + ".txt")
        if not target.exists():
            row = rows[submission.relative]
            target.parent.mkdir(mode=0o700, exist_ok=True)
            _atomic_write(target, feedback_text(row, titles.get(row["worksheet"], row["worksheet"])))
    write_tables(out, ordered)
    return ordered


def _result_name(relative: str) -> str:
    """Readable, and unique: two names that read alike ("zoë", "zoé") differ in the hash."""
    return f"{_safe_name(relative)[:80]}-{hashlib.sha256(relative.encode()).hexdigest()[:10]}.json"


def _ordered(rows: dict, found) -> list[dict]:
    return [rows[s.relative] for s in found if s.relative in rows]


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


# --- command line -------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="course-grade", description="Grade a folder of submitted worksheets safely, in parallel.",
        epilog="Layouts: SUBMISSIONS/<student>/<NN-topic>.ipynb, SUBMISSIONS/<NN-topic>/<student>.ipynb, "
               "or SUBMISSIONS/<student>_<NN-topic>.ipynb. See the README's section for instructors.")
    parser.add_argument("submissions", type=Path, help="the folder of submitted notebooks")
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv, grades.json and feedback/ go")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="children at a time (default: the number of cores, %(default)s)")
    parser.add_argument("--hidden-seed", type=int, default=None,
                        help="seed of the hidden cases (default: a random one, kept in OUT/hidden-seed)")
    defaults = Limits()
    parser.add_argument("--wall-seconds", type=float, default=defaults.wall_seconds,
                        help="wall-clock limit per submission (default %(default)s)")
    parser.add_argument("--cpu-seconds", type=int, default=defaults.cpu_seconds,
                        help="CPU-time limit per submission (default %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_bytes >> 20,
                        help="address-space limit per submission in MiB (default %(default)s)")
    parser.add_argument("--uid-base", type=int, default=61000,
                        help="as root: the children run as the first free user ids from here (default %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    try:
        limits = Limits(wall_seconds=args.wall_seconds, cpu_seconds=args.cpu_seconds,
                        memory_bytes=args.memory_mb << 20)
    except ValueError as error:
        parser.error(str(error))
    start = time.monotonic()
    rows = grade(args.submissions, args.out, args.workers, limits, args.hidden_seed, args.uid_base, not args.quiet)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing"
    print(f"{len(rows)} submissions: {summary}. {time.monotonic() - start:.1f} s. "
          f"Grades: {args.out / 'grades.csv'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
