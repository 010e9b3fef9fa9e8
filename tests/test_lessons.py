"""Each lesson has what the syllabus says every lesson has: objectives and time,
math, a picture, real data, an explorer, common mistakes, a summary, and
checks of its own claims (asserts)."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def text_of(path, kind):
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == kind)


def test_lessons_are_numbered_in_order_from_00():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == list(range(len(numbers))), f"lessons {numbers}: a number is missing or repeated"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_every_part_the_syllabus_asks_for(path):
    markdown, code = text_of(path, "markdown"), text_of(path, "code")
    missing = []
    if not re.search(r"objectives", markdown, re.I):
        missing.append("learning objectives")
    if not re.search(r"\b\d+\s*(-|to|–)?\s*\d*\s*min", markdown, re.I):
        missing.append("the time it takes (in minutes)")
    if "$" not in markdown:
        missing.append("math (LaTeX)")
    if not re.search(r"\bplot_\w+\(|plt\.subplots|\.plot\(|imshow", code):
        missing.append("a picture")
    if not re.search(r"load\(\s*['\"](digits|breast_cancer|diabetes)|load_(digits|breast_cancer|diabetes)|sparse_features_problem", code):
        missing.append("real bundled data")
    if "explorer(" not in code:
        missing.append("an interactive explorer")
    if not path.name.startswith("00") and not re.search(r"common mistakes", markdown, re.I):
        missing.append("common mistakes")
    if not re.search(r"^#+\s*(\d+\.?\s*)?summary", markdown, re.I | re.M):
        missing.append("a summary")
    if not re.search(r"^\s*assert\b", code, re.M):
        missing.append("an assert that checks a claim")
    if not re.search(r"default_rng\(|seed\s*=", code):
        missing.append("fixed seeds")
    assert not missing, f"{path.name} lacks: {', '.join(missing)}"


# A best or tuned value picked from a sweep goes through theory.sweeps.best_inside, which
# refuses the grid's first or last value (lesson 12 lists that as a mistake); any other
# argmin/argmax in a lesson says on its line why it is not a sweep's pick.
SWEEP_PICK = re.compile(r"\b(nan)?arg(min|max)\(|\b(min|max)\([^#\n]*\bkey=")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_value_a_lesson_picks_from_a_sweep_is_inside_its_grid(path):
    unexplained = [line.strip() for line in text_of(path, "code").splitlines()
                   if SWEEP_PICK.search(line) and "# not a sweep" not in line]
    assert not unexplained, (f"{path.name} picks a best value without best_inside (or a '# not a sweep: why' "
                             "comment): " + " | ".join(unexplained))


def test_the_sweep_rule_catches_argmin_and_min_with_a_key_and_reads_the_waiver():
    assert SWEEP_PICK.search("best = lrs[np.argmin(losses)]") and SWEEP_PICK.search("i = np.nanargmax(acc)")
    assert SWEEP_PICK.search("best = min(runs, key=lambda r: r.loss)")
    assert not SWEEP_PICK.search("i = best_inside(lrs, losses, what='lr')") and not SWEEP_PICK.search("np.min(x)")
