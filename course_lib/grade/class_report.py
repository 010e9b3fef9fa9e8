"""The class report: what a whole class got right and wrong, for the instructor's next lab.

Every grading run writes it beside grades.csv, from the rows alone (it never
runs or judges anything again):

- ``class-report.html``: one self-contained page; its plots are PNG data URIs
  and its Content-Security-Policy forbids loading anything, so opening it
  makes no request;
- ``class-report.md``: the same content in Markdown, its plots as PNG files in
  ``class-report/``.

Per worksheet: how many notebooks came in and with what status (graded,
incomplete, unreadable, unknown worksheet, grader error), the distribution of
totals, and the errors most often raised in the notebooks' cells. Per graded
item: the distribution of its points; each named mistake (the checks'
``Mistake`` a diagnosis begins with) and how many students made it; the
accepted variants in use; and the case groups failed most, as the share of
the students whose answers were compared on that group. Then who is missing
or unknown to the roster, and the submissions that could not be graded, with
the reason.

Grades and cells here come from student notebooks: every name and message is
escaped for HTML or Markdown before it is shown. A notebook counts as one
student; a student who handed in two notebooks for a worksheet counts twice,
and the report says so.
"""

from __future__ import annotations

import base64
import html
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import ITEMS, WORKSHEET_ITEMS
from . import report
from .exports import Matching, match

STATUSES = ("graded", "incomplete", "unreadable", "unknown worksheet", "grader error")
JUDGED = ("graded", "incomplete")            # the statuses whose items were judged
CELL_ERRORS = ("error", "syntax error", "stopped")
WITHHELD = "is withheld while grading"       # a placeholder's message: the worksheet's own comparison cells
TOP_CELL_ERRORS = 5
LISTED = 100                                 # names or rows a list shows before "and N more"
FOLDER = "class-report"


# --- what the rows say --------------------------------------------------------------------------


@dataclass
class GroupFailures:
    group: str
    failing: int      # students failing the group
    compared: int     # students whose answers were compared on it

    @property
    def share(self) -> float:
        return self.failing / self.compared if self.compared else 0.0


@dataclass
class ItemSummary:
    name: str
    max_points: float
    points: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)    # passed, failed, not attempted, error
    mistakes: Counter = field(default_factory=Counter)    # named mistake -> students
    unnamed_failures: int = 0                             # failed, matching no named mistake
    variants: Counter = field(default_factory=Counter)    # accepted variant -> students
    groups: list[GroupFailures] = field(default_factory=list)   # failed by someone, most failed first
    known_mistakes: int = 0                               # how many named mistakes the check knows


@dataclass
class WorksheetSummary:
    worksheet: str
    title: str
    max_points: float
    statuses: Counter = field(default_factory=Counter)
    totals: list[float] = field(default_factory=list)     # of the judged notebooks
    items: list[ItemSummary] = field(default_factory=list)
    cell_errors: Counter = field(default_factory=Counter)  # message -> notebooks raising it
    withheld: int = 0                                     # notebooks whose cells stopped at what grading withholds
    repeated: list[str] = field(default_factory=list)     # students with more than one notebook
    not_handed_in: list = field(default_factory=list)     # roster students with no notebook for it


@dataclass
class ClassSummary:
    notebooks: int
    statuses: Counter
    worksheets: list[WorksheetSummary]
    ungraded: list[dict]        # rows that could not be graded
    matching: Matching


def named_mistake(item: str, diagnosis: str | None, accepted: bool = False) -> str | None:
    """The check's mistake (or, with accepted=True, variant) a diagnosis names, if any: the diagnosis
    begins "name. Explanation", or, for a mistake made on top of an accepted variant, says
    "you wrote <variant> (accepted) and also name. Explanation"."""
    if not diagnosis or item not in ITEMS:
        return None
    named = diagnosis.split(" (accepted) and also ", 1)[-1] if diagnosis.startswith("you wrote ") else diagnosis
    names = [m.name for m in ITEMS[item].mistakes if m.accepted == accepted]
    matches = [name for name in names if named == name or named.startswith(name + ". ")]
    return max(matches, key=len) if matches else None


def cell_error(message: str) -> str:
    """A cell's error message without its line number, so that the same error counts once."""
    message = re.sub(r"\s*\(line \d+\)$", "", message.strip())
    return re.sub(r"\bline \d+", "line N", message)[:200]


def _item_summary(name: str, results: list[dict]) -> ItemSummary:
    known = ITEMS[name].mistakes if name in ITEMS else ()
    maximum = max(float(r["max_points"]) for r in results)   # an item is summarised where it has results
    summary = ItemSummary(name, maximum, known_mistakes=sum(not m.accepted for m in known))
    failing, compared = Counter(), Counter()
    for result in results:
        summary.points.append(float(result["points"]))
        summary.outcomes[result["status"]] += 1
        mistake = named_mistake(name, result.get("diagnosis"))
        if mistake:
            summary.mistakes[mistake] += 1
        elif result["status"] == "failed":
            summary.unnamed_failures += 1
        if result.get("variant"):
            summary.variants[named_mistake(name, result["variant"], accepted=True)
                             or result["variant"].split(". ")[0]] += 1
        for group, passed in (result.get("groups") or {}).items():
            compared[group] += 1
            failing[group] += not passed
    summary.groups = sorted((GroupFailures(g, failing[g], compared[g]) for g in compared if failing[g]),
                            key=lambda f: (-f.share, -f.failing, f.group))
    return summary


def summarize(rows: list[dict], titles: dict[str, str] | None = None,
              matching: Matching | None = None) -> ClassSummary:
    """Everything the report shows, counted from the rows."""
    titles = titles or {}
    matching = matching or match(rows, None)
    worksheets = []
    for ws in sorted({row["worksheet"] for row in rows if row["worksheet"] in WORKSHEET_ITEMS}):
        mine = [row for row in rows if row["worksheet"] == ws]
        judged = [row for row in mine if row["status"] in JUDGED]
        summary = WorksheetSummary(ws, titles.get(ws, f"worksheet {ws}"),
                                   max((float(r["max"]) for r in judged), default=0.0),
                                   statuses=Counter(row["status"] for row in mine),
                                   totals=[float(row["total"]) for row in judged])
        seen = [name for row in judged for name in row["items"]]
        names = [n for n in WORKSHEET_ITEMS[ws] if n in seen] + [n for n in dict.fromkeys(seen)
                                                                   if n not in WORKSHEET_ITEMS[ws]]
        summary.items = [_item_summary(n, [row["items"][n] for row in judged if n in row["items"]]) for n in names]
        for row in mine:
            cells = row.get("cells") or []
            messages = {cell_error(c["message"]) for c in cells
                        if c["status"] in CELL_ERRORS and WITHHELD not in c["message"]}
            summary.cell_errors.update(messages)
            summary.withheld += any(c["status"] == "not run in grading" or WITHHELD in c["message"] for c in cells)
        per_student = Counter(row["student"] for row in mine)
        summary.repeated = sorted(student for student, n in per_student.items() if n > 1)
        if matching.from_roster:
            summary.not_handed_in = [s for s in matching.students if s.submission not in per_student]
        worksheets.append(summary)
    return ClassSummary(len(rows), Counter(row["status"] for row in rows), worksheets,
                        [row for row in rows if row["status"] not in JUDGED], matching)


# --- the page, as blocks both renderers share -----------------------------------------------------


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list]


@dataclass
class Figure:
    name: str       # the PNG's file name in class-report/
    alt: str
    png: bytes


def points(value: float) -> str:
    return f"{value:g}"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def most_common(counts: Counter) -> list[tuple[str, int]]:
    """Most frequent first; ties in alphabetical order, so that the same rows give the same page."""
    return sorted(counts.items(), key=lambda entry: (-entry[1], entry[0]))


def some(entries: list[str], limit: int = LISTED) -> str:
    """A list for a sentence, cut at limit."""
    more = f", and {len(entries) - limit} more" if len(entries) > limit else ""
    return ", ".join(entries[:limit]) + more


def histogram(values: list[float], maximum: float, title: str) -> bytes:
    """A small histogram of points from 0 to maximum, as PNG bytes (Matplotlib's Agg, no pyplot state).
    Few ticks and a fixed layout: a class report draws one per item, and each tick costs time."""
    import numpy as np
    from matplotlib.figure import Figure as MatplotlibFigure
    from matplotlib.ticker import MaxNLocator

    figure = MatplotlibFigure(figsize=(3.4, 1.9), dpi=100)
    figure.subplots_adjust(left=0.16, right=0.96, top=0.86, bottom=0.27)
    axes = figure.add_subplot()
    top = maximum if maximum > 0 else 1.0
    counts, edges = np.histogram(np.clip(values, 0, top), bins=np.linspace(0, top, 11))
    axes.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4c72b0", edgecolor="white")
    ticks = [0, top / 2, top]
    axes.set_xticks(ticks, labels=[points(t) for t in ticks])
    axes.set_xlim(0, top)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    axes.set_title(title, fontsize=9)
    axes.set_xlabel(f"points (of {points(maximum)})", fontsize=8)
    axes.set_ylabel("students", fontsize=8)
    axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})   # same rows, same bytes
    return buffer.getvalue()


def _status_sentence(statuses: Counter) -> str:
    parts = [f"{statuses[s]} {s}" for s in STATUSES if statuses[s]]
    return ", ".join(parts) if parts else "none"


def _worksheet_blocks(ws: WorksheetSummary, matching: Matching) -> list:
    blocks: list = [Heading(2, ws.title[0].upper() + ws.title[1:] if ws.title.lower().startswith("worksheet")
                            else f"Worksheet {ws.title}")]
    notebooks = sum(ws.statuses.values())
    text = f"{notebooks} notebook{'s' * (notebooks != 1)}: {_status_sentence(ws.statuses)}."
    if ws.totals:
        full = sum(t >= ws.max_points for t in ws.totals)
        zero = sum(t == 0 for t in ws.totals)
        text += (f" Totals of the {len(ws.totals)} graded (graded or incomplete): median "
                 f"{points(statistics.median(ws.totals))} of {points(ws.max_points)}, mean "
                 f"{statistics.mean(ws.totals):.2f}; {full} with full marks, {zero} with none.")
    if matching.from_roster:
        text += (f" On the roster but not handed in: {len(ws.not_handed_in)}"
                 + (f" ({some([s.shown for s in ws.not_handed_in])})." if ws.not_handed_in else "."))
    if ws.repeated:
        text += (f" More than one notebook from {some(ws.repeated)}: each notebook counts as a student here; "
                 f"the exports take the higher total.")
    blocks.append(Paragraph(text))
    if ws.totals:
        blocks.append(Figure(f"{ws.worksheet}-total.png", f"{ws.title}: totals",
                             histogram(ws.totals, ws.max_points, f"{ws.title}: totals")))
    if ws.cell_errors:
        blocks.append(Paragraph("The errors raised most often in the notebooks' cells:"))
        blocks.append(Table(["Error", "Notebooks"], [[m, n] for m, n in most_common(ws.cell_errors)[:TOP_CELL_ERRORS]]))
    if ws.withheld:
        blocks.append(Paragraph(f"In {ws.withheld} notebook{'s' * (ws.withheld != 1)}, cells that use the course's "
                                f"reference (the worksheet's own comparisons, withheld while grading) stopped with an "
                                f"error; they are not among the cells' errors counted here."))
    for item in ws.items:
        blocks += _item_blocks(ws, item)
    return blocks


def _item_blocks(ws: WorksheetSummary, item: ItemSummary) -> list:
    blocks: list = [Heading(3, f"{item.name} ({points(item.max_points)} point{'s' * (item.max_points != 1)})")]
    if item.points:
        blocks.append(Figure(report.safe_name(f"{ws.worksheet}-{item.name}") + ".png", f"{item.name}: points",
                             histogram(item.points, item.max_points, item.name)))
    outcomes = ", ".join(f"{item.outcomes[o]} {o}" for o in ("passed", "failed", "not attempted", "error")
                         if item.outcomes[o])
    text = f"Of {len(item.points)} graded: {outcomes or 'none'}."
    if item.points:
        text += f" Median {points(statistics.median(item.points))} of {points(item.max_points)}."
    blocks.append(Paragraph(text))
    if item.mistakes:
        blocks.append(Table(["Named mistake", "Students"], [[m, n] for m, n in most_common(item.mistakes)]))
    unmade = item.known_mistakes - len(item.mistakes)
    sentences = []
    if item.unnamed_failures:
        sentences.append(f"{item.unnamed_failures} failing answer{'s' * (item.unnamed_failures != 1)} matched no "
                         f"named mistake: their feedback shows the first failing case.")
    compared = item.outcomes["passed"] + item.outcomes["failed"]
    if compared and item.known_mistakes:
        if not item.mistakes:
            sentences.append(f"No one made any of the {item.known_mistakes} named mistakes.")
        elif unmade:
            sentences.append(f"No one made the other {unmade} of the {item.known_mistakes} named mistakes.")
        else:
            sentences.append("Every named mistake was made at least once.")
    if sentences:
        blocks.append(Paragraph(" ".join(sentences)))
    if item.variants:
        blocks.append(Table(["Accepted variant", "Students"], [[v, n] for v, n in most_common(item.variants)]))
    if item.groups:
        blocks.append(Table(["Case group failed", "Students failing", "Of", "Share"],
                            [[g.group, g.failing, g.compared, share(g.failing, g.compared)] for g in item.groups]))
    elif item.points and any(item.outcomes[o] for o in ("passed", "failed")):
        blocks.append(Paragraph("Every student whose answers were compared passed every case group."))
    return blocks


def blocks(summary: ClassSummary) -> list:
    """The report, top to bottom."""
    matching = summary.matching
    out: list = [Heading(1, "Class report")]
    out.append(Paragraph(f"{summary.notebooks} notebooks: {_status_sentence(summary.statuses)}. "
                         f"grades.csv has every row; feedback/ has what each student reads."))
    out.append(Table(["Status", "Notebooks"], [[s, summary.statuses[s]] for s in STATUSES]))
    if summary.worksheets:
        glance = []
        for ws in summary.worksheets:
            mistakes = Counter()
            for item in ws.items:
                mistakes.update({f"{item.name}: {m}": n for m, n in item.mistakes.items()})
            common = most_common(mistakes)[:1]
            glance.append([ws.title, sum(ws.statuses.values()), len(ws.totals),
                           statistics.median(ws.totals) if ws.totals else "-", ws.max_points,
                           f"{common[0][0]} ({common[0][1]})" if common else "none"])
        out.append(Heading(2, "At a glance"))
        out.append(Table(["Worksheet", "Notebooks", "Graded", "Median", "Of", "Most common mistake (students)"],
                         glance))

    out.append(Heading(2, "Roster and exports"))
    if matching.from_roster:
        out.append(Paragraph(f"The roster lists {len(matching.students)} students. canvas-grades.csv and "
                             f"moodle-grades.csv give each of them a row (empty where nothing was graded)."))
        out.append(Paragraph(f"On the roster with no submission at all: {len(matching.missing)}"
                             + (f" ({some([s.shown for s in matching.missing])})." if matching.missing else ".")))
        out.append(Paragraph(f"Submissions not on the roster, left out of the exports: {len(matching.unknown)}"
                             + (f" ({some(matching.unknown)})." if matching.unknown else ".")))
        if matching.no_moodle_identity:
            out.append(Paragraph(f"On the roster with neither email nor moodle_username, left out of "
                                 f"moodle-grades.csv: {some([s.shown for s in matching.no_moodle_identity])}."))
    else:
        out.append(Paragraph("No roster was given (--roster FILE): canvas-grades.csv and moodle-grades.csv use the "
                             "submission names as the students' identities (Canvas matches them against its "
                             "students' names, Moodle against usernames)."))

    if summary.ungraded:
        out.append(Heading(2, "Not graded"))
        retry = (" A grader error is the grader's own failure: run the same command again to retry those."
                 if summary.statuses["grader error"] else "")
        out.append(Paragraph(f"{len(summary.ungraded)} notebook{'s' * (len(summary.ungraded) != 1)} could not be "
                             f"graded; their cells in the exports are empty.{retry}"))
        listed = [[r["student"], r["file"], r["status"], r["reason"][:200]] for r in summary.ungraded[:LISTED]]
        out.append(Table(["Student", "File", "Status", "Reason"], listed))
        if len(summary.ungraded) > LISTED:
            out.append(Paragraph(f"... and {len(summary.ungraded) - LISTED} more: grades.csv has them all."))

    for ws in summary.worksheets:
        out += _worksheet_blocks(ws, matching)
    return out


# --- rendering -----------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60em; margin: 1.5em auto;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; clear: both; }
h3 { margin-bottom: 0.3em; clear: both; font-family: ui-monospace, monospace; font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; }
img { float: right; margin: 0 0 0.6em 1em; }
"""
# Nothing on the page may load anything: pictures are data: URIs, the style is inline.
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def to_html(page: list) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Class report</title>", f"<style>{STYLE}</style></head><body>"]
    for block in page:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            body = "".join("<tr>" + "".join(f'<td class="n">{points(v)}</td>' if isinstance(v, (int, float))
                                            else f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                           for row in block.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(block, Figure):
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(f'<img src="data:image/png;base64,{data}" alt="{e(block.alt)}" width="340" height="190">')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def markdown_text(text: str) -> str:
    """Text that Markdown shows as written: no links, emphasis, HTML or table breaks from a student's name.
    (An underscore inside a word, as in adam_step, is left alone: it cannot start emphasis.)"""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*\[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))", r"\\\1", text)


def to_markdown(page: list) -> str:
    lines = []
    for block in page:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + markdown_text(block.text), ""]
        elif isinstance(block, Paragraph):
            text = markdown_text(block.text)
            lines += ["\\" + text if text[:1] in ("#", "+", "-", "=") or re.match(r"\d+[.)] ", text) else text, ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(markdown_text(h) for h in block.header) + " |")
            lines.append("| " + " | ".join("---:" if row_is_number else "---" for row_is_number in
                                           [bool(block.rows) and isinstance(block.rows[0][i], (int, float))
                                            for i in range(len(block.header))]) + " |")
            lines += ["| " + " | ".join(points(v) if isinstance(v, (int, float)) else markdown_text(v) for v in row)
                      + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Figure):
            lines += [f"![{markdown_text(block.alt)}]({FOLDER}/{block.name})", ""]
    return "\n".join(lines).rstrip() + "\n"


def write(out: Path, rows: list[dict], titles: dict[str, str] | None = None,
          matching: Matching | None = None) -> Path:
    """Write class-report.html, class-report.md and class-report/*.png into out; returns the HTML's path."""
    out = Path(out)
    page = blocks(summarize(rows, titles, matching))
    folder = out / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    figures = [block for block in page if isinstance(block, Figure)]
    for figure in figures:
        report.atomic_write(folder / figure.name, figure.png)
    for stale in set(folder.glob("*.png")) - {folder / f.name for f in figures}:   # worksheets no longer graded
        stale.unlink()
    report.atomic_write(out / "class-report.md", to_markdown(page))
    report.atomic_write(out / "class-report.html", to_html(page))
    return out / "class-report.html"
