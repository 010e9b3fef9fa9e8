"""How long a lesson or a worksheet takes, estimated the same way for every notebook.

A lesson is a core path (everything before its "## Going deeper" heading) and,
optionally, a "Going deeper" part after it. Each part's minutes are

    minutes = prose words / READING_WPM + code lines / CODE_LINES_PER_MINUTE
              + EXPLORER_MINUTES * explorers

A worksheet (``solutions/``) counts the same way, except that the lines a student
writes (those between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) count at
WRITING_LINES_PER_MINUTE; its optional part starts at "## Going further".

The stated times in each notebook's ``**Time:**`` sentence are written by this
module (``python -m course_lib.pacing --write``, or ``make times``), never typed,
and ``tests/test_pacing.py`` fails when one is out of date or over budget::

    python -m course_lib.pacing            # the table: every notebook, each part, in minutes
    python -m course_lib.pacing --write    # rewrite the **Time:** sentences, and notebooks/README.md's table
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

# A technical text with formulas reads at about half the pace of plain prose
# (200-250 words a minute), so 120; a line of code is read, and its cell run and
# its output looked at, in about 5 seconds; an explorer is worth 3 minutes of
# moving its sliders through the "what to try" list; a line a student writes
# from a formula (typed, run, fixed once) takes about 45 seconds.
READING_WPM = 120
CODE_LINES_PER_MINUTE = 12
EXPLORER_MINUTES = 3
WRITING_LINES_PER_MINUTE = 4 / 3

CORE_BUDGET_MINUTES = 45        # a lesson's core path: one sitting, half of a 2-hour lab with time to spare
WORKSHEET_BUDGET_MINUTES = 60   # a worksheet's graded part: the other half of the lab
ROUND_TO = 5                    # stated times are rounded up to 5 minutes: they are estimates

LESSON_OPTIONAL = "## Going deeper"
WORKSHEET_OPTIONAL = "## Going further"

ROOT = Path(__file__).resolve().parent.parent
TIME_SENTENCE = re.compile(r"\*\*Time:\*\*[^*\n]*")
# The instructor's guide shows every notebook's estimate in a table that --write keeps current.
GUIDE = ROOT / "notebooks" / "README.md"
TABLE_START = "<!-- pacing table: written by `make times` from course_lib/pacing.py -->"
TABLE_END = "<!-- end of pacing table -->"


@dataclass(frozen=True)
class Part:
    """What one part of a notebook holds, and the minutes it takes."""
    words: int = 0
    code_lines: int = 0
    written_lines: int = 0
    explorers: int = 0

    @property
    def minutes(self) -> float:
        return (self.words / READING_WPM + self.code_lines / CODE_LINES_PER_MINUTE
                + self.written_lines / WRITING_LINES_PER_MINUTE + EXPLORER_MINUTES * self.explorers)

    def __add__(self, other: "Part") -> "Part":
        return Part(self.words + other.words, self.code_lines + other.code_lines,
                    self.written_lines + other.written_lines, self.explorers + other.explorers)


def _cell_part(cell) -> Part:
    if cell.cell_type == "markdown":
        return Part(words=len(cell.source.split()))
    if cell.cell_type != "code":
        return Part()
    code = written = 0
    inside_solution = False
    for line in cell.source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside_solution = True
        elif "### END SOLUTION" in line:
            inside_solution = False
        elif line.strip():
            if inside_solution:
                written += 1
            else:
                code += 1
    return Part(code_lines=code, written_lines=written, explorers=int("explorer(" in cell.source))


def _optional_heading(path: Path) -> str:
    return WORKSHEET_OPTIONAL if path.parent.name in ("solutions", "exercises") else LESSON_OPTIONAL


def parts(path) -> tuple[Part, Part]:
    """(core, optional) of the notebook at ``path``: the optional part starts at
    its first "## Going deeper" (lessons) or "## Going further" (worksheets) heading."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    heading = _optional_heading(path)
    core, optional, in_optional = Part(), Part(), False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(heading):
            in_optional = True
        if in_optional:
            optional = optional + _cell_part(cell)
        else:
            core = core + _cell_part(cell)
    return core, optional


def rounded(minutes: float) -> int:
    return max(ROUND_TO, ROUND_TO * math.ceil(minutes / ROUND_TO - 1e-9))


def time_sentence(path) -> str:
    """The ``**Time:**`` sentence the notebook at ``path`` should state."""
    path = Path(path)
    core, optional = parts(path)
    sentence = f"**Time:** about {rounded(core.minutes)} minutes"
    if optional.minutes > 0:
        name = _optional_heading(path)[3:]
        sentence += f", and {rounded(optional.minutes)} more for \u201c{name}\u201d"
    return sentence + ". "


def stated_sentence(path) -> str | None:
    nb = nbformat.read(Path(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = TIME_SENTENCE.search(cell.source)
            if found:
                return found.group(0).rstrip()
    return None


def write(path) -> bool:
    """Rewrite the first ``**Time:**`` sentence of the notebook at ``path``; True if it changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    wanted = time_sentence(path)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and TIME_SENTENCE.search(cell.source):
            new = TIME_SENTENCE.sub(lambda _: wanted, cell.source, count=1).replace(". \n", ".\n")
            new = re.sub(r"\. +$", ".", new, flags=re.M)
            if new == cell.source:
                return False
            cell.source = new
            nbformat.write(nb, path)
            return True
    raise ValueError(f"{path.name} has no **Time:** sentence in a markdown cell: add one to its first cell")


def notebooks() -> list[Path]:
    """Every lesson and every worksheet source (exercises/ are generated from solutions/)."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")) + sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))


def guide_table() -> str:
    """The markdown table of the guide: per lesson, its core path, its Going deeper part and
    its worksheet's graded part, in minutes as the notebooks state them."""
    worksheets = {path.name[:2]: path for path in notebooks() if path.parent.name == "solutions"}
    rows = ["| lesson | core path | going deeper | worksheet (graded part) |", "|---|---|---|---|"]
    for path in notebooks():
        if path.parent.name != "notebooks":
            continue
        core, deeper = parts(path)
        worksheet = worksheets.get(path.name[:2])
        sheet = f"{rounded(parts(worksheet)[0].minutes)} min" if worksheet else "none"
        rows.append(f"| {path.stem} | {rounded(core.minutes)} min | "
                    f"{f'{rounded(deeper.minutes)} min' if deeper.minutes > 0 else 'none'} | {sheet} |")
    return "\n".join(rows)


def _guide_parts(text: str) -> tuple[str, str, str] | None:
    """(before the start marker, the table between the markers, after the end marker), or None."""
    if TABLE_START not in text or TABLE_END not in text:
        return None
    head, rest = text.split(TABLE_START, 1)
    table, tail = rest.split(TABLE_END, 1)
    return head, table, tail


def write_guide_table(guide: Path = GUIDE) -> bool:
    """Rewrite the table between the guide's two markers; True if it changed."""
    text = guide.read_text(encoding="utf-8")
    parts = _guide_parts(text)
    if parts is None:
        raise ValueError(f"{guide} has no pacing table markers: add the lines {TABLE_START!r} and {TABLE_END!r}")
    head, _, tail = parts
    new = f"{head}{TABLE_START}\n{guide_table()}\n{TABLE_END}{tail}"
    if new == text:
        return False
    guide.write_text(new, encoding="utf-8")
    return True


def stated_guide_table(guide: Path = GUIDE) -> str | None:
    parts = _guide_parts(guide.read_text(encoding="utf-8"))
    return None if parts is None else parts[1].strip()


def table() -> str:
    rows = ["notebook                                          core  optional  (minutes)"]
    for path in notebooks():
        core, optional = parts(path)
        rows.append(f"{path.parent.name + '/' + path.name:48s} {core.minutes:6.1f}  {optional.minutes:8.1f}")
    return "\n".join(rows)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--write"]:
        changed = [path.name for path in notebooks() if write(path)]
        print(f"rewrote the time of {len(changed)} notebook(s): {', '.join(changed) or 'none'}")
        if write_guide_table():
            print(f"rewrote the pacing table of {GUIDE.relative_to(ROOT)}")
        return 0
    if argv:
        print("usage: python -m course_lib.pacing [--write]", file=sys.stderr)
        return 2
    print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
