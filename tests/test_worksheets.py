"""Worksheets: exercises/ is generated from solutions/, the solved worksheets
pass every check, and the students' versions report every item "not attempted"."""

import importlib
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib import worksheets
from course_lib.checks import ITEMS

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
RESULT_LINE = re.compile(r"^(\w+): (passed|FAILED|not attempted yet) \(", re.M)


def test_a_solution_block_inside_a_function_becomes_a_raising_stub_with_its_hint():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION: return x plus one\n    return x + y\n    ### END SOLUTION\n"
    assert worksheets.stub_source(source) == (
        "def f(x):\n    y = 1\n    # TODO: return x plus one\n    raise NotImplementedError")


def test_a_top_level_solution_block_becomes_a_comment_and_pass_so_the_notebook_still_runs():
    source = "a = 1\n### BEGIN SOLUTION\nplot(a)\n### END SOLUTION\nb = 2"
    stubbed = worksheets.stub_source(source)
    assert stubbed == "a = 1\n# TODO: write this part\npass\nb = 2"
    exec(compile(stubbed, "<stub>", "exec"), {})


@pytest.mark.parametrize("source,message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
])
def test_unbalanced_markers_are_an_error_that_names_the_line(source, message):
    with pytest.raises(worksheets.MarkerError, match=message):
        worksheets.stub_source(source)


def test_the_generated_worksheet_has_no_outputs_and_says_where_it_came_from():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1")]
    exercise = worksheets.make_exercise(nb, "01-x.ipynb")
    assert exercise.cells[0].outputs == [] and "return 1" not in exercise.cells[0].source
    assert exercise.metadata["course"]["generated_from"] == "solutions/01-x.ipynb"
    assert "return 1" in nb.cells[0].source  # the solution itself is untouched


def _one_solution_root(tmp_path):
    for folder in ("solutions", "exercises"):
        (tmp_path / folder).mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")])
    nbformat.write(nb, tmp_path / "solutions" / "01-x.ipynb")
    return tmp_path


def test_regenerating_never_overwrites_a_worksheet_a_student_has_worked_in(tmp_path):
    root = _one_solution_root(tmp_path)
    assert worksheets.generate(root) == ["01-x.ipynb"]
    target = root / "exercises" / "01-x.ipynb"
    student = nbformat.read(target, as_version=4)
    student.cells[0].source = "def f():\n    return 1  # my answer"
    nbformat.write(student, target)
    solution = nbformat.read(root / "solutions" / "01-x.ipynb", as_version=4)
    solution.cells.append(nbformat.v4.new_markdown_cell("a new remark"))
    nbformat.write(solution, root / "solutions" / "01-x.ipynb")
    with pytest.raises(worksheets.WouldLoseWork, match="exercises/01-x.ipynb"):
        worksheets.generate(root)
    assert "my answer" in target.read_text()
    worksheets.generate(root, force=True)
    assert "my answer" not in target.read_text()


def test_regenerating_an_untouched_worksheet_updates_it(tmp_path):
    root = _one_solution_root(tmp_path)
    worksheets.generate(root)
    solution = nbformat.read(root / "solutions" / "01-x.ipynb", as_version=4)
    solution.cells.append(nbformat.v4.new_markdown_cell("a new remark"))
    nbformat.write(solution, root / "solutions" / "01-x.ipynb")
    assert worksheets.generate(root) == ["01-x.ipynb"]
    assert "a new remark" in (root / "exercises" / "01-x.ipynb").read_text()


def test_exercises_folder_is_exactly_what_the_generator_makes_from_solutions():
    assert SOLUTIONS, "no solved worksheets in solutions/"
    stale = worksheets.generate(ROOT, check_only=True)
    assert stale == [], f"run `make exercises`: out of date: {stale}"
    assert sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb")) == [p.name for p in SOLUTIONS]


def items_of_worksheet(path: Path) -> set[str]:
    number = path.name[:2]
    modules = [m for m in importlib.import_module("course_lib.checks").__dict__ if m.startswith(f"ws{number}_")]
    assert modules, f"no check module course_lib/checks/ws{number}_*.py for {path.name}"
    module = f"course_lib.checks.{modules[0]}"
    return {name for name, item in ITEMS.items() if item.reference.__module__ == module}


def run_and_collect_results(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    results = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") or output.get("data", {}).get("text/plain", "")
            for name, status in RESULT_LINE.findall(text):
                results[name] = status
    return results


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solved_worksheet_passes_every_one_of_its_checks(path):
    expected = items_of_worksheet(path)
    results = run_and_collect_results(path)
    assert set(results) == expected, f"checked {sorted(results)}, registered {sorted(expected)}"
    assert all(status == "passed" for status in results.values()), results


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_students_worksheet_reports_every_item_not_attempted(path):
    results = run_and_collect_results(ROOT / "exercises" / path.name)
    assert set(results) == items_of_worksheet(path)
    assert all(status == "not attempted yet" for status in results.values()), results


# --- points tables: written from the registry, never kept by hand --------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_every_solution_lists_each_graded_item_with_the_registrys_points():
    from course_lib.checks import WORKSHEET_ITEMS
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        for name in WORKSHEET_ITEMS[path.name[:2]]:
            rows = re.findall(rf"^\|[^|\n]*`{name}`[^|\n]*\|\s*([^|\n]*?)\s*\|\s*$", text, re.M)
            assert rows == [f"{ITEMS[name].points:g}"], (path.name, name, rows)


def test_changing_an_items_points_makes_its_table_stale_and_regeneration_fixes_it(tmp_path, monkeypatch):
    import dataclasses
    import shutil
    for folder in ("solutions", "exercises"):
        (tmp_path / folder).mkdir()
        shutil.copy(ROOT / folder / "05-adam.ipynb", tmp_path / folder / "05-adam.ipynb")
    assert worksheets.generate(tmp_path, check_only=True) == []
    monkeypatch.setitem(ITEMS, "first_adam_step", dataclasses.replace(ITEMS["first_adam_step"], points=2.5))
    stale = worksheets.generate(tmp_path, check_only=True)
    assert stale == ["../solutions/05-adam.ipynb (its points table)", "05-adam.ipynb"]
    worksheets.generate(tmp_path)
    for folder in ("solutions", "exercises"):
        assert "| 2. `first_adam_step` | 2.5 |" in (tmp_path / folder / "05-adam.ipynb").read_text()
    assert worksheets.generate(tmp_path, check_only=True) == []


def test_a_graded_item_missing_from_the_table_is_an_error_that_names_it(tmp_path):
    solution = nbformat.read(ROOT / "solutions" / "05-adam.ipynb", as_version=4)
    for cell in solution.cells:
        cell.source = cell.source.replace("| 3. `efficient_eps_hat` | 1 |\n", "")
    with pytest.raises(worksheets.MarkerError, match="efficient_eps_hat"):
        worksheets.with_registry_points(solution, "05-adam.ipynb")
