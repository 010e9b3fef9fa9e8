"""The batch grader against an adversarial corpus (tests/grade_corpus.py).

The corpus is graded once (a module-scoped fixture); every test reads that
batch's rows and files. Two more runs on the same output folder check that
grading is idempotent (nothing graded again, nothing changed) and resumable
(a deleted result, and only that one, is graded again). A few submissions get
small batches of their own: one that stops grade() itself would take every
other row with it.

Expected outcomes come from worksheet 05's rules (its items and points, read
from the checks' registry) and the grader's documented policy,
never from what the grader returned on an earlier run.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from course_lib.checks import ITEMS, WORKSHEET_ITEMS
from course_lib.grade import Limits, grade
from course_lib.grade.runs import MAX_RUNS

import grade_corpus
from grade_corpus import EVIL_IN_REPO, EVIL_TMP, MAX_TOTAL, POINTS, REPO, build_corpus, corpus_paths

import test_sandbox

pytestmark = test_sandbox.needs_sandbox   # the corpus runs inside the real sandbox, or (outside CI) not at all
HIDDEN_SEED = 20240605
LIMITS = Limits(wall_seconds=40, cpu_seconds=30, statement_seconds=3, call_seconds=1)
WORKERS = 2
# The grader's own folder may be under edit while this runs: changes there are not a submission's doing.
CONCURRENTLY_EDITED = ("course_lib/grade/",)
PATHS = corpus_paths()


def _git_status() -> set[str]:
    result = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True)
    return {line for line in result.stdout.splitlines() if not line[3:].startswith(CONCURRENTLY_EDITED)}


def _results(out: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in sorted((out / "results").glob("*.json"))}


def _descendants(pid: int) -> list[int]:
    """Processes started (directly or not) by pid: the grader's sandboxes, if any were left behind."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(open(f"/proc/{entry.name}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _run(batch):
    return grade(batch.subs, batch.out, workers=WORKERS, limits=LIMITS, hidden_seed=HIDDEN_SEED, progress=False)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The corpus, graded once; with what the tests need from right after that run."""
    base = tmp_path_factory.mktemp("grade")
    subs, out = base / "submissions", base / "out"
    expectations = build_corpus(subs, out)
    git_before = _git_status()
    evil_before = {path: os.path.lexists(path) for path in (EVIL_TMP, EVIL_IN_REPO)}
    rows = grade(subs, out, workers=WORKERS, limits=LIMITS, hidden_seed=HIDDEN_SEED, progress=False)
    return SimpleNamespace(
        subs=subs, out=out, expectations=expectations, rows=copy.deepcopy(rows),
        by_file={row["file"]: row for row in copy.deepcopy(rows)},
        csv_text=(out / "grades.csv").read_text(encoding="utf-8"),
        json_rows=json.loads((out / "grades.json").read_text(encoding="utf-8"))["rows"],
        results=_results(out), git_before=git_before, evil_before=evil_before,
        leftover_processes=_descendants(os.getpid()))


@pytest.fixture(scope="module")
def rerun(batch):
    """The same command again, on the same output folder."""
    time.sleep(0.05)   # a rewritten file would get a later mtime
    rows = _run(batch)
    return SimpleNamespace(rows=copy.deepcopy(rows), results=_results(batch.out))


@pytest.fixture(scope="module")
def resumed(batch, rerun):
    """One result deleted, then the same command again."""
    victim = "c01_correct/05-adam.ipynb"
    results_before = _results(batch.out)
    deleted = [name for name in results_before if name.startswith("c01_correct")]
    for name in deleted:
        (batch.out / "results" / name).unlink()
    time.sleep(0.05)
    rows = _run(batch)
    return SimpleNamespace(victim=victim, deleted=deleted, before=rerun.rows, rows=copy.deepcopy(rows),
                           results_before=results_before, results=_results(batch.out))


def _row_text(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)


def _show(row: dict) -> str:
    """A row, briefly, for assertion messages."""
    items = {name: (r["status"], r["points"], r["diagnosis"]) for name, r in row.get("items", {}).items()}
    return json.dumps({"status": row["status"], "reason": row["reason"], "total": row["total"], "items": items,
                       "cells": row["cells"], "flags": row["flags"], "notes": row["notes"]},
                      indent=1, ensure_ascii=False, default=str)


# --- the corpus itself ------------------------------------------------------------------------


def test_the_corpus_has_every_case_of_the_issue_and_the_worksheet_rules_it_assumes(batch):
    assert len(batch.expectations) >= 28
    assert list(batch.expectations) == PATHS
    assert WORKSHEET_ITEMS["05"] == list(POINTS)
    assert {name: ITEMS[name].points for name in POINTS} == POINTS
    assert sum(POINTS.values()) == MAX_TOTAL > POINTS["adam_step"] > 0
    diagnosed = {e.diagnosis_starts.get("adam_step") for e in batch.expectations.values()}
    for mistake in ITEMS["adam_step"].mistakes:
        if not mistake.accepted:
            assert mistake.name in diagnosed, f"no corpus entry has adam_step's mistake {mistake.name!r}"
            assert mistake.name in grade_corpus.MISTAKE_SOURCES
    for path in batch.expectations:
        assert os.path.lexists(grade_corpus.written_path(batch.subs, path))


# --- one test per submission ------------------------------------------------------------------


def check_row(row: dict | None, path: str, expected, rows_by_file: dict) -> None:
    """Assert everything the Expectation says about one submission's row."""
    assert row is not None, f"no row for {path} ({expected.what})"
    shown = f"{expected.what}\n{_show(row)}"
    if "/" in path or not path.endswith(".ipynb"):   # a flat file's student is its name less the worksheet's
        assert row["student"] == path.split("/")[0], shown
    assert row["status"] == expected.status, shown
    if expected.total is not None:
        assert row["total"] == pytest.approx(expected.total, abs=1e-9), shown
    if row["status"] in ("graded", "incomplete"):
        assert row["worksheet"] == "05", shown
        assert row["max"] == MAX_TOTAL, shown
        assert set(row["items"]) == set(POINTS), shown
        for name, result in row["items"].items():
            assert result["max_points"] == POINTS[name], shown
            assert 0 <= result["points"] <= result["max_points"], shown
        assert row["total"] == pytest.approx(sum(r["points"] for r in row["items"].values()), abs=0.011), shown
    else:
        assert row["items"] == {} and row["total"] == 0, shown
    for name, points in expected.points.items():
        assert row["items"][name]["points"] == pytest.approx(points, abs=1e-9), f"{name}: {shown}"
        if points == POINTS[name]:
            assert row["items"][name]["status"] == "passed", f"{name}: {shown}"
    for name in expected.failed:
        result = row["items"][name]
        assert result["status"] != "passed" and result["points"] < result["max_points"], f"{name}: {shown}"
    for name, needles in expected.diagnosis.items():
        diagnosis = row["items"][name]["diagnosis"] or ""
        for needle in needles:
            assert needle in diagnosis, f"{name}'s diagnosis lacks {needle!r}: {shown}"
    for name, prefix in expected.diagnosis_starts.items():
        assert (row["items"][name]["diagnosis"] or "").startswith(prefix), f"{name}: {shown}"
    for needle in expected.reason:
        assert needle in row["reason"], shown
    for field in ("flags", "notes"):
        for needle in getattr(expected, field):
            assert any(needle in entry for entry in row[field]), f"no {field} entry with {needle!r}: {shown}"
    for needle in expected.cells:
        assert any(needle in cell["message"] for cell in row["cells"]), f"no cell message with {needle!r}: {shown}"
    for needle in expected.absent:
        assert needle not in _row_text(row), f"{needle!r} should not appear: {shown}"
    if expected.clean:   # no flag, and the same cells as the untouched solution (whose demos use course_lib.optim)
        assert row["flags"] == [] and row["cells"] == rows_by_file["c01_correct/05-adam.ipynb"]["cells"], shown
    if expected.same_items_as:
        other = rows_by_file[expected.same_items_as]
        assert row["items"] == other["items"], f"items differ from {expected.same_items_as}'s: {shown}"


@pytest.mark.parametrize("path", PATHS)
def test_submission(batch, path):
    check_row(batch.by_file.get(path), path, batch.expectations[path], batch.by_file)


# --- the batch as a whole ---------------------------------------------------------------------


def test_the_batch_completes_with_one_row_per_submission(batch):
    files = [row["file"] for row in batch.rows]
    assert sorted(files) == sorted(batch.expectations)
    assert len(set(files)) == len(files)
    assert [row["file"] for row in batch.json_rows] == files
    assert not any(row["status"] == "grader error" for row in batch.rows), \
        [(row["file"], row["reason"]) for row in batch.rows if row["status"] == "grader error"]


def test_every_child_ended_within_the_wall_clock_limit_and_left_no_process_behind(batch):
    for row in batch.rows:   # a child stopped by a cell or an item is followed by another: at most MAX_RUNS per group
        assert row["seconds"] <= 2 * MAX_RUNS * (LIMITS.wall_seconds + 5), (row["file"], row["seconds"])
        stopped = [cell for cell in row["cells"] if cell["status"] == "stopped"]
        if not stopped and not any("fresh process" in note for note in row["notes"]):
            assert row["seconds"] <= LIMITS.wall_seconds + 5, (row["file"], row["seconds"])
    assert batch.leftover_processes == []


def test_each_submission_has_its_own_results_file(batch):
    assert len(batch.results) == len(batch.expectations), sorted(batch.results)


def test_each_submission_has_its_own_feedback_file(batch):
    feedback = sorted((batch.out / "feedback").rglob("*.txt"))
    assert len(feedback) == len(batch.expectations)
    text = (batch.out / "feedback" / "c01_correct" / "05-adam.txt").read_text(encoding="utf-8")
    assert f"Score: {MAX_TOTAL:g} / {MAX_TOTAL:g}  (graded)" in text


def test_grades_csv_has_a_header_and_one_line_per_submission(batch):
    lines = batch.csv_text.splitlines()
    records = list(csv.reader(io.StringIO(batch.csv_text)))
    assert len(records) == len(lines) == len(batch.expectations) + 1
    header = records[0]
    assert header[:7] == ["student", "worksheet", "file", "status", "reason", "total", "max"]
    assert header[7:10] == list(POINTS) and header[-1] == "flags"
    by_file = {record[2].lstrip("'"): record for record in records[1:]}
    assert set(by_file) == set(batch.expectations)
    for path, record in by_file.items():
        row = batch.by_file[path]
        assert float(record[5]) == row["total"] and record[3] == row["status"]


def test_a_student_named_like_a_spreadsheet_formula_is_escaped_in_grades_csv(batch):
    records = list(csv.reader(io.StringIO(batch.csv_text)))[1:]
    formula = [r for r in records if "=cmd" in r[0]]
    assert len(formula) == 1
    assert formula[0][0] == "'=cmd" and formula[0][2] == "'=cmd/05-adam.ipynb"
    for record in records:
        for value in record:
            assert not value[:1] in ("=", "+", "@", "\t", "\r"), record
            assert not (value[:1] == "-" and not value.lstrip("-").replace(".", "").isdigit()), record


def test_the_untouched_correct_submissions_get_identical_rows(batch):
    copies = ["c01_correct/05-adam.ipynb", "c02_correct_again/05-adam.ipynb", "=cmd/05-adam.ipynb"]
    copies += [path for path in batch.expectations if "_zo" in path]
    rows = [dict(batch.by_file[path]) for path in copies]
    for row in rows:
        for key in ("student", "file", "seconds"):
            row.pop(key)
    for path, row in zip(copies[1:], rows[1:]):
        assert row == rows[0], f"{path} differs from {copies[0]}"
    assert rows[0]["total"] == MAX_TOTAL and rows[0]["status"] == "graded"


def test_nothing_escaped_the_sandbox(batch):
    for path, existed in batch.evil_before.items():
        if not existed:
            assert not os.path.lexists(path), f"a submission created {path}"
    assert not (REPO / "solutions" / "EVIL.ipynb").exists()
    appeared = _git_status() - batch.git_before   # (lines that went away were committed meanwhile)
    assert appeared == set()


# --- running again ----------------------------------------------------------------------------


def test_running_again_grades_nothing_and_changes_nothing(batch, rerun):
    assert rerun.results == batch.results   # same results files, none rewritten
    assert len(rerun.rows) == len(batch.rows)
    wrong = [f"{first['file']}'s row came back as student {again['student']!r}, file {again['file']!r}"
             for first, again in zip(batch.rows, rerun.rows)
             if (again["student"], again["file"]) != (first["student"], first["file"])]
    assert wrong == []
    for first, again in zip(batch.rows, rerun.rows):
        assert again["seconds"] == first["seconds"], first["file"]   # not graded again
        assert again["total"] == first["total"] and again["items"] == first["items"], first["file"]
        assert again == first, first["file"]


def test_deleting_one_result_grades_only_that_one_again(batch, resumed):
    assert len(resumed.deleted) == 1
    changed = {name for name in resumed.results if resumed.results[name] != resumed.results_before.get(name)}
    assert changed == set(resumed.deleted)
    assert set(resumed.results) == set(resumed.results_before)
    before = {row["file"]: row for row in resumed.before}
    for row in resumed.rows:
        previous = before[row["file"]]
        if row["file"] == resumed.victim:
            for key in set(row) | set(previous):
                if key != "seconds":
                    assert row.get(key) == previous.get(key), key
        else:
            assert row == previous, row["file"]


# --- small batches of their own -----------------------------------------------------------------


def _small_batch(tmp_path_factory, name, build, limits):
    base = tmp_path_factory.mktemp(name)
    expectations = build(base / "submissions")
    try:
        rows, error = grade(base / "submissions", base / "out", workers=WORKERS, limits=limits,
                            hidden_seed=HIDDEN_SEED, progress=False), None
    except Exception as exception:   # the test says what happened; the other tests go on
        rows, error = [], exception
    return SimpleNamespace(expectations=expectations, rows=rows, error=error,
                           by_file={row["file"]: row for row in rows})


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    """One small batch per forged message."""
    return {forgery: _small_batch(tmp_path_factory, "forged",
                                  lambda folder: grade_corpus.build_forged_message_corpus(folder, forgery), LIMITS)
            for forgery in grade_corpus.FORGERIES}


@pytest.fixture(scope="module")
def oversized(tmp_path_factory):
    limits = Limits(wall_seconds=40, cpu_seconds=30, statement_seconds=3, call_seconds=1,
                    output_bytes=grade_corpus.OUTPUT_BYTES)
    return _small_batch(tmp_path_factory, "oversized", grade_corpus.build_oversized_answers_corpus, limits)


@pytest.fixture(scope="module")
def honest_alone(tmp_path_factory):
    """The honest submissions of issue 11's point 4, graded in a batch without any attack."""
    def build(folder):
        entries = [("c01_correct/" + grade_corpus.WORKSHEET_FILE, grade_corpus.SOLUTION.read_bytes(),
                    grade_corpus.Expectation("the solved worksheet"))]
        entries += [(path, content, expectation) for path, (content, expectation) in grade_corpus.HONEST.items()]
        return grade_corpus._write(folder, entries)
    return _small_batch(tmp_path_factory, "honest", build, LIMITS)


def test_honest_rows_are_the_same_with_and_without_the_attacks(batch, honest_alone):
    assert honest_alone.error is None and len(honest_alone.rows) == len(grade_corpus.HONEST) + 1
    for path, row in honest_alone.by_file.items():
        attacked = batch.by_file[path]
        for key in ("status", "reason", "total", "items", "cells", "flags", "notes"):
            assert row[key] == attacked[key], (path, key)


@pytest.mark.parametrize("forgery", list(grade_corpus.FORGERIES))
def test_a_forged_message_on_the_graders_pipe_cannot_stop_the_batch(forged, forgery):
    small = forged[forgery]
    assert small.error is None, f"grade() raised {type(small.error).__name__}: {small.error}"
    assert sorted(small.by_file) == sorted(small.expectations)
    for path, expected in small.expectations.items():
        check_row(small.by_file.get(path), path, expected, small.by_file)


def test_answers_over_the_output_limit_cost_only_their_item(oversized):
    assert oversized.error is None, f"grade() raised {type(oversized.error).__name__}: {oversized.error}"
    assert sorted(oversized.by_file) == sorted(oversized.expectations)
    for path, expected in oversized.expectations.items():
        check_row(oversized.by_file.get(path), path, expected, oversized.by_file)
