"""Step 4 of the grader's path: write what the instructor reads, atomically.

In the output folder (mode 0700): ``grades.csv`` and ``grades.json`` (one row
per submission), ``feedback/<student>/<NN-topic>.txt`` (the report the
worksheet's checks show, and what happened in the notebook's cells) and
``results/<file>.json`` (one per submission, written as it is graded, so a
batch can stop and resume). Names come from students' folders and files, so
they are made safe for a file system (any bytes, any length) and for a
spreadsheet (no formulas). The class report (``class_report``) and the LMS
exports (``exports``) are written beside them with ``atomic_write`` too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
from pathlib import Path

from .. import i18n
from ..checks import WORKSHEET_ITEMS, CheckResult

NAME_CHARACTERS = 80   # of a file or folder name the grader makes; a hash keeps long names apart


def atomic_write(path: Path, data: str | bytes, mode: int = 0o600) -> None:
    """Write text (UTF-8) or bytes to path all at once: a reader sees the old file or the new, never half."""
    temporary = path.with_name(f".tmp-{secrets.token_hex(8)}")   # short: path's own name may be near 255 bytes
    try:
        with (open(temporary, "wb") if isinstance(data, bytes) else
              open(temporary, "w", encoding="utf-8", newline="")) as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def spreadsheet_safe(value):
    """A cell a spreadsheet will not run as a formula (student-chosen names and messages end up here)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:10]


def safe_name(text: str) -> str:
    """A short, portable file name for text; two texts that would read alike keep apart by a hash."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "unnamed"
    return f"{name[:NAME_CHARACTERS]}-{digest(text)}" if len(name) > NAME_CHARACTERS else name


def result_name(relative: str) -> str:
    """Readable, and unique: two names that read alike ("zoë", "zoé") differ in the hash."""
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', relative).strip('._')[:NAME_CHARACTERS]}-{digest(relative)}.json"


# The words a submission's and a cell's status are written in (batch, judge, runs, child), each
# translated where the feedback shows it.
STATUSES = (i18n.N_("graded"), i18n.N_("incomplete"), i18n.N_("unreadable"), i18n.N_("unknown worksheet"),
            i18n.N_("grader error"), i18n.N_("ran"), i18n.N_("error"), i18n.N_("syntax error"),
            i18n.N_("not run in grading"), i18n.N_("stopped"))


def feedback_text(row: dict, title: str) -> str:
    """The student's feedback, in the language of the worksheet they worked in: its checks' reports,
    the headings, the statuses, and the notes and cells' messages the grader wrote (a Python error's
    own text stays as Python wrote it)."""
    with i18n.using(row.get("language", "en")):
        return _feedback_text(row, title)


def _feedback_text(row: dict, title: str) -> str:
    _ = i18n._
    lines = [_("Feedback on {title}, {file}").format(title=title, file=row["file"]),
             _("Student: {student}").format(student=row["student"]),
             _("Score: {total} / {max}  ({status})").format(total=f"{row['total']:g}", max=f"{row['max']:g}",
                                                           status=_(row["status"]))]
    if row["reason"]:
        lines.append(_("Why: {reason}").format(reason=i18n.translated(row["reason"])))
    lines.append("")
    for result in row["items"].values():
        lines.append(CheckResult(**result).report())
        lines.append("")
    if row["cells"]:
        lines.append(_("What happened in the notebook's cells:"))
        lines += ["  " + (_("code cell {cell}: {status}: {message}") if c["message"] else
                          _("code cell {cell}: {status}")).format(cell=c["cell"], status=_(c["status"]),
                                                                 message=i18n.translated(c["message"]))
                  for c in row["cells"]]
        lines.append("")
    for heading, entries in ((_("Notes"), row["notes"]), (_("Flags for the instructor"), row["flags"])):
        if entries:
            lines.append(f"{heading}:")
            lines += [f"  - {i18n.translated(entry)}" for entry in entries]
    return "\n".join(lines).rstrip() + "\n"


def write_tables(out: Path, rows: list[dict]) -> None:
    item_columns = [name for ws in sorted(WORKSHEET_ITEMS) for name in WORKSHEET_ITEMS[ws]
                    if any(name in row["items"] for row in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "worksheet", "file", "status", "reason", "total", "max", *item_columns, "flags"])
    for row in rows:
        points = [row["items"][name]["points"] if name in row["items"] else "" for name in item_columns]
        writer.writerow([spreadsheet_safe(v) for v in
                         (row["student"], row["worksheet"], row["file"], row["status"], row["reason"],
                          row["total"], row["max"], *points, "; ".join(row["flags"]))])
    atomic_write(out / "grades.csv", buffer.getvalue())
    atomic_write(out / "grades.json", json.dumps({"rows": rows}, indent=1, default=float))


def write_submission(out: Path, row: dict, feedback_name: str, title: str) -> None:
    """The submission's result file and feedback; raises OSError if either cannot be written."""
    atomic_write(out / "results" / result_name(row["file"]), json.dumps(row, default=float))
    target = out / "feedback" / (feedback_name + ".txt")
    target.parent.mkdir(mode=0o700, exist_ok=True)
    atomic_write(target, feedback_text(row, title))


def load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
