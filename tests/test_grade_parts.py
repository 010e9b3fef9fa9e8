"""The batch grader's parts, one at a time: the wire format, discovery and
reading of submissions, the child's messages, and judging answers that a
hostile child made up. (tests/test_grade.py grades a whole adversarial
corpus end to end; tests/test_sandbox.py probes the kernel's wall.)"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from course_lib.checks import ITEMS, WORKSHEET_ITEMS, Expected, cases_for
from course_lib.grade import submissions as subs
from course_lib.grade import wire
from course_lib.grade.judge import Plan, judge_item, judge_row, new_row
from course_lib.grade.runs import Run, Transcript
from course_lib.grade.sandbox import Limits

import test_sandbox

KNOWN = WORKSHEET_ITEMS


# --- wire ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array(2.5), np.float32(1.5), np.int64(-3), np.bool_(True),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)), {"m": np.zeros(3), "t": 4}, [1, 2.5, None, "x", True],
])
def test_wire_round_trip_keeps_values_dtypes_and_shapes(value):
    back = wire.loads(wire.dumps({"v": value}))["v"]
    if isinstance(value, (np.ndarray, np.generic)):
        assert type(back) is type(value) and back.dtype == value.dtype and np.shape(back) == np.shape(value)
        assert np.array_equal(back, value)
    elif isinstance(value, dict):
        assert back.keys() == value.keys() and np.array_equal(back["m"], value["m"]) and back["t"] == 4
    else:
        assert back == value


class Rigged(np.ndarray):
    def __eq__(self, other):
        return True


def test_wire_sends_a_subclass_as_a_plain_array():
    back = wire.loads(wire.dumps({"v": np.zeros(3).view(Rigged)}))["v"]
    assert type(back) is np.ndarray and not (back == np.ones(3)).any()


@pytest.mark.parametrize("value", [object(), {1: 2}, np.array(["a"]), np.array([object()]), lambda: 0])
def test_wire_refuses_what_is_not_numbers(value):
    with pytest.raises(wire.WireError):
        wire.dumps({"v": value})


@pytest.mark.parametrize("line", [
    b"not json", b"[1, 2]", b'{"v": {"pickle": "gASV"}}', b'{"v": {"array": ["|O8", [1], "AAAAAAAAAAA="]}}',
    b'{"v": {"array": ["<f8", [2], "AAAAAAAAAAA="]}}', b'{"v": {"array": ["<f8", [-1], ""]}}',
    b'{"v": {"array": ["<f8", [100000, 100000], ""]}}', b'{"v": {"a": 1, "b": 2}}',
    b'{"v": ' + b'{"list": [' * 40 + b"1" + b"]}" * 40 + b"}",
    # passes the format check, not NumPy: a 2-byte bool, a 1-byte float
    b'{"v": {"array": ["<b2", [1], "AAA="]}}', b'{"v": {"array": ["|f1", [1], "AA=="]}}',
    b'{"v": {"array": ["<f8", [1], "not base64!"]}}', b'{"v": {"array": ["<f8", [1], "\\u00ff"]}}',
    b'{"v": {"array": ["<f8", [4611686018427387904, 4], ""]}}',        # a shape whose size overflows int64
    b'{"v": {"array": ["<f8", [1.5], "AAAAAAAAAAA="]}}', b'{"v": {"array": ["<f8", [true], "AAAAAAAAAAA="]}}',
    b'{"v": {"scalar": ["<f8", [1], "AAAAAAAAAAA="]}}', b'{"v": 1' + b"0" * 5000 + b"}",
])
def test_wire_decoder_rejects_malformed_or_hostile_messages(line):
    with pytest.raises(wire.WireError):
        wire.loads(line)


# --- discovering and reading submissions ---------------------------------------------------------


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def notebook(cells, generated_from=None):
    metadata = {"course": {"generated_from": generated_from}} if generated_from else {}
    return json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells],
                       "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def test_discover_understands_the_three_documented_layouts(tmp_path):
    write(tmp_path / "alice" / "05-adam.ipynb", notebook([]))
    write(tmp_path / "05-adam" / "bob.ipynb", notebook([]))
    write(tmp_path / "carol_07-adamax.ipynb", notebook([]))
    write(tmp_path / "dave" / "export" / "my work 09.ipynb", notebook([]))
    write(tmp_path / "erin" / ".ipynb_checkpoints" / "05-adam-checkpoint.ipynb", notebook([]))
    write(tmp_path / "erin" / "notes.txt", "")
    found = {s.relative: (s.student, s.worksheet_hint) for s in subs.discover(tmp_path, KNOWN)}
    assert found == {"alice/05-adam.ipynb": ("alice", "05"), "05-adam/bob.ipynb": ("bob", "05"),
                     "carol_07-adamax.ipynb": ("carol", "07"), "dave/export/my work 09.ipynb": ("dave", "09")}


def test_the_two_halves_of_the_old_worksheet_10_are_worksheets_10_and_11(tmp_path):
    """Lesson 10 was split in two, and its worksheet with it: 10 holds AdamW, Lookahead and LAMB's trust ratio,
    11 the schedule and SWATS. Both are found by their number, in a name or in the metadata; a notebook of the
    worksheet 10 handed out before the split (10-beyond-adam) is graded as worksheet 10."""
    assert WORKSHEET_ITEMS["10"] == ["adamw_step", "lookahead_step", "trust_ratio"]
    assert WORKSHEET_ITEMS["11"] == ["warmup_cosine", "swats_lr"]
    write(tmp_path / "alice" / "10-adamw-nadam-lookahead-lamb.ipynb", notebook([]))
    write(tmp_path / "11-schedules-and-generalization" / "bob.ipynb", notebook([]))
    write(tmp_path / "carol_11-schedules-and-generalization.ipynb", notebook([]))
    write(tmp_path / "dave" / "10-beyond-adam.ipynb", notebook([]))
    write(tmp_path / "erin" / "homework.ipynb", notebook([], "solutions/11-schedules-and-generalization.ipynb"))
    found = {s.relative: s for s in subs.discover(tmp_path, KNOWN)}
    assert {relative: (s.student, s.worksheet_hint) for relative, s in found.items()} == {
        "alice/10-adamw-nadam-lookahead-lamb.ipynb": ("alice", "10"),
        "11-schedules-and-generalization/bob.ipynb": ("bob", "11"),
        "carol_11-schedules-and-generalization.ipynb": ("carol", "11"),
        "dave/10-beyond-adam.ipynb": ("dave", "10"), "erin/homework.ipynb": ("erin", None)}
    assert subs.read(found["erin/homework.ipynb"], KNOWN).worksheet == "11"


@pytest.mark.parametrize("worksheet", ["10", "11"])
def test_the_split_worksheets_plans_give_honest_answers_full_points(worksheet):
    plan = Plan(worksheet, hidden_seed=12345)
    assert plan.max_points == sum(ITEMS[name].points for name in WORKSHEET_ITEMS[worksheet])
    for item in plan.items:
        result = judge_item(item, plan.expected[item.name], honest_event(plan, item.name, item.reference), None, "")
        assert result.status == "passed" and result.points == item.points, result.report()


def test_the_metadata_names_the_worksheet_even_when_the_file_was_renamed(tmp_path):
    path = write(tmp_path / "alice" / "05-adam.ipynb", notebook(["x = 1"], "solutions/07-adamax.ipynb"))
    read = subs.read(subs.discover(tmp_path, KNOWN)[0], KNOWN)
    assert read.worksheet == "07" and "metadata says 07" in read.notes[0]
    assert read.cells == [{"cell": 1, "source": "x = 1"}] and path.exists()


@pytest.mark.parametrize("content, problem", [
    (b"", "empty"), (b"   \n", "blank"), (b"{not json", "not valid JSON"), (b"\xff\xfe\x00", "not valid JSON"),
    (b"[1, 2, 3]", "without a list of cells"), (b'{"cells": 3}', "without a list of cells"),
    (b"[" * 100000, "not valid JSON"),
])
def test_reading_a_broken_file_gives_a_reason_not_a_crash(tmp_path, content, problem):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "05-adam.ipynb").write_bytes(content)
    read = subs.read(subs.discover(tmp_path, KNOWN)[0], KNOWN)
    assert problem in read.problem


def test_a_symbolic_link_is_not_followed(tmp_path):
    secret = write(tmp_path / "secret.txt", "the instructor's private key")
    (tmp_path / "subs" / "mallory").mkdir(parents=True)
    os.symlink(secret, tmp_path / "subs" / "mallory" / "05-adam.ipynb")
    read = subs.read(subs.discover(tmp_path / "subs", KNOWN)[0], KNOWN)
    assert "symbolic link" in read.problem and not read.cells


def test_a_symbolic_link_to_a_student_folder_gets_a_row_saying_so(tmp_path):
    write(tmp_path / "elsewhere" / "05-adam.ipynb", notebook([]))
    (tmp_path / "subs").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "subs" / "mallory")
    found = subs.discover(tmp_path / "subs", KNOWN)
    assert [(s.relative, s.student) for s in found] == [("mallory", "mallory")]
    assert "symbolic link" in subs.read(found[0], KNOWN).problem


def test_names_of_any_bytes_and_any_legal_length_are_found_and_read(tmp_path):
    odd = os.fsdecode(b"caf\xe9-\xff")               # Latin-1 bytes: not UTF-8
    long = "s" * 240 + "_05-adam.ipynb"                 # 254 bytes, near the 255-byte limit
    write(tmp_path / odd / "05-adam.ipynb", notebook(["x = 1"]))
    write(tmp_path / long, notebook(["x = 2"]))
    found = {s.relative: s for s in subs.discover(tmp_path, KNOWN)}
    assert set(found) == {"caf\\xe9-\\xff/05-adam.ipynb", long}
    for submission in found.values():
        submission.relative.encode("utf-8")             # printable: the row can be written anywhere
        assert subs.read(submission, KNOWN).cells and subs.fingerprint(submission)


def test_cells_that_are_not_code_or_not_text_are_skipped_with_a_note(tmp_path):
    document = {"cells": [{"cell_type": "markdown", "source": "# hi"}, {"cell_type": "code", "source": ["a = ", "1"]},
                          {"cell_type": "code", "source": 42}, "junk"], "metadata": {}}
    write(tmp_path / "alice" / "05-adam.ipynb", json.dumps(document))
    read = subs.read(subs.discover(tmp_path, KNOWN)[0], KNOWN)
    assert read.cells == [{"cell": 1, "source": "a = 1"}] and "code cell 2" in read.notes[0]


# --- judging answers a hostile child made up -----------------------------------------------------


@pytest.fixture(scope="module")
def plan():
    return Plan("05", hidden_seed=12345)


def honest_event(plan, name, function):
    """What an honest child would send for `function` (the reference, or a mistake)."""
    expected = plan.expected[name]
    outcomes = []
    for case in expected.cases:
        run = expected._run(function, case)
        if ITEMS[name].kind == "step":
            value = [[np.asarray(p), {k: np.asarray(v) for k, v in s.items()}] for p, s in run]
        else:
            value = run
        outcomes.append({"kind": "ran", "value": value})
    return wire.loads(wire.dumps({"name": name, "outcomes": outcomes, "violations": []}))


def test_hidden_cases_are_added_to_every_group_and_marked(plan):
    for item in plan.items:
        cases = plan.expected[item.name].cases
        public = cases_for(item, 0)
        assert len(cases) == 2 * len(public) and not any(c.hidden for c in cases[:len(public)])
        assert all(c.hidden for c in cases[len(public):])
        assert {c.group for c in cases[len(public):]} == {c.group for c in public}


def test_honest_reference_answers_get_full_points(plan):
    for item in plan.items:
        result = judge_item(item, plan.expected[item.name], honest_event(plan, item.name, item.reference), None, "")
        assert result.status == "passed" and result.points == item.points, result.report()


def test_a_known_mistake_is_named_when_it_comes_over_the_wire(plan):
    item = ITEMS["adam_step"]
    mistake = next(m for m in item.mistakes if not m.accepted)
    result = judge_item(item, plan.expected[item.name], honest_event(plan, item.name, mistake.function), None, "")
    assert result.status == "failed" and mistake.name in result.diagnosis


def tamper(event, how):
    event = json.loads(json.dumps(event, default=lambda a: a.tolist()))  # arrays become lists: malformed on purpose
    return how(event)


@pytest.mark.parametrize("how", [
    lambda e: {**e, "outcomes": e["outcomes"][:3]},                                   # too few answers
    lambda e: {**e, "outcomes": e["outcomes"] + e["outcomes"]},                       # too many
    lambda e: {**e, "outcomes": "all passed"},
    lambda e: {**e, "outcomes": [{"kind": "ran", "value": [[1.0, {}]]}] * len(e["outcomes"])},  # numbers, not arrays
    lambda e: {**e, "outcomes": [{"kind": "passed"}] * len(e["outcomes"])},
    lambda e: {"name": e["name"]},
])
def test_malformed_answers_score_zero_without_crashing_the_grader(plan, how):
    item = ITEMS["adam_step"]
    event = tamper(honest_event(plan, item.name, item.reference), how)
    result = judge_item(item, plan.expected[item.name], event, None, "")
    assert result.points == 0 and result.status in ("error", "failed")


def test_fewer_steps_than_asked_is_not_a_pass(plan):
    """A child that answers only the first step of each case must not be compared on that step alone."""
    item = ITEMS["adam_step"]
    event = honest_event(plan, item.name, item.reference)
    event["outcomes"] = [{"kind": "ran", "value": o["value"][:1]} for o in event["outcomes"]]
    result = judge_item(item, plan.expected[item.name], event, None, "")
    several = [c for c in plan.expected[item.name].cases if len(c.grads) > 1]
    assert several and result.status != "passed"


def test_a_float64_answer_to_a_float32_case_is_refused(plan):
    item = ITEMS["adam_step"]
    event = honest_event(plan, item.name, item.reference)
    cases = plan.expected[item.name].cases
    for case, outcome in zip(cases, event["outcomes"]):
        if case.param.dtype == np.float32:
            outcome["value"] = [[p.astype(np.float64), s] for p, s in outcome["value"]]
    result = judge_item(item, plan.expected[item.name], event, None, "")
    assert not result.groups["float32"] and result.groups["first step (t = 1)"]


def test_what_a_child_reports_of_its_attempts_never_changes_a_score(plan):
    """Attempts are the child's own word (it can forge or hide them): flags and notes, never points."""
    events = [{"event": "ready"}, {"event": "item start", "name": "adam_step"},
              {"event": "attempt", "kind": "files".encode().hex(), "what": "read /etc/shadow".encode().hex()},
              {"event": "attempt", "kind": "reference".encode().hex(),
               "what": "use course_lib.optim.Adam".encode().hex()}]
    events += [honest_event(plan, item.name, item.reference) | {"event": "item"} for item in plan.items]
    transcript = Transcript(events + [{"event": "done"}], set(plan.expected))
    assert transcript.garbled == 0 and len(transcript.attempts) == 2
    run = Run(answers=transcript.items, flags=["adam_step tried to read /etc/shadow"])
    submission = subs.Submission(None, "alice/05-adam.ipynb", "alice", "05")
    row = judge_row(new_row(submission, subs.Notebook("x", "05"), plan), plan, run)
    assert row["total"] == plan.max_points and row["flags"] == ["adam_step tried to read /etc/shadow"]


@pytest.mark.parametrize("event", [
    {"event": "cell", "cell": 10**9, "status": "ran", "message": ""},           # a cell number out of range
    {"event": "cell", "cell": 3, "status": "passed", "message": ""},           # a status the child may not give
    {"event": "cell", "cell": True, "status": "ran", "message": ""},           # a bool is not a cell number
    {"event": "cell start", "cell": "3"},
    {"event": "attempt", "kind": "zz", "what": "00"},                          # not hex
    {"event": "attempt", "kind": 5, "what": "00"},
    {"event": "attempt", "kind": "ab" * 5000, "what": "00"},                   # far too long
    {"event": "item", "name": "not_an_item", "outcomes": []},
    {"event": "item start", "name": ["adam_step"]},
    {"event": "graded", "total": 7},
    {"no": "event"},
])
def test_every_field_of_a_childs_message_is_checked(plan, event):
    transcript = Transcript([event], set(plan.expected))
    assert transcript.garbled == 1 and not transcript.cells and not transcript.items and transcript.at is None


def test_an_item_the_child_never_reached_scores_zero_with_the_reason(plan):
    item = ITEMS["adam_step"]
    result = judge_item(item, plan.expected[item.name], None, "it used more than the CPU-time limit of 60 s", "")
    assert result.points == 0 and "CPU-time limit" in result.diagnosis


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [dict(wall_seconds=0), dict(cpu_seconds=-1), dict(memory_bytes=1 << 20),
                                 dict(call_seconds="5"), dict(file_bytes=True)])
def test_bad_limits_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        Limits(**bad)


def test_the_command_line_refuses_bad_arguments_clearly(tmp_path):
    run = lambda *args: subprocess.run([sys.executable, "-m", "course_lib.grade", *args], capture_output=True,
                                       text=True, timeout=60)
    missing = run(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert missing.returncode != 0 and "not a folder of submissions" in missing.stderr
    (tmp_path / "subs").mkdir()
    inside = run(str(tmp_path / "subs"), "--out", str(tmp_path / "subs" / "grades"))
    assert inside.returncode != 0 and "outside the submissions folder" in inside.stderr
    workers = run(str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--workers", "0")
    assert workers.returncode != 0 and "--workers must be at least 1" in workers.stderr


def test_every_worksheet_grades_the_items_its_solution_checks():
    """WORKSHEET_ITEMS (what the grader grades, and the order of its columns) must be the check(...) calls
    of each solution, in the worksheet's order."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    for path in sorted((root / "solutions").glob("[0-9][0-9]-*.ipynb")):
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        checked = re.findall(r'check\("([a-z_0-9]+)"', source)
        assert list(dict.fromkeys(checked)) == WORKSHEET_ITEMS[path.name[:2]], path.name   # in the worksheet's order


# --- the whole course's worksheets ---------------------------------------------------------------


@test_sandbox.needs_sandbox
def test_every_solution_gets_full_marks_and_every_exercise_none(tmp_path):
    """Through the sandbox: the solved worksheets (including 08, whose counterexample_final_x is told
    to use optim.Adam) score their maximum, the handed-out stubs 0 with 'not attempted'."""
    import shutil
    from pathlib import Path
    from course_lib.grade import grade
    root = Path(__file__).resolve().parent.parent
    for folder, student in (("solutions", "solved"), ("exercises", "stub")):
        for path in sorted((root / folder).glob("[0-9][0-9]-*.ipynb")):
            (tmp_path / "subs" / student).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, tmp_path / "subs" / student / path.name)
    rows = grade(tmp_path / "subs", tmp_path / "out", workers=2, hidden_seed=7, progress=False)
    assert len(rows) == 2 * len(WORKSHEET_ITEMS)
    for row in rows:
        maximum = sum(ITEMS[name].points for name in WORKSHEET_ITEMS[row["worksheet"]])
        assert row["status"] == "graded" and row["max"] == maximum, row["file"]
        if row["student"] == "solved":
            assert row["total"] == maximum, (row["file"], {k: v["diagnosis"] for k, v in row["items"].items()})
        else:
            assert row["total"] == 0 and all(r["status"] == "not attempted" for r in row["items"].values()), row["file"]



# --- one submission's trouble is its own row -----------------------------------------------------


@test_sandbox.needs_sandbox
@pytest.mark.parametrize("where", ["judging", "writing its files"])
def test_a_grader_failure_on_one_submission_is_that_submissions_row(tmp_path, monkeypatch, where):
    """Whatever fails while handling one submission becomes its row ('grader error', with the reason);
    every other submission is graded as usual."""
    import shutil
    from pathlib import Path
    from course_lib.grade import batch, grade, report
    solution = Path(__file__).resolve().parent.parent / "solutions" / "05-adam.ipynb"
    for student in ("alice", "mallory", "zoe"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        shutil.copy(solution, tmp_path / "subs" / student / solution.name)
    if where == "judging":
        real = batch.judge_row
        def judge_row(row, plan, run):
            if row["student"] == "mallory":
                raise OverflowError("int too large to convert to float")
            return real(row, plan, run)
        monkeypatch.setattr(batch, "judge_row", judge_row)
    else:
        real = report.write_submission
        def write_submission(out, row, name, title):
            if row["student"] == "mallory":
                raise OSError(36, "File name too long")
            return real(out, row, name, title)
        monkeypatch.setattr(report, "write_submission", write_submission)
    rows = grade(tmp_path / "subs", tmp_path / "out", workers=2, hidden_seed=5, progress=False)
    by_student = {row["student"]: row for row in rows}
    assert sorted(by_student) == ["alice", "mallory", "zoe"]
    assert by_student["mallory"]["status"] == "grader error"
    assert ("int too large" if where == "judging" else "File name too long") in by_student["mallory"]["reason"]
    for student in ("alice", "zoe"):
        assert by_student[student]["status"] == "graded" and by_student[student]["total"] == 7.0
    csv_text = (tmp_path / "out" / "grades.csv").read_text()
    assert csv_text.count("\n") == 4 and "mallory" in csv_text
