"""The class report and the LMS exports, from rows built by hand (no sandbox), and once end to end
through the grader on a small class of solved, unsolved, mistaken and broken notebooks.

Every number is counted here from the rows themselves, never read back from what the report wrote."""

import base64
import csv
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from course_lib.checks import ITEMS, WORKSHEET_ITEMS
from course_lib.grade import batch, class_report, exports, report

import test_sandbox

ROOT = Path(__file__).resolve().parent.parent
TITLES = {"04": "04-rmsprop", "05": "05-adam"}


# --- rows as the grader writes them ---------------------------------------------------------------


def mistake(item, index=0, accepted=False):
    """The diagnosis (or variant) text the checks give for one of an item's named mistakes."""
    chosen = [m for m in ITEMS[item].mistakes if m.accepted == accepted][index]
    return chosen.name, f"{chosen.name}. {chosen.explanation}"


def groups_of(item):
    """The item's case groups, in the order its check shows them."""
    return list(dict.fromkeys(c.group for c in ITEMS[item].cases(np.random.default_rng(0))))


def result(item, status="passed", failing=(), diagnosis=None, variant=None):
    """An item's result as judge.judge_item records it; `failing` lists the case groups that fail."""
    maximum = ITEMS[item].points
    groups = {} if status in ("not attempted", "error") else {g: g not in failing for g in groups_of(item)}
    passed = sum(groups.values())
    points = round(maximum * passed / len(groups), 2) if groups else 0.0
    return {"item": item, "status": status, "points": points, "max_points": maximum, "groups": groups,
            "diagnosis": diagnosis, "variant": variant, "first_failure": None}


def row(student, worksheet, status="graded", items=None, cells=(), reason="", file=None):
    items = items or {}
    maximum = sum(ITEMS[n].points for n in WORKSHEET_ITEMS.get(worksheet, []))
    return {"student": student, "file": file or f"{student}/{TITLES.get(worksheet, worksheet)}.ipynb",
            "sha256": "", "worksheet": worksheet, "status": status, "reason": reason,
            "total": round(sum(r["points"] for r in items.values()), 2),
            "max": maximum if status in ("graded", "incomplete", "grader error") else 0.0,
            "items": items, "cells": list(cells), "flags": [], "notes": [], "seconds": 0.1}


def adam(adam_step=None, first=None, eps_hat=None):
    return {"adam_step": adam_step or result("adam_step"),
            "first_adam_step": first or result("first_adam_step"),
            "efficient_eps_hat": eps_hat or result("efficient_eps_hat")}


FORGOT, FORGOT_TEXT = mistake("adam_step", 0)
EPS_INSIDE, EPS_INSIDE_TEXT = next((m.name, f"{m.name}. {m.explanation}") for m in ITEMS["adam_step"].mistakes
                                   if m.name == "epsilon inside the square root")
STEP_GROUPS = groups_of("adam_step")
TF_VARIANT, TF_VARIANT_TEXT = mistake("rmsprop_step", 0, accepted=True)


def hand_class():
    """A class of worksheet 05 and 04 notebooks with known mistakes, variants, statuses and cell errors."""
    syntax = {"cell": 3, "status": "syntax error", "message": "invalid syntax (line 4)"}
    name_error = {"cell": 5, "status": "error", "message": "NameError: name 'np' is not defined (line 2)"}
    withheld = {"cell": 8, "status": "error",
                "message": "AttributeError: course_lib.optim.Adam is withheld while grading: ... (line 9)"}
    rows = [row(f"pass{k}", "05", items=adam(), cells=[withheld]) for k in range(4)]
    rows += [row(f"forgot{k}", "05", items=adam(result("adam_step", "failed", STEP_GROUPS[:2], FORGOT_TEXT)))
             for k in range(3)]
    rows.append(row("eps", "05", items=adam(result("adam_step", "failed", STEP_GROUPS[3:4], EPS_INSIDE_TEXT),
                                            result("first_adam_step", "failed", groups_of("first_adam_step")[:1],
                                                   mistake("first_adam_step", 1)[1])), cells=[name_error]))
    rows.append(row("odd", "05", items=adam(result("adam_step", "failed", STEP_GROUPS[5:6],
                                                   "TypeError: unsupported operand")), cells=[name_error, syntax]))
    rows.append(row("stub", "05", items=adam(result("adam_step", "not attempted"),
                                             result("first_adam_step", "not attempted"),
                                             result("efficient_eps_hat", "not attempted"))))
    rows.append(row("slow", "05", "incomplete", adam(result("adam_step", "error", diagnosis="not graded: 60 s"),
                                                    result("first_adam_step", "error", diagnosis="not graded: 60 s"),
                                                    result("efficient_eps_hat", "error", diagnosis="not graded")),
                    reason="grading stopped early: the wall-clock limit"))
    rows.append(row("crashed", "05", "grader error", reason="the grader failed on this submission: OSError"))
    rows.append(row("junk", "", "unreadable", reason="the file is not valid JSON", file="junk/05-adam.ipynb"))
    rows.append(row("lost", "42", "unknown worksheet", reason="neither its metadata nor its name says",
                    file="lost/42-extra.ipynb"))
    rows.append(row("=HYPERLINK(\"x\")", "05", items=adam()))                     # a name that is a formula
    rows.append(row("<script>alert(1)</script>", "05", items=adam(result("adam_step", "failed", STEP_GROUPS[:2],
                                                                         FORGOT_TEXT))))
    # worksheet 04: two notebooks in TensorFlow's accepted variant, one plain pass, one a second notebook of pass0
    rms = {"rmsprop_step": result("rmsprop_step", variant=TF_VARIANT_TEXT),
           "adadelta_step": result("adadelta_step"), "first_adadelta_step": result("first_adadelta_step")}
    rows += [row("pass0", "04", items=rms), row("pass1", "04", items=rms)]
    rows.append(row("pass2", "04", items={**rms, "rmsprop_step": result("rmsprop_step")}))
    rows.append(row("pass0", "04", items={**rms, "adadelta_step": result("adadelta_step", "failed",
                                                                          groups_of("adadelta_step")[:1])},
                    file="pass0/04-rmsprop-again.ipynb"))
    return rows


def md_table_rows(markdown):
    return {tuple(cell.strip() for cell in line.strip("|").split(" | ")) for line in markdown.splitlines()
            if line.startswith("| ")}


# --- the class report from hand-made rows ---------------------------------------------------------


def test_named_mistakes_are_counted_per_item_as_the_rows_name_them():
    rows = hand_class()
    expected = Counter()
    for r in rows:
        for name, res in r["items"].items():
            if r["status"] in ("graded", "incomplete") and res["diagnosis"]:
                for m in ITEMS[name].mistakes:
                    if not m.accepted and res["diagnosis"] == f"{m.name}. {m.explanation}":
                        expected[(r["worksheet"], name, m.name)] += 1
    assert expected[("05", "adam_step", FORGOT)] == 4 and expected[("05", "adam_step", EPS_INSIDE)] == 1
    summary = class_report.summarize(rows, TITLES)
    counted = Counter({(ws.worksheet, item.name, m): n for ws in summary.worksheets for item in ws.items
                       for m, n in item.mistakes.items()})
    assert counted == expected
    markdown = class_report.to_markdown(class_report.blocks(summary))
    assert (FORGOT, "4") in md_table_rows(markdown) and (EPS_INSIDE, "1") in md_table_rows(markdown)
    adam_step = next(i for i in summary.worksheets[1].items if i.name == "adam_step")
    assert adam_step.unnamed_failures == 1                       # the TypeError matches no named mistake
    assert adam_step.outcomes == Counter({"passed": 5, "failed": 6, "not attempted": 1, "error": 1})


def test_accepted_variants_are_counted_and_pass():
    rows = hand_class()
    in_use = sum(1 for r in rows if r["worksheet"] == "04" and r["items"]["rmsprop_step"]["variant"])
    summary = class_report.summarize(rows, TITLES)
    rmsprop = next(i for ws in summary.worksheets for i in ws.items if i.name == "rmsprop_step")
    assert rmsprop.variants == Counter({TF_VARIANT: in_use}) and in_use == 3
    assert (TF_VARIANT, str(in_use)) in md_table_rows(class_report.to_markdown(class_report.blocks(summary)))


def test_a_mistake_made_on_top_of_an_accepted_variant_counts_as_both():
    name, text = mistake("rmsprop_step", 1)
    both = result("rmsprop_step", "failed", groups_of("rmsprop_step")[:1],
                  diagnosis=f"you wrote {TF_VARIANT} (accepted) and also {text}", variant=TF_VARIANT_TEXT)
    rows = [row("zoe", "04", items={"rmsprop_step": both})]
    rmsprop = class_report.summarize(rows, TITLES).worksheets[0].items[0]
    assert rmsprop.mistakes == Counter({name: 1}) and rmsprop.variants == Counter({TF_VARIANT: 1})


def test_group_failure_shares_are_of_the_students_whose_answers_were_compared():
    rows = [r for r in hand_class() if r["worksheet"] == "05" and r["status"] in ("graded", "incomplete")]
    compared = Counter(g for r in rows for g in r["items"]["adam_step"]["groups"])
    failing = Counter(g for r in rows for g, ok in r["items"]["adam_step"]["groups"].items() if not ok)
    summary = class_report.summarize(hand_class(), TITLES)
    adam_step = next(i for i in summary.worksheets[1].items if i.name == "adam_step")
    shown = {g.group: (g.failing, g.compared) for g in adam_step.groups}
    assert shown == {g: (failing[g], compared[g]) for g in failing}
    assert compared[STEP_GROUPS[0]] == 11 and failing[STEP_GROUPS[0]] == 4       # stub and slow: not compared
    assert [g.group for g in adam_step.groups][:2] == STEP_GROUPS[:2]            # the most failed first
    share = f"{100 * failing[STEP_GROUPS[0]] / compared[STEP_GROUPS[0]]:.0f}%"
    markdown = class_report.to_markdown(class_report.blocks(summary))
    assert (class_report.markdown_text(STEP_GROUPS[0]), "4", "11", share) in md_table_rows(markdown)


def test_status_counts_cover_all_five_statuses_and_the_ungraded_are_listed_with_their_reason():
    rows = hand_class()
    counts = Counter(r["status"] for r in rows)
    summary = class_report.summarize(rows, TITLES)
    assert summary.statuses == counts
    table = md_table_rows(class_report.to_markdown(class_report.blocks(summary)))
    for status in ("graded", "incomplete", "unreadable", "unknown worksheet", "grader error"):
        assert (status, str(counts[status])) in table
    assert {(r["student"], r["status"]) for r in summary.ungraded} == {
        ("crashed", "grader error"), ("junk", "unreadable"), ("lost", "unknown worksheet")}
    assert ("lost", "lost/42-extra.ipynb", "unknown worksheet", "neither its metadata nor its name says") in table


def test_the_most_common_cell_errors_count_each_notebook_once_and_leave_out_what_grading_withholds():
    summary = class_report.summarize(hand_class(), TITLES)
    adam_ws = summary.worksheets[1]
    assert adam_ws.cell_errors == Counter({"NameError: name 'np' is not defined": 2, "invalid syntax": 1})
    assert adam_ws.withheld == 4


def test_a_second_notebook_from_a_student_is_named_and_the_exports_take_the_higher_total(tmp_path):
    rows = hand_class()
    summary = class_report.summarize(rows, TITLES)
    assert summary.worksheets[0].repeated == ["pass0"]
    highest = max(r["total"] for r in rows if r["student"] == "pass0" and r["worksheet"] == "04")
    matching = exports.match(rows, None)
    exported = list(csv.reader(io.StringIO(exports.canvas_csv(rows, matching, TITLES))))
    column = exported[0].index("04-rmsprop")
    assert [line[column] for line in exported if line[0] == "pass0"] == [f"{highest:g}"]


def test_the_html_page_is_self_contained_and_escapes_what_students_named(tmp_path):
    rows = hand_class()
    matching = exports.match(rows, exports.read_roster(roster_file(tmp_path, ROSTER)))   # lists the unknown
    path = class_report.write(tmp_path, rows, TITLES, matching)
    page = path.read_text()
    assert not re.search(r"https?://", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    pictures = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert pictures and all(base64.b64decode(p)[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures)
    assert "<script>" not in page and "&lt;script&gt;" in page
    markdown = (tmp_path / "class-report.md").read_text()
    linked = re.findall(r"!\[[^\]]*\]\((class-report/[^)]+\.png)\)", markdown)
    assert len(linked) == len(pictures) and all((tmp_path / p).is_file() for p in linked)
    assert "<script>" not in markdown and r"\<script\>alert(1)\</script\>" in markdown
    judged = {r["worksheet"] for r in rows if r["status"] in ("graded", "incomplete")}
    items = sum(len(WORKSHEET_ITEMS[ws]) for ws in judged)
    assert len(pictures) == len(judged) + items                  # a histogram per worksheet and per item


def test_writing_the_report_again_changes_nothing_and_removes_stale_pictures(tmp_path):
    rows = hand_class()
    class_report.write(tmp_path, rows, TITLES)
    before = {p.name: p.read_bytes() for p in (tmp_path / "class-report").iterdir()}
    html_before = (tmp_path / "class-report.html").read_bytes()
    class_report.write(tmp_path, rows, TITLES)
    assert {p.name: p.read_bytes() for p in (tmp_path / "class-report").iterdir()} == before
    assert (tmp_path / "class-report.html").read_bytes() == html_before
    class_report.write(tmp_path, [r for r in rows if r["worksheet"] != "04"], TITLES)
    assert not any(p.name.startswith("04-") for p in (tmp_path / "class-report").iterdir())


# --- the roster and the LMS exports ----------------------------------------------------------------


def roster_file(tmp_path, lines):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")   # as a spreadsheet saves "CSV UTF-8"
    return path


ROSTER = ["submission,name,email,canvas_id,sis_user_id,sis_login_id,section,moodle_username,notes",
          "pass0,Ann Pass,ann@uni.example,101,S101,ann,Lab A,ann,extra columns are ignored",
          "forgot0,Bo Forgot,bo@uni.example,102,S102,bo,Lab B,bo,",
          "=HYPERLINK(\"x\"),=cmd|' /C calc'!A0,eve@uni.example,103,S103,eve,Lab A,eve,",
          "absent,Cy Absent,cy@uni.example,104,S104,cy,Lab B,cy,",
          "noid,Di No-Id,,105,S105,di,Lab B,,"]


def parse(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_export_has_canvas_columns_points_possible_and_the_rows_totals(tmp_path):
    rows = hand_class()
    roster = exports.read_roster(roster_file(tmp_path, ROSTER))
    lines = parse(exports.canvas_csv(rows, exports.match(rows, roster), TITLES))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "04-rmsprop", "05-adam"]
    maxima = {ws: sum(ITEMS[n].points for n in WORKSHEET_ITEMS[ws]) for ws in ("04", "05")}
    assert lines[1] == ["Points Possible", "", "", "", "", f"{maxima['04']:g}", f"{maxima['05']:g}"]
    by_id = {line[1]: line for line in lines[2:]}
    assert set(by_id) == {"101", "102", "103", "104", "105"}               # the roster, not "odd" or "stub"
    for canvas_id, submission in (("101", "pass0"), ("102", "forgot0"), ("103", "=HYPERLINK(\"x\")")):
        for column, ws in ((5, "04"), (6, "05")):
            totals = [r["total"] for r in rows if r["student"] == submission and r["worksheet"] == ws
                      and r["status"] in ("graded", "incomplete")]
            assert by_id[canvas_id][column] == (f"{max(totals):g}" if totals else "")
    assert by_id["101"][:5] == ["Ann Pass", "101", "S101", "ann", "Lab A"]
    assert by_id["104"][5:] == ["", ""]                                      # on the roster, nothing handed in
    assert by_id["103"][0] == "'=cmd|' /C calc'!A0"                          # a formula is not a formula
    assert by_id["103"][0] == report.spreadsheet_safe("=cmd|' /C calc'!A0")


def test_moodle_export_identifies_by_email_and_username_and_leaves_out_who_it_cannot_identify(tmp_path):
    rows = hand_class()
    matching = exports.match(rows, exports.read_roster(roster_file(tmp_path, ROSTER)))
    lines = parse(exports.moodle_csv(rows, matching, TITLES))
    assert lines[0] == ["Full name", "Email address", "Username", "04-rmsprop", "05-adam"]
    by_email = {line[1]: line for line in lines[1:]}
    assert set(by_email) == {"ann@uni.example", "bo@uni.example", "eve@uni.example", "cy@uni.example"}
    total_05 = max(r["total"] for r in rows if r["student"] == "forgot0" and r["worksheet"] == "05")
    assert by_email["bo@uni.example"] == ["Bo Forgot", "bo@uni.example", "bo", "", f"{total_05:g}"]
    assert by_email["eve@uni.example"][0].startswith("'=")
    assert [s.submission for s in matching.no_moodle_identity] == ["noid"]


def test_the_roster_names_who_is_missing_and_which_submissions_are_unknown(tmp_path):
    rows = hand_class()
    roster = exports.read_roster(roster_file(tmp_path, ROSTER))
    matching = exports.match(rows, roster)
    on_roster = {s.submission for s in roster}
    submitted = {r["student"] for r in rows}
    assert {s.submission for s in matching.missing} == on_roster - submitted == {"absent", "noid"}
    assert set(matching.unknown) == submitted - on_roster and "odd" in matching.unknown
    lines = exports.roster_lines(matching)
    assert any("Cy Absent (absent)" in line and "no submission" in line for line in lines)
    assert any("not on the roster" in line and "stub" in line for line in lines)
    markdown = class_report.to_markdown(class_report.blocks(class_report.summarize(rows, TITLES, matching)))
    assert f"On the roster with no submission at all: {len(on_roster - submitted)} (" in markdown
    assert f"Submissions not on the roster, left out of the exports: {len(submitted - on_roster)} (" in markdown
    not_05 = {s.submission for s in roster} - {r["student"] for r in rows if r["worksheet"] == "05"}
    adam_ws = class_report.summarize(rows, TITLES, matching).worksheets[1]
    assert {s.submission for s in adam_ws.not_handed_in} == not_05


def test_without_a_roster_the_exports_use_the_submission_names_and_say_so():
    rows = hand_class()
    matching = exports.match(rows, None)
    canvas = parse(exports.canvas_csv(rows, matching, TITLES))
    moodle = parse(exports.moodle_csv(rows, matching, TITLES))
    names = list(dict.fromkeys(r["student"] for r in rows))
    assert [line[0] for line in canvas[2:]] == [report.spreadsheet_safe(n) for n in names]
    assert [line[2] for line in moodle[1:]] == [report.spreadsheet_safe(n) for n in names]
    assert "submission names" in exports.roster_lines(matching)[0]
    markdown = class_report.to_markdown(class_report.blocks(class_report.summarize(rows, TITLES)))
    assert "No roster was given" in markdown and "submission names" in markdown


@pytest.mark.parametrize("lines, problem", [
    (["name,email", "Ann,ann@uni.example"], "'submission' column"),
    (["submission,name", "ann,Ann", "ann,Ann again"], "twice (lines 2 and 3)"),
])
def test_a_roster_that_cannot_be_used_says_why(tmp_path, lines, problem):
    with pytest.raises(exports.RosterError, match=re.escape(problem)):
        exports.read_roster(roster_file(tmp_path, lines))


def test_the_command_line_refuses_a_bad_roster_before_grading(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "roster.csv").write_text("name\nAnn\n")
    with pytest.raises(SystemExit, match="submission"):
        batch.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--roster", str(tmp_path / "roster.csv")])
    assert not (tmp_path / "out").exists()


# --- writing: a report that fails loses no grades --------------------------------------------------


@pytest.mark.parametrize("broken", ["class report", "exports"])
def test_a_failure_writing_the_report_or_the_exports_is_a_warning_and_loses_nothing(tmp_path, monkeypatch, capsys,
                                                                                     broken):
    rows = hand_class()
    report.write_tables(tmp_path, rows)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(class_report if broken == "class report" else exports,
                        "write" if broken == "class report" else "write_exports", fail)
    batch.write_class_files(tmp_path, rows, None, TITLES)
    assert "warning: could not write" in capsys.readouterr().err
    assert len(json.loads((tmp_path / "grades.json").read_text())["rows"]) == len(rows)
    assert (tmp_path / "grades.csv").exists()
    assert (tmp_path / "class-report.html").exists() == (broken != "class report")
    assert (tmp_path / "canvas-grades.csv").exists() == (broken != "exports")


# --- end to end: a small class graded in the sandbox -------------------------------------------------


def mutated(source: Path, target: Path, replacements):
    """A copy of a notebook with some of its code changed (a student's mistake, a broken cell)."""
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        for old, new in replacements:
            text = text.replace(old, new)
        cell["source"] = text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook))


def sample_class(root: Path) -> Path:
    """Solved and unsolved worksheets, a known mistake, a broken cell, junk and a worksheet nobody set."""
    subs = root / "subs"
    for student, folder, name in (("ann", "solutions", "05-adam"), ("ann", "solutions", "07-adamax"),
                                  ("ben", "exercises", "05-adam"), ("ben", "exercises", "07-adamax")):
        (subs / student).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / folder / f"{name}.ipynb", subs / student / f"{name}.ipynb")
    solution = ROOT / "solutions" / "05-adam.ipynb"
    mutated(solution, subs / "cat" / "05-adam.ipynb",                      # forgot the bias correction
            [("m_hat = m / (1 - beta1**t)", "m_hat = m"), ("v_hat = v / (1 - beta2**t)", "v_hat = v")])
    mutated(solution, subs / "dan" / "05-adam.ipynb",                      # a cell that does not parse
            [("return eps * math.sqrt(1 - beta2**t)", "return eps * math.sqrt(1 - beta2**t")])
    (subs / "eve").mkdir()
    (subs / "eve" / "05-adam.ipynb").write_bytes(b"\x00 not a notebook")
    mutated(solution, subs / "fay" / "42-extra.ipynb", [])                  # no such worksheet
    return subs


@test_sandbox.needs_sandbox
def test_a_graded_class_gets_a_report_and_exports_that_agree_with_its_rows(tmp_path, capsys):
    from course_lib.grade import grade
    subs = sample_class(tmp_path)
    roster = roster_file(tmp_path, ["submission,name,email,canvas_id,moodle_username",
                                    "ann,Ann,ann@uni.example,1,ann", "cat,Cat,cat@uni.example,3,cat",
                                    "dan,Dan,dan@uni.example,4,dan", "zed,Zed,zed@uni.example,26,zed"])
    rows = grade(subs, tmp_path / "out", workers=2, hidden_seed=7, progress=False, roster=roster)
    out = tmp_path / "out"
    printed = capsys.readouterr().err

    statuses = Counter(r["status"] for r in rows)
    assert statuses == Counter({"graded": 6, "unreadable": 1, "unknown worksheet": 1})
    cat = next(r for r in rows if r["student"] == "cat")
    assert cat["items"]["adam_step"]["diagnosis"].startswith("forgot the bias correction. ")
    dan = next(r for r in rows if r["student"] == "dan")
    assert any(c["status"] == "syntax error" for c in dan["cells"])

    markdown = (out / "class-report.md").read_text()
    table = md_table_rows(markdown)
    for status in class_report.STATUSES:
        assert (status, str(statuses[status])) in table
    judged = [r for r in rows if r["worksheet"] == "05" and r["status"] in ("graded", "incomplete")]
    made = Counter(m.name for r in judged for m in ITEMS["adam_step"].mistakes
                   if not m.accepted and (r["items"]["adam_step"]["diagnosis"] or "").startswith(m.name + ". "))
    assert made["forgot the bias correction"] >= 1
    for name, count in made.items():
        assert (name, str(count)) in table
    compared = Counter(g for r in judged for g in r["items"]["adam_step"]["groups"])
    failing = Counter(g for r in judged for g, ok in r["items"]["adam_step"]["groups"].items() if not ok)
    for group, n in failing.items():
        assert (class_report.markdown_text(group), str(n), str(compared[group]),
                f"{100 * n / compared[group]:.0f}%") in table

    canvas = parse((out / "canvas-grades.csv").read_text())
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "05-adam", "07-adamax"]
    by_id = {line[1]: line for line in canvas[2:]}
    assert set(by_id) == {"1", "3", "4", "26"}
    for canvas_id, student in (("1", "ann"), ("3", "cat"), ("4", "dan")):
        total = next(r["total"] for r in rows if r["student"] == student and r["worksheet"] == "05")
        assert by_id[canvas_id][5] == f"{total:g}"
    assert by_id["26"][5:] == ["", ""]
    moodle = parse((out / "moodle-grades.csv").read_text())
    assert [line[2] for line in moodle[1:]] == ["ann", "cat", "dan", "zed"]

    assert "Zed (zed)" in printed and "no submission" in printed
    unknown = sorted({r["student"] for r in rows} - {"ann", "cat", "dan"})
    assert unknown == ["ben", "eve", "fay"] and all(name in printed for name in unknown)
    page = (out / "class-report.html").read_text()
    assert not re.search(r"https?://", page) and "Zed (zed)" in page
