"""Write a translated edition of the course: notebooks/zh/, solutions/zh/, exercises/zh/.

The English notebooks are the source. A translated notebook is the English one
with its Markdown cells and the strings its code shows taken from the catalogue
(``catalogue.py``), one code cell added before the first (``i18n.use("zh")``: the
library's own text and the figures' font follow), links to the course's files
pointed at their translated twins, and nothing else changed: the code is the
English code, so a change to it reaches both languages the next time this runs.
Text with no up-to-date translation stays in English (``drift`` says which).

The worksheets are made from the translated solutions by ``course_lib.worksheets``,
exactly as the English ones are from the English solutions.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from . import catalogue
from .translatable import name_strings, replace_comments, replace_names, replace_strings

KINDS = ("notebooks", "solutions")
SETUP_CELL_ID = "course-language"
SETUP_SOURCE = {
    "zh": ('from course_lib import i18n\n\n'
           'i18n.use("zh")   # 中文版：course_lib 的图、说明与检查报告用中文，图中文字用中文字体'),
}
COURSE_FILE = re.compile(r"`(notebooks|exercises|solutions)/(\d\d[\w.-]*\.ipynb)`")


def sources(root: Path, kind: str) -> list[Path]:
    return sorted((root / kind).glob("[0-9][0-9]-*.ipynb"))


def translated_notebook(english: nbformat.NotebookNode, catalogue_: catalogue.Catalog | None, kind: str,
                        name: str, language: str = "zh") -> nbformat.NotebookNode:
    """The translated twin of ``english`` (see the module's docstring)."""
    done = catalogue.translations(catalogue_) if catalogue_ is not None else {}
    code_done = {english_text: text for (context, english_text), text in done.items() if context is None}
    hints = {english_text: text for (context, english_text), text in done.items() if context == "hint"}
    comments = {english_text: text for (context, english_text), text in done.items() if context == "comment"}
    names = {english_text: text for (context, english_text), text in done.items()
             if context == "name" and text != english_text}
    # a name also shown where it is written (label="standardized", and best_lr["standardized"] elsewhere)
    # has no entry of its own: it takes that string's translation, so the keys still match each other
    sources = [cell.source for cell in english.cells if cell.cell_type == "code"]
    for text in name_strings(sources, catalogue.library_strings()):
        if text in code_done and text not in names:
            names[text] = code_done[text]
    twin = nbformat.from_dict(english)
    for cell in twin.cells:
        if cell.cell_type == "markdown":
            text = done.get((f"cell {cell.id}", cell.source))
            if text is not None:
                cell.source = COURSE_FILE.sub(lambda m: f"`{m.group(1)}/{language}/{m.group(2)}`", text)
        elif cell.cell_type == "code":
            source = replace_comments(cell.source, comments)   # first: the others re-read the code, not comments
            cell.source = replace_names(catalogue.translate_hints(replace_strings(source, code_done), hints), names)
            cell.outputs, cell.execution_count = [], None
    first_code = next((i for i, cell in enumerate(twin.cells) if cell.cell_type == "code"), len(twin.cells))
    setup = nbformat.v4.new_code_cell(SETUP_SOURCE[language])
    setup.id = SETUP_CELL_ID
    twin.cells.insert(first_code, setup)
    twin.metadata["course"] = {"translated_from": f"{kind}/{name}", "language": language,
                               "edit": f"edit {kind}/{name} or course_lib/locale/{language}/{kind}/"
                                       f"{Path(name).stem}.po, then run make translations"}
    return twin


def build(root: Path, language: str = "zh", check_only: bool = False) -> list[str]:
    """Write (or with check_only, compare) the translated notebooks and solutions; then the
    translated worksheets. Returns the files that were (or would be) rewritten."""
    from .. import worksheets
    stale = []
    for kind in KINDS:
        for path in sources(root, kind):
            po = catalogue.catalogue_path(kind, path.name, language)
            cat = catalogue.read(po) if po.exists() else None
            twin = translated_notebook(nbformat.read(path, as_version=4), cat, kind, path.name, language)
            if kind == "solutions":   # the points column comes from the checks' registry, as in English
                twin = worksheets.with_registry_points(twin, path.name)
            text = worksheets.render(twin)
            target = root / kind / language / path.name
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target.relative_to(root)))
                if not check_only:
                    target.parent.mkdir(exist_ok=True)
                    target.write_text(text, encoding="utf-8")
    stale += [f"exercises/{language}/{name}" for name in
              worksheets.generate(root, check_only=check_only, language=language)]
    from . import documents
    return stale + documents.build(root, language, check_only)


def update_catalogues(root: Path, language: str = "zh") -> list[Path]:
    """Bring every catalogue up to date with its English notebook (make translations); returns those changed."""
    changed = []
    for kind in KINDS:
        for path in sources(root, kind):
            po = catalogue.catalogue_path(kind, path.name, language)
            old = catalogue.read(po) if po.exists() else None
            new = catalogue.merge(old, nbformat.read(path, as_version=4), f"{kind}/{path.name}", language)
            before = po.read_bytes() if po.exists() else None
            catalogue.write(new, po)
            if po.read_bytes() != before:
                changed.append(po)
    from . import documents, library
    changed += documents.update_catalogues(root, language)
    po = library.catalogue_path(language)
    before = po.read_bytes() if po.exists() else None
    catalogue.write(library.merge(catalogue.read(po) if po.exists() else None, language), po)
    if po.read_bytes() != before:
        changed.append(po)
    return changed


def drift(root: Path, language: str = "zh", only: list[str] | None = None) -> list[str]:
    """Every problem between the English sources and their catalogues (see catalogue.drift);
    with ``only`` (e.g. ["notebooks/05-adam", "library", "README"]), those catalogues alone."""
    def wanted(name: str) -> bool:
        return not only or any(part in name for part in only)

    problems = []
    for kind in KINDS:
        for path in sources(root, kind):
            if not wanted(f"{kind}/{path.stem}"):
                continue
            po = catalogue.catalogue_path(kind, path.name, language)
            shown_po = str(po.relative_to(root)) if po.is_relative_to(root) else str(po)
            problems += catalogue.drift(catalogue.read(po) if po.exists() else None,
                                        nbformat.read(path, as_version=4), f"{kind}/{path.name}", shown_po)
    from . import documents, library
    if any(wanted(name) for name in documents.DOCUMENTS):
        problems += [p for p in documents.drift(root, language) if not only or any(part in p for part in only)]
    if wanted("library"):
        po = library.catalogue_path(language)
        problems += library.drift(catalogue.read(po) if po.exists() else None,
                                  str(po.relative_to(root)) if po.is_relative_to(root) else str(po))
    return problems


__all__ = ["KINDS", "SETUP_CELL_ID", "translated_notebook", "build", "update_catalogues", "drift"]
