"""The grades as a Canvas and a Moodle gradebook can import them, and the roster that says who is who.

Written beside grades.csv after every grading run (``write_exports``):

``canvas-grades.csv``
    Canvas's gradebook import: the columns ``Student``, ``ID``, ``SIS User ID``,
    ``SIS Login ID``, ``Section``, then one column per worksheet holding its
    total points, and a ``Points Possible`` row under the header with each
    worksheet's maximum. Canvas finds the student by ``ID`` (the Canvas user
    id), else by the SIS ids, else by name; it finds the assignment by the
    column's title ("05-adam"), or by its id when the title ends in one
    ("05-adam (1234)", as Canvas's own export writes it), and otherwise creates
    an assignment of that title worth the Points Possible. An empty cell leaves
    Canvas's grade as it was.

``moodle-grades.csv``
    Moodle's "Import grades from CSV file": a row per student with
    ``Full name``, ``Email address`` and ``Username``, then one column per
    worksheet (its total points). On Moodle's mapping page choose "Map from:
    Email address, Map to: useremail" (or "Username" to "username"), and for
    each worksheet column its grade item or "new grade item". Moodle stops
    the whole import at a student it cannot find, and reads an empty cell as
    "no grade".

Identities come from a roster (``--roster FILE``), a CSV with a header row and
these columns (only ``submission`` is required; the others may be left out
or empty)::

    submission       the student's folder or name as grades.csv's "student" column has it
    name             the student's name as the LMS shows it
    email            the email address (Moodle)
    canvas_id        the Canvas user id (the "ID" column of a Canvas gradebook export)
    sis_user_id      the SIS user id (Canvas)
    sis_login_id     the SIS login id (Canvas)
    section          the section (Canvas)
    moodle_username  the Moodle username

A roster student with no submission is exported with empty grades; a
submission whose student is not on the roster is left out of both files.
Both lists are in the class report and printed at the end of the run.
Without a roster the exports use the submission names as identities (the
``Student`` column in Canvas, the ``Username`` column in Moodle), and say so.

A total goes into the exports when its submission was graded (status
``graded`` or ``incomplete``); ``unreadable``, ``unknown worksheet`` and
``grader error`` leave the cell empty, for the instructor to decide (grades.csv
has the reason). A student with two notebooks for one worksheet gets the
higher total. Every text cell goes through ``report.spreadsheet_safe``: a name
that starts like a formula is written with a leading apostrophe.

The columns are the ones these pages give:

- https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
- https://github.com/instructure/canvas-lms/blob/master/app/models/gradebook_importer.rb
- https://docs.moodle.org/311/en/Grade_import
- https://github.com/moodle/moodle/blob/main/grade/import/grade_import_form.php
- https://github.com/moodle/moodle/blob/main/grade/import/csv/classes/load_data.php
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, fields
from pathlib import Path

from . import report

GRADED = ("graded", "incomplete")   # the statuses whose totals are grades
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDENTITY = ("Full name", "Email address", "Username")


class RosterError(ValueError):
    """The roster file cannot be used: what is wrong, and where."""


@dataclass(frozen=True)
class Student:
    """One student as the LMS knows them; ``submission`` is the name in the grader's rows."""

    submission: str = ""
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    moodle_username: str = ""

    @property
    def shown(self) -> str:
        """How the report names the student: the roster's name and the submission's."""
        if self.name and self.submission and self.name != self.submission:
            return f"{self.name} ({self.submission})"
        return self.name or self.submission or "(no name)"


ROSTER_COLUMNS = tuple(f.name for f in fields(Student))


@dataclass
class Matching:
    """Who the exports list, and what did not match."""

    students: list[Student]                              # the exports' rows, in the roster's order
    missing: list[Student] = field(default_factory=list)   # on the roster, no submission at all
    unknown: list[str] = field(default_factory=list)       # submission names not on the roster
    from_roster: bool = False
    no_moodle_identity: list[Student] = field(default_factory=list)   # neither email nor Moodle username


def read_roster(path: Path) -> list[Student]:
    """The roster's students; raises RosterError saying what is wrong with the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")   # a spreadsheet's "CSV UTF-8" starts with a BOM
        lines = list(csv.reader(io.StringIO(text)))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    header = [name.strip().lower() for name in lines[0]] if lines else []
    if "submission" not in header:
        raise RosterError(f"the roster {path} needs a header row with a 'submission' column "
                          f"(its columns: {', '.join(ROSTER_COLUMNS)}); its first row is {lines[0] if lines else []}")
    known = {column: header.index(column) for column in ROSTER_COLUMNS if column in header}
    students, seen = [], {}
    for line_number, line in enumerate(lines[1:], start=2):
        values = {column: line[index].strip() for column, index in known.items() if index < len(line)}
        if not any(values.values()):
            continue
        student = Student(**values)
        if student.submission in seen:
            raise RosterError(f"the roster {path} names the submission {student.submission!r} twice "
                              f"(lines {seen[student.submission]} and {line_number})")
        if student.submission:
            seen[student.submission] = line_number
        students.append(student)
    return students


def match(rows: list[dict], roster: list[Student] | None) -> Matching:
    """The exports' students: the roster's, or (without one) every submission name in the rows."""
    submitted = list(dict.fromkeys(row["student"] for row in rows))
    if roster is None:
        return Matching([Student(submission=name, name=name, moodle_username=name) for name in submitted])
    on_roster = {student.submission for student in roster if student.submission}
    have = set(submitted)
    return Matching(list(roster), missing=[s for s in roster if s.submission not in have],
                    unknown=[name for name in submitted if name not in on_roster], from_roster=True,
                    no_moodle_identity=[s for s in roster if not (s.email or s.moodle_username)])


def worksheet_columns(rows: list[dict], titles: dict[str, str]) -> list[tuple[str, str, float]]:
    """(worksheet, column title, maximum points) for each worksheet graded in the rows, in order."""
    maxima: dict[str, float] = {}
    for row in rows:
        if row["status"] in GRADED and row["worksheet"]:
            maxima[row["worksheet"]] = max(maxima.get(row["worksheet"], 0.0), float(row["max"]))
    return [(ws, titles.get(ws, f"worksheet {ws}"), maxima[ws]) for ws in sorted(maxima)]


def totals(rows: list[dict]) -> dict[tuple[str, str], float]:
    """(student, worksheet) -> the total the exports give: the higher one if there are several."""
    best: dict[tuple[str, str], float] = {}
    for row in rows:
        if row["status"] in GRADED and row["worksheet"]:
            key = (row["student"], row["worksheet"])
            best[key] = max(best.get(key, float("-inf")), float(row["total"]))
    return best


def number(points: float | None) -> str:
    """A grade as the LMS reads it: 6.5, 7 (never 7.0 nor 7e+00), or empty."""
    return "" if points is None else f"{points:.2f}".rstrip("0").rstrip(".")


def _csv(lines: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([report.spreadsheet_safe(value) for value in line])
    return buffer.getvalue()


def canvas_csv(rows: list[dict], matching: Matching, titles: dict[str, str]) -> str:
    columns = worksheet_columns(rows, titles)
    given = totals(rows)
    lines = [[*CANVAS_IDENTITY, *(title for _, title, _ in columns)],
             ["Points Possible", "", "", "", "", *(number(maximum) for _, _, maximum in columns)]]
    for student in matching.students:
        lines.append([student.name or student.submission, student.canvas_id, student.sis_user_id,
                      student.sis_login_id, student.section,
                      *(number(given.get((student.submission, ws))) for ws, _, _ in columns)])
    return _csv(lines)


def moodle_csv(rows: list[dict], matching: Matching, titles: dict[str, str]) -> str:
    columns = worksheet_columns(rows, titles)
    given = totals(rows)
    lines = [[*MOODLE_IDENTITY, *(title for _, title, _ in columns)]]
    for student in matching.students:
        if student in matching.no_moodle_identity:   # Moodle would stop the import at this row
            continue
        lines.append([student.name or student.submission, student.email, student.moodle_username,
                      *(number(given.get((student.submission, ws))) for ws, _, _ in columns)])
    return _csv(lines)


def write_exports(out: Path, rows: list[dict], matching: Matching, titles: dict[str, str]) -> None:
    """Write canvas-grades.csv and moodle-grades.csv into out (``match`` says who is who)."""
    report.atomic_write(Path(out) / "canvas-grades.csv", canvas_csv(rows, matching, titles))
    report.atomic_write(Path(out) / "moodle-grades.csv", moodle_csv(rows, matching, titles))


def roster_lines(matching: Matching, limit: int = 20) -> list[str]:
    """What the end of a run prints about the roster (nothing to say: no lines)."""
    def names(entries):
        shown = ", ".join(entries[:limit])
        return shown + (f", and {len(entries) - limit} more (see class-report.html)" if len(entries) > limit else "")

    if not matching.from_roster:
        return ["No roster (--roster FILE): canvas-grades.csv and moodle-grades.csv use the submission names "
                "as the students' identities."]
    lines = []
    if matching.missing:
        lines.append(f"On the roster with no submission ({len(matching.missing)}, exported with empty grades): "
                     + names([s.shown for s in matching.missing]))
    if matching.unknown:
        lines.append(f"Submissions not on the roster ({len(matching.unknown)}, left out of the exports): "
                     + names(matching.unknown))
    if matching.no_moodle_identity:
        lines.append(f"On the roster with neither email nor moodle_username ({len(matching.no_moodle_identity)}, "
                     f"left out of moodle-grades.csv): " + names([s.shown for s in matching.no_moodle_identity]))
    return lines


__all__ = ["ROSTER_COLUMNS", "Matching", "RosterError", "Student", "canvas_csv", "match", "moodle_csv",
           "read_roster", "roster_lines", "write_exports"]
