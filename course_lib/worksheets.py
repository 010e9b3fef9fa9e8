"""Make the students' worksheets (exercises/) from the solved ones (solutions/).

In a solution notebook, each piece a student must write sits between two
marker lines; the text after the colon says what to write::

    def adam_step(param, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        ### BEGIN SOLUTION: update m and v, correct their bias, take the step
        ...
        ### END SOLUTION

The points column of a solution's table of graded items (a Markdown row
naming the item in backticks, ``| 1. `adam_step` | 5 |``) is written from
the checks' registry (``points=`` of each item), never kept by hand: the
generator rewrites it in the solution first, and ``--check`` fails when a
table and the registry disagree or a graded item has no row.

The generator keeps everything else and puts a stub in place of each block:
inside a function (an indented block) a comment and ``raise
NotImplementedError``, which the checks report as "not attempted yet"; at the
top level of a cell a comment and ``pass``, so the notebook still runs from
top to bottom. Outputs are stripped.

    python -m course_lib.worksheets          # solutions/*.ipynb -> exercises/
    python -m course_lib.worksheets --check  # exit 1 if exercises/ is out of date
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?::\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")


POINTS_ROW = re.compile(r"^(?P<label>\|[^|\n]*`(?P<name>\w+)`[^|\n]*\|)(?P<points>[^|\n]*)\|[ \t]*$", re.M)


class MarkerError(ValueError):
    pass


def _points(value: float) -> str:
    return f"{value:g}"


def with_registry_points(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The solution with the points column of its graded items' rows taken from course_lib.checks."""
    from .checks import ITEMS, WORKSHEET_ITEMS
    code = "\n".join(cell.source for cell in solution.cells if cell.cell_type == "code")
    checked = set(re.findall(r"""check\(\s*["'](\w+)["']""", code))
    graded = [item for item in WORKSHEET_ITEMS.get(name[:2], []) if item in checked]   # the items it checks
    fixed, seen = nbformat.from_dict(solution), set()

    def row(match):
        item = match["name"]
        if item not in graded:
            return match[0]
        seen.add(item)
        return f"{match['label']} {_points(ITEMS[item].points)} |"

    for cell in fixed.cells:
        if cell.cell_type == "markdown":
            cell.source = POINTS_ROW.sub(row, cell.source)
    missing = [item for item in graded if item not in seen]
    if missing:
        raise MarkerError(f"{name}: no row of the points table names {', '.join(missing)} "
                          f"(add | N. `{missing[0]}` | points | to the table in the first cell)")
    return fixed


def stub_source(source: str, where: str = "cell") -> str:
    """The cell's source with every solution block replaced by its stub."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if inside:
                raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another solution block")
            inside, indent = True, begin["indent"]
            hint = begin["hint"] or "write this part"
            out.append(f"{indent}# TODO: {hint}")
            out.append(f"{indent}raise NotImplementedError" if indent else "pass")
        elif end:
            if not inside:
                raise MarkerError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{where}: a BEGIN SOLUTION block is never closed by END SOLUTION")
    return "\n".join(out)


def make_exercise(solution: nbformat.NotebookNode, name: str = "notebook", folder: str = "solutions") -> nbformat.NotebookNode:
    exercise = nbformat.from_dict(solution)
    for i, cell in enumerate(exercise.cells):
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source, f"{name}, cell {i}")
            cell.outputs = []
            cell.execution_count = None
    exercise.metadata["course"] = {**exercise.metadata.get("course", {}), "generated_from": f"{folder}/{name}",
                                   "edit": "edit the solution, then run make exercises",
                                   "content_hash": content_hash(exercise)}
    return exercise


def content_hash(notebook: nbformat.NotebookNode) -> str:
    """A fingerprint of the cells, stored in a generated worksheet: if the cells no
    longer match it, someone (a student) has worked in the file."""
    cells = [[c.cell_type, c.source] for c in notebook.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()[:16]


def edited_since_generated(path: Path) -> bool:
    """True when the worksheet at path holds work that regenerating would destroy."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:
        return True  # unreadable: do not guess, do not overwrite
    stored = notebook.metadata.get("course", {}).get("content_hash")
    has_outputs = any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    return stored is None or stored != content_hash(notebook) or has_outputs


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


class WouldLoseWork(RuntimeError):
    pass


def generate(root: Path, check_only: bool = False, only: str | None = None, force: bool = False,
             language: str | None = None) -> list[str]:
    """Write (or with check_only, compare) exercises/NN-*.ipynb; return the names out of date.
    With ``language`` ("zh"), from solutions/zh/ (course_lib.i18n writes it) to exercises/zh/.

    A worksheet that someone has worked in (its cells differ from what was
    generated, or it has outputs) is never overwritten without force=True:
    that would lose a student's work.
    """
    stale, protected = [], []
    folder = "solutions" if language is None else f"solutions/{language}"
    exercises = root / ("exercises" if language is None else f"exercises/{language}")
    for path in sorted((root / folder).glob(only or "*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        fixed = with_registry_points(solution, path.name)
        if render(fixed) != render(solution):        # the registry's points win over the table's
            stale.append(f"../{folder}/{path.name} (its points table)")
            if not check_only:
                path.write_text(render(fixed), encoding="utf-8")
        text = render(make_exercise(fixed, path.name, folder))
        target = exercises / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path.name)
            if check_only:
                continue
            if target.exists() and edited_since_generated(target) and not force:
                protected.append(path.name)
                continue
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if protected:
        raise WouldLoseWork(
            "not overwritten, because they hold someone's work: "
            + ", ".join(str((exercises / name).relative_to(root)) for name in protected)
            + ". Copy them elsewhere first, or run with --force to replace them."
        )
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report exercises that are out of date")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--only", help="one solution notebook's file name, e.g. 05-adam.ipynb")
    parser.add_argument("--force", action="store_true", help="replace worksheets even if someone worked in them")
    args = parser.parse_args(argv)
    try:
        stale = generate(args.root, check_only=args.check, only=args.only, force=args.force)
    except WouldLoseWork as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "out of date" if args.check else "written"
    for name in stale:
        print(f"exercises/{name}: {verb}")
    if not stale:
        print("exercises/ is up to date with solutions/")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
