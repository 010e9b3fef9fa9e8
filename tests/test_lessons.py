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
