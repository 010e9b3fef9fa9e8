"""Every lesson's core path fits one sitting (45 minutes) and every worksheet's graded
part half a 2-hour lab (60 minutes), estimated the same way for all (course_lib.pacing);
the time each notebook states is the estimate, rewritten by `make times`, never typed."""

import nbformat
import pytest

from course_lib import pacing

LESSONS = [p for p in pacing.notebooks() if p.parent.name == "notebooks"]
WORKSHEETS = [p for p in pacing.notebooks() if p.parent.name == "solutions"]


def _notebook(tmp_path, cells, folder="notebooks"):
    path = tmp_path / folder / "99-x.ipynb"
    path.parent.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


def test_the_estimate_counts_words_code_lines_written_lines_and_explorers(tmp_path):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    path = _notebook(tmp_path, [
        md("**Time:** soon. " + "word " * 238),                       # 240 words: 2 minutes
        code("x = 1\n\ny = 2\n" * 12),                                 # 24 lines (blank ones free): 2 minutes
        code("explorer(x)"),                                          # 1 line and 3 minutes of sliders
        md("## Going deeper\n" + "word " * 117),                      # 120 words: 1 minute, optional
    ])
    core, deeper = pacing.parts(path)
    assert (core.words, core.code_lines, core.explorers) == (240, 25, 1)
    assert core.minutes == pytest.approx(2 + 25 / 12 + 3)
    assert deeper.minutes == pytest.approx(1)
    assert pacing.time_sentence(path) == "**Time:** about 10 minutes, and 5 more for \u201cGoing deeper\u201d. "
    assert pacing.write(path) and not pacing.write(path)
    assert pacing.stated_sentence(path) == pacing.time_sentence(path).rstrip()


def test_a_worksheet_counts_the_lines_a_student_writes_at_the_writing_pace(tmp_path):
    code = nbformat.v4.new_code_cell
    path = _notebook(tmp_path, [code("def f(x):\n    ### BEGIN SOLUTION\n    y = x\n    return y\n    ### END SOLUTION")],
                     folder="solutions")
    core, optional = pacing.parts(path)
    assert (core.code_lines, core.written_lines) == (1, 2) and optional.minutes == 0
    assert core.minutes == pytest.approx(1 / 12 + 2 * 0.75)


def test_a_notebook_without_a_time_sentence_is_refused_with_what_to_add(tmp_path):
    path = _notebook(tmp_path, [nbformat.v4.new_markdown_cell("# Title")])
    with pytest.raises(ValueError, match=r"no \*\*Time:\*\* sentence .* add one to its first cell"):
        pacing.write(path)


@pytest.mark.parametrize("path", LESSONS + WORKSHEETS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_stated_time_is_the_estimate(path):
    assert pacing.stated_sentence(path) == pacing.time_sentence(path).rstrip(), \
        f"{path.name} states another time than its estimate: run make times"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_a_lessons_core_path_fits_one_sitting(path):
    core, _ = pacing.parts(path)
    assert core.minutes <= pacing.CORE_BUDGET_MINUTES, \
        (f"{path.name}: the core path takes {core.minutes:.0f} minutes ({core.words} words, {core.code_lines} code "
         f"lines, {core.explorers} explorers), over {pacing.CORE_BUDGET_MINUTES}: move a part under '## Going deeper'")


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.name)
def test_a_worksheets_graded_part_fits_half_a_lab(path):
    core, _ = pacing.parts(path)
    assert core.minutes <= pacing.WORKSHEET_BUDGET_MINUTES, \
        (f"{path.name}: the graded part takes {core.minutes:.0f} minutes ({core.written_lines} lines to write), "
         f"over {pacing.WORKSHEET_BUDGET_MINUTES}: cut it or move items under '## Going further'")


def test_the_instructors_guide_shows_every_lessons_estimate():
    assert pacing.stated_guide_table() == pacing.guide_table(), \
        "notebooks/README.md's pacing table is out of date: run make times"


def test_the_guide_table_is_rewritten_between_its_markers_only(tmp_path):
    guide = tmp_path / "README.md"
    guide.write_text(f"# Guide\n\n{pacing.TABLE_START}\nold\n{pacing.TABLE_END}\n\nafter\n", encoding="utf-8")
    assert pacing.write_guide_table(guide) and not pacing.write_guide_table(guide)
    text = guide.read_text(encoding="utf-8")
    assert text.startswith("# Guide\n\n") and text.endswith("\n\nafter\n") and "old" not in text
    assert pacing.stated_guide_table(guide) == pacing.guide_table()
    (tmp_path / "bare.md").write_text("no markers", encoding="utf-8")
    with pytest.raises(ValueError, match="no pacing table markers"):
        pacing.write_guide_table(tmp_path / "bare.md")
