"""The Chinese edition (course_lib.i18n): one source, two languages, and no drift.

The first two tests are the guard the edition depends on: every catalogue translates
its English notebook as it is now, and the generated notebooks are up to date. The
rest check the machinery on small notebooks, where a change can be made on purpose.
"""

import ast
import warnings
from pathlib import Path

import matplotlib
import nbformat
import pytest
from matplotlib.figure import Figure

from course_lib import i18n
from course_lib.i18n import catalogue, editions
from course_lib.i18n.translatable import TranslationError, code_strings, replace_strings

ROOT = Path(__file__).resolve().parents[1]


def test_every_catalogue_translates_its_english_notebook_as_it_is_now():
    problems = editions.drift(ROOT)
    assert not problems, (f"{len(problems)} problem(s); run make translations, translate, then make zh:\n\n"
                          + "\n\n".join(problems[:40]))


def test_the_generated_chinese_notebooks_and_worksheets_are_up_to_date():
    stale = editions.build(ROOT, check_only=True)
    assert not stale, "out of date with their English source or catalogue (run make zh): " + ", ".join(stale)


class _Blank(ast.NodeTransformer):
    """Every string literal, f-strings whole, becomes "": what is left must be the same code in
    both languages (an f-string's placeholders are checked by the drift test: kept, maybe moved)."""

    def visit_JoinedStr(self, node):
        return ast.Constant("")

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node


def _without_strings(source: str) -> str:
    return ast.dump(_Blank().visit(ast.parse(source)))


@pytest.mark.parametrize("kind", ["notebooks", "solutions", "exercises"])
def test_a_chinese_notebook_runs_the_english_code_with_only_its_shown_strings_changed(kind):
    for english_path in sorted((ROOT / kind).glob("[0-9][0-9]-*.ipynb")):
        english = nbformat.read(english_path, as_version=4)
        chinese = nbformat.read(ROOT / kind / "zh" / english_path.name, as_version=4)
        setup = [cell for cell in chinese.cells if cell.get("id") == editions.SETUP_CELL_ID]
        assert len(setup) == 1 and 'i18n.use("zh")' in setup[0].source, english_path.name
        rest = [cell for cell in chinese.cells if cell.get("id") != editions.SETUP_CELL_ID]
        assert [(c.cell_type, c.get("id")) for c in rest] == [(c.cell_type, c.get("id")) for c in english.cells]
        for e, c in zip(english.cells, rest):
            if e.cell_type == "code":
                assert _without_strings(c.source) == _without_strings(e.source), f"{english_path.name} {e.id}"
        source = f"solutions/zh/{english_path.name}" if kind == "exercises" else f"{kind}/{english_path.name}"
        key = "generated_from" if kind == "exercises" else "translated_from"
        assert chinese.metadata["course"][key] == source


# --- the drift check, on a notebook of two cells --------------------------------------------------

def _notebook(markdown: str, code: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell(code)]
    notebook.cells[0].id, notebook.cells[1].id = "intro", "result"
    return notebook


CODE = 'x = 0.5\ndisplay(Markdown(f"The step is **{x:.2f}**, half of $\\\\alpha$."))\nax.set_title("Loss along the path")\n'


def _translated(notebook):
    cat = catalogue.merge(None, notebook, "toy.ipynb")
    text = {"cell intro": "梯度下降（gradient descent）沿 $-g_t$ 前进。"}
    for message in cat:
        if message.context in text:
            message.string = text[message.context]
        elif message.id == "The step is **{x:.2f}**, half of $\\alpha$.":
            message.string = "步长为 **{x:.2f}**，是 $\\alpha$ 的一半。"
        elif message.id == "Loss along the path":
            message.string = "沿路径的损失"
    return cat


def test_changing_one_english_sentence_is_drift_that_names_the_cell_and_shows_the_change():
    english = _notebook("Gradient descent moves along $-g_t$.", CODE)
    cat = _translated(english)
    assert catalogue.drift(cat, english, "toy.ipynb", "toy.po") == []

    english.cells[0].source = "Gradient descent moves along $-g_t$, the negative gradient."
    problems = catalogue.drift(cat, english, "toy.ipynb", "toy.po")
    assert len(problems) == 2   # the cell changed; the old entry translates text that is gone
    assert "cell intro" in problems[0] and "changed since toy.po translated it" in problems[0]
    assert "-Gradient descent moves along $-g_t$." in problems[0]
    assert "+Gradient descent moves along $-g_t$, the negative gradient." in problems[0]

    # make translations keeps the old translation as a fuzzy draft beside the old English: still drift
    merged = catalogue.merge(cat, english, "toy.ipynb")
    problems = catalogue.drift(merged, english, "toy.ipynb", "toy.po")
    assert len(problems) == 1 and "fuzzy draft" in problems[0] and "the negative gradient" in problems[0]
    draft = next(m for m in merged if m.context == "cell intro")
    assert draft.string.startswith("梯度下降") and draft.previous_id == ["Gradient descent moves along $-g_t$."]

    # the translator updates it and removes the flag: no drift
    draft.string = "梯度下降（gradient descent）沿负梯度 $-g_t$ 前进。"
    draft.flags.discard("fuzzy")
    assert catalogue.drift(merged, english, "toy.ipynb", "toy.po") == []


def test_a_changed_string_in_code_is_drift_too_and_a_new_one_is_untranslated():
    english = _notebook("Gradient descent moves along $-g_t$.", CODE)
    cat = _translated(english)
    english.cells[1].source = CODE.replace("Loss along the path", "Loss along each path") + 'print("All done.")\n'
    merged = catalogue.merge(cat, english, "toy.ipynb")
    problems = catalogue.drift(merged, english, "toy.ipynb", "toy.po")
    assert any("fuzzy draft" in p and "+Loss along each path" in p for p in problems)
    assert any("cell result line 4" in p and "not translated yet" in p and "All done." in p for p in problems)


def test_a_translation_must_keep_placeholders_formulas_and_code():
    english = _notebook("Use `lr` = $\\alpha$.", CODE)
    cat = catalogue.merge(None, english, "toy.ipynb")
    for message in cat:
        if message.context == "cell intro":
            message.string = "使用学习率 α。"                  # lost `lr` and $\alpha$
        elif message.id.startswith("The step"):
            message.string = "步长为 **{x:.3f}**。"            # a placeholder changed
    problems = catalogue.drift(cat, english, "toy.ipynb", "toy.po")
    assert any("must keep '`lr`'" in p for p in problems) and any("must keep '$\\\\alpha$'" in p for p in problems)
    assert any("{x:.3f}" in p and "not one of the English placeholders" in p for p in problems)


def test_the_translated_code_shows_the_translation_and_computes_the_same_number():
    english = _notebook("Gradient descent moves along $-g_t$.", CODE)
    twin = editions.translated_notebook(english, _translated(english), "notebooks", "toy.ipynb")
    assert twin.cells[0].source.startswith("梯度下降") and twin.cells[1].id == editions.SETUP_CELL_ID
    code = twin.cells[2].source
    shown = []
    namespace = {"display": shown.append, "Markdown": str,
                 "ax": type("Axes", (), {"set_title": lambda self, text: shown.append(text)})()}
    exec(code, namespace)
    assert shown == ["步长为 **0.50**，是 $\\alpha$ 的一半。", "沿路径的损失"]


def test_placeholders_may_move_and_braces_that_are_text_stay_text():
    source = 'print(f"{n} steps of {{lr}} = {lr:g}, in \'quotes\'")\n'
    (string,) = code_strings(source)
    assert string.template == "{n} steps of {{lr}} = {lr:g}, in 'quotes'" and string.placeholders == ("{n}", "{lr:g}")
    new = replace_strings(source, {string.template: "{{lr}} = {lr:g}：共 {n} 步，“引号”'"})
    shown = []
    exec(new, {"print": shown.append, "n": 3, "lr": 0.1})
    assert shown == ["{lr} = 0.1：共 3 步，“引号”'"]
    with pytest.raises(TranslationError, match="leaves out the placeholder {n}"):
        replace_strings(source, {string.template: "学习率 {lr:g}"})
    with pytest.raises(TranslationError, match="not one of the English placeholders"):
        replace_strings(source, {string.template: "{n} 步 {lr}"})


def test_only_shown_strings_with_english_words_are_translated():
    source = ('style = style_for("Adam + warmup")\nplt.plot(x, label="Adam")\n'
              'ax.set_xlabel("step t")\nax.set_ylabel(r"$\\alpha_t$")\nprint(f"{x:.3g}")\n')
    assert [s.template for s in code_strings(source)] == ["step t"]


def test_every_shown_string_of_the_course_goes_back_into_code_unchanged():
    # the identity translation must give back the same program: literal_source writes every kind of literal
    count = 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                strings = code_strings(cell.source)
                count += len(strings)
                same = replace_strings(cell.source, {s.template: s.template for s in strings})
                assert ast.dump(ast.parse(same)) == ast.dump(ast.parse(cell.source)), f"{path.name} {cell.id}"
    assert count > 500


# --- the library's own text and the figures' font ---------------------------------------------------

def test_figures_of_the_chinese_edition_draw_chinese_characters_with_a_cjk_font():
    def missing_glyphs():
        import logging

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        figure = Figure()
        axes = figure.add_subplot()
        axes.set_title("梯度下降：沿路径的损失")
        axes.set_xlabel("论文中的上界 $(1-\\beta_1)/\\sqrt{1-\\beta_2}$ = 3.16")   # words around a formula: mathtext
        said = []
        handler = logging.Handler()
        handler.emit = lambda record: said.append(record.getMessage())
        logging.getLogger("matplotlib").addHandler(handler)   # mathtext logs its missing glyphs
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                FigureCanvasAgg(figure).draw()
        finally:
            logging.getLogger("matplotlib").removeHandler(handler)
        return ([str(w.message) for w in caught if "missing from font" in str(w.message)]
                + [message for message in said if "does not have a glyph" in message])

    family = list(matplotlib.rcParams["font.family"])
    try:
        i18n.use_font("en")
        assert missing_glyphs(), "the English font has no Chinese glyphs: the check would pass anyway"
        i18n.use_font("zh")
        assert missing_glyphs() == []
        assert i18n.CJK_FONT_NAME in matplotlib.rcParams["font.family"]
    finally:
        matplotlib.rcParams["font.family"] = family


def test_the_library_text_follows_use_and_english_stays_the_default():
    try:
        assert i18n.language() == "en" and i18n._("passed") == "passed"
        i18n.use("zh")
        assert i18n.language() == "zh"
        assert i18n._("passed") == "通过"
        assert i18n._("a sentence no catalogue has") == "a sentence no catalogue has"
        with pytest.raises(ValueError, match="language must be one of en, zh"):
            i18n.use("fr")
    finally:
        i18n.use("en")
    assert i18n._("passed") == "passed"


def test_a_document_is_translated_by_paragraph_and_its_code_blocks_are_kept():
    from course_lib.i18n import documents
    text = "# Title\n\nFirst paragraph,\non two lines.\n\n```bash\nmake lab\n\nmake test\n```\n\n- a list\n- of two\n"
    assert documents.blocks(text) == [("# Title", True), ("First paragraph,\non two lines.", True),
                                      ("```bash\nmake lab\n\nmake test\n```", False), ("- a list\n- of two", True)]
    wanted = documents.expected(text, "README.md")
    assert [english for _context, english in wanted] == ["# Title", "First paragraph,\non two lines.",
                                                         "- a list\n- of two"]
    cat = catalogue.merge(None, wanted, "README.md")
    for message in cat:
        if message.id == "# Title":
            message.string = "# 标题"
    assert documents.translated(text, cat).startswith("# 标题\n\nFirst paragraph,\non two lines.\n\n```bash\nmake lab\n\n")
    problems = catalogue.drift(cat, documents.expected(text.replace("two lines", "2 lines"), "README.md"),
                               "README.md", "README.po")
    assert any("paragraph 2" in p and "not translated yet" not in p and "no entry" in p for p in problems)


def test_a_fuzzy_draft_keeps_its_old_english_through_the_file_blank_lines_and_all(tmp_path):
    old_text = "## The idea\n\nFirst line.\n\n- an item"
    english = _notebook(old_text, "x = 1\n")
    cat = catalogue.merge(None, english, "toy.ipynb")
    for message in cat:
        if message.context == "cell intro":
            message.string = "## 基本思想\n\n第一行。\n\n- 一项"
    english.cells[0].source = old_text.replace("First line.", "The first line.")
    catalogue.write(catalogue.merge(cat, english, "toy.ipynb"), tmp_path / "toy.po")
    back = catalogue.read(tmp_path / "toy.po")
    draft = next(m for m in back if m.context == "cell intro")
    assert draft.fuzzy and draft.previous_id == [old_text] and draft.string.startswith("## 基本思想")
    (problem,) = catalogue.drift(back, english, "toy.ipynb", "toy.po")
    assert "-First line.\n    +The first line." in problem


# --- messages written in English and translated where they are shown -----------------------------

def _templates_in_catalogue():
    import string

    from babel.messages.pofile import read_po

    from course_lib.i18n import library
    with open(library.catalogue_path(), "rb") as file:
        messages = [m for m in read_po(file) if m.id and m.string and not m.fuzzy]
    for message in messages:
        fields = [f for _, f, _, _ in string.Formatter().parse(message.id) if f is not None]
        if (fields and all(f.isidentifier() for f in fields)
                and i18n.WORD.search("".join(t for t, *_ in string.Formatter().parse(message.id)))):
            yield message.id, message.string, list(dict.fromkeys(fields))


def test_every_library_message_with_fields_is_recognised_when_written_out_in_english():
    # what the grader does with a diagnosis its sandbox wrote in English: read the fields back out
    # of the text and say it again in the student's language, each field translated in turn
    samples = {"line": " (line 7: m = beta1 * m)", "hidden": " (a hidden case: the worksheet's own check does not show it)"}
    count = 0
    with i18n.using("zh"):
        for english, chinese, fields in _templates_in_catalogue():
            values = {field: samples.get(field, f"«{field}»") for field in fields}
            expected = chinese.format(**{field: i18n.translated(value) for field, value in values.items()})
            assert i18n.translated(english.format(**values)) == expected, english
            count += 1
        assert i18n.translated(" (line 7: m = beta1 * m)") == "（第 7 行：m = beta1 * m）"
    assert count > 60


def _adam_reading_a_renamed_state_entry(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["step"] + 1
    return theta, state


def _adam_off_by_one_percent(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    import numpy as np
    t = state["t"] + 1
    m, v = beta1 * state["m"] + (1 - beta1) * g, beta2 * state["v"] + (1 - beta2) * g * g
    step = lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return theta - 1.01 * step, {"t": t, "m": m, "v": v}


def test_a_chinese_check_report_says_what_went_wrong_in_chinese_and_the_english_one_is_unchanged():
    from course_lib.checks import check
    import re
    english = [check("adam_step", f).report() for f in (_adam_reading_a_renamed_state_entry, _adam_off_by_one_percent)]
    assert re.search(r"adam_step asked for the state entry 'step' \(line \d+: t = state\[\"step\"\] \+ 1\), but the "
                     r"state has only the keys 't', 'm', 'v'", english[0])
    assert "after step 1: new_theta\n      expected [" in english[1] and "\n      got      [" in english[1]
    assert "largest difference at index (" in english[1]
    try:
        i18n.use("zh")
        chinese = [check("adam_step", f).report() for f in (_adam_reading_a_renamed_state_entry, _adam_off_by_one_percent)]
    finally:
        i18n.use("en")
    assert re.search(r"adam_step 读取了状态条目 'step'（第 \d+ 行：t = state\[\"step\"\] \+ 1），但状态只有键 't', 'm', 'v'",
                     chinese[0])
    assert "第 1 步之后：new_theta\n      期望 [" in chinese[1] and "\n      实际 [" in chinese[1]
    for report in chinese:
        for english_words in ("asked for", "after step", "expected", "largest difference", "group '", "step(s)"):
            assert english_words not in report, (english_words, report)


def test_grader_feedback_in_chinese_translates_what_the_sandbox_and_the_grader_wrote_in_english():
    from course_lib.checks import check
    from course_lib.grade.report import feedback_text
    result = check("adam_step", _adam_reading_a_renamed_state_entry)     # judged in English, as the grader does
    row = {"file": "zh/05-adam.ipynb", "student": "s1", "total": 0.0, "max": 5.0, "status": "graded", "reason": "",
           "language": "zh", "items": {"adam_step": vars(result)}, "flags": [],
           "cells": [{"cell": 4, "status": "not run in grading",
                      "message": "it uses torch; graded code cannot, so this cell stops there in grading "
                                 "(in your notebook it runs)"}],
           "notes": ["%%time cell skipped (the grader runs Python only)"]}
    text = feedback_text(row, "练习 05")
    assert "代码单元格 4：评分时未运行：它用到了 torch" in text
    assert "已跳过 %%time 单元格（评分程序只运行 Python 代码）" in text
    assert "adam_step 读取了状态条目 'step'" in text and "asked for" not in text
    assert "(已评分)" in text or "（已评分）" in text
    row["language"] = "en"
    assert "code cell 4: not run in grading: it uses torch" in feedback_text(row, "worksheet 05")


def test_every_english_label_an_explorer_or_plot_draws_goes_through_gettext():
    # a shown string with English words outside _() would stay English in the Chinese edition
    import re

    from course_lib.i18n.translatable import DISPLAY_CALLS, DISPLAY_KEYWORDS, _literals, has_words, template_of
    found = []
    for path in sorted((ROOT / "course_lib" / "widgets").glob("*.py")) + [ROOT / "course_lib" / "plots.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            shown = list(call.args) if name in DISPLAY_CALLS - {"print", "display"} else []
            shown += [k.value for k in call.keywords if k.arg in DISPLAY_KEYWORDS - {"description"}]
            for argument in shown:
                for node in _literals(argument):   # what it shows; _("...").format(...) shows no literal of its own
                    template, placeholders = template_of(node)
                    if has_words(re.sub(r"\b(lr|eps)\b", " ", template), placeholders):   # code's symbols are not words
                        found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:70]}")
    assert not found, "shown English outside _():\n" + "\n".join(found)


def test_the_stubs_of_the_chinese_worksheets_give_their_hints_in_chinese():
    # the hint of "### BEGIN SOLUTION: <hint>" is what a stub says to do, as "# TODO: <hint>"
    import re
    todos = []
    for path in sorted((ROOT / "exercises" / "zh").glob("[0-9][0-9]-*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            todos += [(path.name, line.strip()) for line in cell.source.splitlines() if "# TODO:" in line]
    assert len(todos) > 40
    english = [f"{name}: {line}" for name, line in todos if not re.search(r"[\u4e00-\u9fff]", line)]
    assert not english, "TODO hints still in English:\n" + "\n".join(english)


def test_a_name_is_translated_everywhere_in_its_notebook_or_nowhere():
    from course_lib.i18n.translatable import name_strings, replace_names
    cells = ['runs = {"heavy ball": 1.0, "look-ahead": 2.0}\nfor name, value in runs.items():\n'
             '    plt.plot([value], label=name)\n',
             'best = runs["heavy ball"]\nassert "look-ahead" in runs\nplt.legend(loc="lower right")\n',
             'kind = "warmup + cosine"\nopen("lecture notes")\nsteps = {"lecture notes": 3}\n']
    # "warmup + cosine" is the library's (make_schedule looks it up); "lecture notes" is also a file name
    names = name_strings(cells, library_strings={"warmup + cosine"})
    assert names == ["heavy ball", "look-ahead"]
    translated = [replace_names(cell, {"heavy ball": "重球法", "look-ahead": "前瞻点"}) for cell in cells]
    assert translated[0].startswith('runs = {"重球法": 1.0, "前瞻点": 2.0}')
    assert 'best = runs["重球法"]' in translated[1] and 'assert "前瞻点" in runs' in translated[1]
    assert translated[2] == cells[2]
    namespace = {"plt": type("P", (), {"plot": staticmethod(lambda *a, **k: None),
                                       "legend": staticmethod(lambda **k: None)})}
    exec(translated[0] + translated[1], namespace)     # every lookup still finds its key
    assert namespace["best"] == 1.0


def test_the_chinese_uses_the_glossarys_terms_not_their_variants():
    # lesson 00's glossary is the authority: one Chinese term per idea across the whole edition
    variants = {"偏差校正": "偏差修正", "偏置修正": "偏差修正", "指数滑动平均": "指数移动平均",
                "指数加权平均": "指数移动平均", "自适应学习速率": "自适应学习率", "学习速率": "学习率",
                "小批次": "小批量", "权重衰退": "权重衰减", "局部最小值": "局部极小值", "海塞": "黑塞"}
    found = []
    for path in sorted((ROOT / "course_lib" / "locale" / "zh").rglob("*.po")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {variant} (the glossary says {term})" for variant, term in variants.items()
                  if variant in text]
    assert not found, "\n".join(found)


def test_an_fstring_kept_to_be_shown_is_translated_and_one_that_looks_something_up_is_not():
    # (plain strings in those places are names, translated only if their translator says they are shown)
    source = ('budgets = [(1, "1 epoch"), (5, f"{epochs} epochs")]\nfirst = f"after {n} steps" if n else "never"\n'
              'runs = {f"constant {lr:g}": 1}\nbest = runs[f"constant {lr:g}"]\n')
    assert [s.template for s in code_strings(source)] == ["{epochs} epochs", "after {n} steps"]


def test_a_short_word_makes_a_label_prose_but_a_symbol_does_not():
    source = 'ax.set_title(f"Adam → SGD at {label}")\nax.set_ylabel("lr")\nax.set_xlabel("eps in %")\n'
    assert [s.template for s in code_strings(source)] == ["Adam → SGD at {label}", "eps in %"]


def test_a_name_inside_an_fstrings_placeholder_is_translated_there_too():
    from course_lib.i18n.translatable import name_strings, replace_names
    cells = ['gaps = {"gradient descent": 0.5, "heavy ball": 0.25}\n'
             'display(Markdown(f"gap {gaps[\'gradient descent\']:.1e}, "\n'
             '                 f"then {gaps[\'heavy ball\']:.2f}"))\n'
             'note = f"{\'done\' if gaps[\'heavy ball\'] < 1 else \'not yet\'}"\n',
             'title = f"gradient descent{1}"\n',          # a piece of an f-string's own text: left alone
             'ax.plot([1], label="standardized")\nbest = {"standardized": 2}["standardized"]\n']
    names = name_strings(cells, library_strings=set())
    # "gradient descent" is also the text of an f-string, so never a name; "standardized" is shown as
    # label= where it is written and still a name (its translation there is the label's)
    assert names == ["heavy ball", "done", "not yet", "standardized"]
    translated = [replace_names(cell, {"heavy ball": "重球法", "done": "完成", "standardized": "标准化"})
                  for cell in cells]
    assert "{gaps['重球法']:.2f}" in translated[0] and '"重球法": 0.25' in translated[0]
    assert "{'完成' if gaps['重球法'] < 1 else 'not yet'}" in translated[0]
    assert translated[1] == cells[1]
    assert translated[2] == 'ax.plot([1], label="标准化")\nbest = {"标准化": 2}["标准化"]\n'
    shown = []
    namespace = {"display": shown.append, "Markdown": str}
    exec(translated[0], namespace)                       # every lookup inside the placeholders still finds its key
    assert shown == ["gap 5.0e-01, then 0.25"] and namespace["note"] == "完成"


def test_a_dict_comprehensions_values_are_text_to_show_but_not_its_keys():
    source = ('names = {(b, c): f"$\\\\beta_2$ = {b}, {\'with\' if c else \'without\'} correction" for b, c in first}\n'
              'ratio_text = {label: " and ".join(values[label]) for label in three}\n'
              'lookup = {f"key {k}": k for k in range(3)}\n')
    assert [s.template for s in code_strings(source)] == [
        "$\\beta_2$ = {b}, {'with' if c else 'without'} correction", " and "]


def test_library_names_a_lesson_shows_follow_the_language():
    from course_lib.checks import ITEMS
    from course_lib.theory.race import LINEUP
    mistake = next(m for m in ITEMS["adam_step"].mistakes if m.name == "forgot the bias correction")
    assert mistake.shown_name == mistake.name and LINEUP["SGD"].shown_note == "defaults"
    assert LINEUP["AdamW"].shown_note == "weight decay 0.01"
    with i18n.using("zh"):
        assert mistake.shown_name == "忘了偏差修正" and mistake.name == "forgot the bias correction"
        assert LINEUP["SGD"].shown_note == "默认值" and LINEUP["AdamW"].shown_note == "权重衰减 0.01"


def test_what_a_function_named_for_text_returns_is_shown():
    source = ('def listed_text(names):\n    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]\n'
              'def lookup_key(lr):\n    return f"constant {lr:g}"\n')
    assert [s.template for s in code_strings(source)] == [" and "]


def test_the_animation_players_buttons_and_modes_follow_the_language():
    from matplotlib.animation import FuncAnimation
    from course_lib.plots import animation_html
    import matplotlib.pyplot as plt

    def player():
        fig, ax = plt.subplots(figsize=(2, 2))
        line, = ax.plot([0, 1], [0, 1])
        return animation_html(FuncAnimation(fig, lambda k: (line.set_ydata([0, k]),), frames=2)).data

    english = player()
    assert '>Loop</label>' in english and 'title="Play backwards"' in english
    with i18n.using("zh"):
        chinese = player()
    assert '>循环</label>' in chinese and 'title="倒放" aria-label="倒放"' in chinese
    assert not any(f'"{word}"' in chinese or f">{word}<" in chinese for word in ("Once", "Loop", "Reflect", "Pause"))


def test_a_comment_is_translated_on_its_own_line_and_the_code_around_it_is_untouched():
    from course_lib.i18n.translatable import code_comments, replace_comments
    source = ('t = state["t"] + 1   # t counts from 1\n'
              '# the moving average of the squared gradients\n'
              'import os  # noqa: F401\n'
              '### BEGIN SOLUTION: the update\n'
              'x = "# not a comment"  ## two hashes kept\n'
              'y = 2  # beta2**t\n')
    assert [text for _, _, text in code_comments(source)] == [
        "t counts from 1", "the moving average of the squared gradients", "two hashes kept"]
    out = replace_comments(source, {"t counts from 1": "t 从 1 开始计数", "two hashes kept": "保留两个井号"}).splitlines()
    assert out[0] == 't = state["t"] + 1   # t 从 1 开始计数' and out[4] == 'x = "# not a comment"  ## 保留两个井号'
    assert out[1:4] + out[5:] == source.splitlines()[1:4] + source.splitlines()[5:]


def test_a_changed_comment_is_drift_and_a_comment_translation_stays_on_one_line():
    english = _notebook("Gradient descent moves along $-g_t$.", CODE + "x = 2 * x   # double the step\n")
    cat = _translated(english)
    comment = next(m for m in cat if m.context == "comment")
    assert comment.id == "double the step"
    comment.string = "步长加倍"
    assert catalogue.drift(cat, english, "toy.ipynb", "toy.po") == []
    twin = editions.translated_notebook(english, cat, "notebooks", "toy.ipynb")
    assert twin.cells[-1].source.endswith("x = 2 * x   # 步长加倍\n")

    english.cells[1].source = english.cells[1].source.replace("double the step", "triple the step")
    problems = catalogue.drift(catalogue.merge(cat, english, "toy.ipynb"), english, "toy.ipynb", "toy.po")
    assert any("fuzzy draft" in p and "+triple the step" in p for p in problems)
    entry = catalogue.Entry("comment", "double the step", ())
    assert catalogue.check_translation(entry, "步长\n加倍") and not catalogue.check_translation(entry, "步长加倍")
