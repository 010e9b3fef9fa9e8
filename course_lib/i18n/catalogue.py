"""The translation of one notebook: a gettext catalogue (a .po file) beside the English.

``course_lib/locale/<language>/notebooks/05-adam.po`` translates
``notebooks/05-adam.ipynb`` (and ``.../solutions/05-adam.po`` the solved worksheet).
Each entry's key is the English it translates, so a translation can never be
applied to text it was not written for:

- a Markdown cell: context ``cell <id>`` (the cell's nbformat id), text the cell's source;
- a string a code cell shows (``translatable.code_strings``): no context, text its
  template; the same string in two cells is one entry, with both cells as its
  locations;
- a solved worksheet's hint, ``### BEGIN SOLUTION: <hint>``, which its stub shows as
  ``# TODO: <hint>``: context ``hint``, text the hint;
- a comment in a code cell (``translatable.code_comments``): context ``comment``, text the
  comment without its ``#``; translated on one line, the code around it untouched;
- a name (``translatable.name_strings``): a string the code uses as a key and may
  show (``runs = {"heavy ball": ...}``, then ``label=name``): context ``name``. Its
  translation replaces it everywhere in the notebook's code; a translation equal
  to the English (a key that is never shown) leaves it as it is.

``expected(notebook)`` is what a notebook asks to be translated; ``merge`` brings a
catalogue up to date with it as gettext's msgmerge does (an entry whose English
changed keeps its translation, marked fuzzy, with the old English beside it as
``#| msgid``); ``drift`` lists everything that keeps the catalogue from being a
translation of the notebook as it is now, each saying which cell and what changed.
Files are read and written by Babel.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from .translatable import TranslationError, check_placeholders, code_comments, code_strings, name_strings

LOCALE_ROOT = Path(__file__).resolve().parent.parent / "locale"
FORMAT_FLAG = "python-brace-format"
HEADER = """# The {language} translation of {source}, in the course Optimizers from SGD to RAdam.
# Each msgid is the English it translates; make translations brings this file up to date
# with the notebook, make zh writes the translated notebook. See course_lib/i18n/__init__.py.
#"""
# what must come through a translation of Markdown unchanged: maths, inline code, code blocks
# (inline maths and code may run over a line break, as Markdown allows, but not over a blank line)
KEPT_IN_MARKDOWN = re.compile(r"```.*?```|\$\$.*?\$\$|(?<![\\$])\$(?:[^$\n]|\n(?!\n))+\$|`(?:[^`\n]|\n(?!\n))+`", re.S)


@dataclass(frozen=True)
class Entry:
    context: str | None
    english: str
    locations: tuple          # ((cell id, line), ...)
    is_fstring: bool = False
    placeholders: tuple = ()
    note: str = ""
    markdown: bool = False    # Markdown (a cell, a paragraph of a document): maths and code must come through


def catalogue_path(kind: str, name: str, language: str = "zh", root: Path = LOCALE_ROOT) -> Path:
    """kind: "notebooks" or "solutions"; name: "05-adam.ipynb"."""
    return root / language / kind / (Path(name).stem + ".po")


def expected(notebook: nbformat.NotebookNode) -> dict:
    """(context, English) -> Entry: everything in ``notebook`` a translation must cover."""
    entries: dict = {}
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "markdown" and cell.source.strip():
            key = (f"cell {cell.id}", cell.source)
            entries[key] = Entry(key[0], cell.source, ((cell.id, 1),), note=f"Markdown cell {number}", markdown=True)
        elif cell.cell_type == "code":
            for line_number, hint in solution_hints(cell.source):
                key = ("hint", hint)
                location = (cell.id, line_number)
                old = entries.get(key)
                entries[key] = Entry("hint", hint, (old.locations if old else ()) + (location,),
                                     note="the hint a worksheet's stub shows as # TODO: ...")
            for line_number, _column, comment in code_comments(cell.source):
                key = ("comment", comment)
                old = entries.get(key)
                entries[key] = Entry("comment", comment, (old.locations if old else ()) + ((cell.id, line_number),),
                                     note="a comment in the code: one line, no line break")
            for string in code_strings(cell.source):
                key = (None, string.template)
                location = (cell.id, string.start[0])
                if key in entries:
                    old = entries[key]
                    entries[key] = Entry(None, old.english, old.locations + (location,), old.is_fstring,
                                         old.placeholders, old.note)
                else:
                    note = ("f-string: keep every {...} placeholder exactly; a brace that is text is {{ or }}"
                            if string.is_fstring else "a string the code shows")
                    entries[key] = Entry(None, string.template, (location,), string.is_fstring,
                                         string.placeholders, note)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    for name in name_strings(sources, library_strings()):
        if (None, name) in entries:      # shown where it is written, so translated there already
            continue
        locations = tuple((cell.id, 1) for cell in notebook.cells
                          if cell.cell_type == "code" and repr(name)[1:-1] in cell.source)
        entries[("name", name)] = Entry("name", name, locations,
                                        note="a name the code uses as a key, and may show (a legend, a table): "
                                             "translated everywhere in the notebook; the English again if never shown")
    return entries


@functools.cache
def library_strings() -> frozenset:
    """Every string literal of course_lib's code: text the library may look up, so never a name."""
    import ast
    package = Path(__file__).resolve().parent.parent
    return frozenset(node.value for path in package.rglob("*.py")
                     for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))


def solution_hints(source: str) -> list[tuple[int, str]]:
    """(line, hint) of each ``### BEGIN SOLUTION: hint`` marker of a code cell."""
    from ..worksheets import BEGIN
    found = [(number, BEGIN.match(line)) for number, line in enumerate(source.splitlines(), start=1)]
    return [(number, match["hint"]) for number, match in found if match and match["hint"]]


def translate_hints(source: str, hints: dict) -> str:
    """The cell's source with each solution marker's hint that ``hints`` has in the other language."""
    from ..worksheets import BEGIN

    def translated(line: str) -> str:
        match = BEGIN.match(line)
        if not match or match["hint"] not in hints:
            return line
        return line[:match.start("hint")] + hints[match["hint"]] + line[match.end("hint"):]
    return "".join(translated(line) for line in source.splitlines(keepends=True))


# A fuzzy draft's old English is kept as translator comments, one per line, with this mark.
# (gettext's own place for it, "#| msgid", is written by Babel 2.19 wrapped in a way its own
# reader cannot parse back when the text has several lines, as a Markdown cell has.)
PREVIOUS = "previous English| "
NO_WRAP = 10**6   # Babel wraps comments at 76 columns unless given a width; msgids split at newlines only


def read(path: Path) -> Catalog:
    with open(path, "rb") as file:
        catalogue = read_po(file, abort_invalid=True)
    mark = PREVIOUS.rstrip()   # a blank line of the old English comes back without the trailing space
    for message in catalogue:
        previous = [c[len(mark):].removeprefix(" ") for c in message.user_comments if c.startswith(mark)]
        if previous:
            message.previous_id = ["\n".join(previous)]
            message.user_comments = [c for c in message.user_comments if not c.startswith(mark)]
    return catalogue


def write(catalogue: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for message in catalogue:
        kept = [c for c in message.user_comments if not c.startswith(PREVIOUS)]
        previous = [PREVIOUS + line for text in (message.previous_id or []) for line in text.split("\n")]
        message.user_comments = kept + (previous if message.fuzzy else [])
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=NO_WRAP, sort_output=False, include_previous=False, omit_header=False)
    path.write_bytes(buffer.getvalue())


def translations(catalogue: Catalog) -> dict:
    """(context, English) -> translation, for the entries that are translated and not fuzzy."""
    return {(message.context, message.id): message.string for message in catalogue
            if message.id and message.string and not message.fuzzy}


def merge(catalogue: Catalog | None, notebook: nbformat.NotebookNode | dict, source_name: str,
          language: str = "zh") -> Catalog:
    """The catalogue brought up to date with ``notebook``, as msgmerge does: entries in the
    notebook's order; a translation whose English changed is kept as a fuzzy draft with the
    old English as its previous text (a Markdown cell is matched by its id, a code string by
    the closest old string of the same cell); translations of text that is gone become
    obsolete entries (#~), kept for reference."""
    old = {(m.context, m.id): m for m in catalogue if m.id} if catalogue is not None else {}
    by_cell = {m.context: m for m in old.values() if m.context}
    created = catalogue.creation_date if catalogue is not None else datetime.datetime.now(datetime.timezone.utc)
    new = Catalog(locale=language, project="Optimizers from SGD to RAdam", version=source_name, charset="utf-8",
                  fuzzy=False, creation_date=created, revision_date=created, header_comment=HEADER.format(
                      language=language, source=source_name), language_team=language, last_translator="")
    used = set()
    wanted = expected(notebook) if isinstance(notebook, nbformat.NotebookNode) else notebook   # or a document's entries
    for key, entry in wanted.items():
        flags = {FORMAT_FLAG} if entry.is_fstring else set()
        message = Message(entry.english, context=entry.context,
                          locations=[(cell, line) for cell, line in entry.locations],
                          auto_comments=[entry.note] if entry.note else [])
        message.flags = set(flags)   # not Babel's guesses (Markdown with braces is no format string)
        before = old.get(key)
        if before is not None:
            message.string, used = before.string, used | {key}
            if before.fuzzy:
                message.flags.add("fuzzy")
                message.previous_id = before.previous_id
        else:
            draft = by_cell.get(entry.context) if entry.context else _closest_code_string(entry, old, used)
            if draft is not None and draft.string:
                message.string = draft.string
                message.flags.add("fuzzy")
                message.previous_id = [draft.id]
                used.add((draft.context, draft.id))
        new[entry.english] = message   # Babel keys it by (text, context)
    for key, message in old.items():
        if key not in used and message.string:
            message.flags.discard("fuzzy")
            new.obsolete[message.id if message.context is None else (message.id, message.context)] = message
    return new


def _closest_code_string(entry: Entry, old: dict, used: set):
    cells = {cell for cell, _ in entry.locations}
    candidates = {m.id: m for key, m in old.items() if m.context is None and key not in used
                  and cells & {cell for cell, _ in m.locations}}
    close = difflib.get_close_matches(entry.english, list(candidates), n=1, cutoff=0.6)
    return candidates[close[0]] if close else None


def drift(catalogue: Catalog | None, notebook: nbformat.NotebookNode | dict, english_path: str,
          po_path: str) -> list[str]:
    """Why ``catalogue`` is not a translation of ``notebook`` as it is now, one message per problem;
    [] when every cell and string is translated for the English as it stands."""
    if catalogue is None:
        return [f"{english_path} has no translation: {po_path} is missing (run make translations to start it)"]
    problems = []
    messages = {(m.context, m.id): m for m in catalogue if m.id}
    by_cell = {m.context: m for m in messages.values() if m.context and m.context.startswith("cell ")}
    wanted = expected(notebook) if isinstance(notebook, nbformat.NotebookNode) else notebook
    for key, entry in wanted.items():
        where = (f"{entry.context} ({entry.note})" if entry.context else entry.note if entry.markdown else
                 "code string in " + ", ".join(f"cell {cell} line {line}" for cell, line in entry.locations))
        message = messages.get(key)
        if message is None:
            stale = by_cell.get(entry.context) if entry.markdown else None
            if stale is not None:
                problems.append(f"{english_path}, {where} changed since {po_path} translated it:\n"
                                + _diff(stale.id, entry.english))
            else:
                problems.append(f"{english_path}, {where} has no entry in {po_path}: {_short(entry.english)!r} "
                                "(run make translations, then translate it)")
            continue
        if message.fuzzy:
            previous = "\n".join(message.previous_id) if message.previous_id else None
            problems.append(f"{english_path}, {where}: the translation in {po_path} is a fuzzy draft "
                            "for English that changed" + (":\n" + _diff(previous, entry.english) if previous else
                                                          f": {_short(entry.english)!r}")
                            + "\n  update the translation, then remove its fuzzy flag")
            continue
        if not message.string:
            problems.append(f"{english_path}, {where} is not translated yet in {po_path}: {_short(entry.english)!r}")
            continue
        problems += [f"{english_path}, {where}: {problem}" for problem in check_translation(entry, message.string)]
    for key, message in messages.items():
        if key not in wanted:
            problems.append(f"{po_path} translates text that {english_path} no longer has: {_short(message.id)!r} "
                            "(run make translations: it moves it to the obsolete entries)")
    return problems


def check_translation(entry: Entry, translation: str) -> list[str]:
    """What a translation must keep: an f-string's placeholders; a Markdown cell's maths and code;
    a comment's single line (a line break would turn the rest into code)."""
    if entry.context == "comment" and ("\n" in translation or "\r" in translation):
        return ["a comment's translation must stay on one line"]
    if entry.is_fstring:
        try:
            from .translatable import CodeString
            check_placeholders(CodeString(entry.english, entry.placeholders, True, (0, 0), (0, 0)), translation)
        except TranslationError as error:
            return [str(error)]
        return []
    if not entry.markdown:
        return []
    # compared with white space collapsed: Markdown shows a line break inside code or maths as a space
    flat = " ".join(translation.split())
    missing = [kept for kept in dict.fromkeys(KEPT_IN_MARKDOWN.findall(entry.english))
               if " ".join(kept.split()) not in flat]
    return [f"the translation must keep {_short(kept)!r} as it is (maths and code are not translated)"
            for kept in missing]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "translated English", "English now",
                                 lineterm="", n=0)
    return "\n".join("    " + line for line in lines)


__all__ = ["LOCALE_ROOT", "Entry", "catalogue_path", "expected", "read", "write", "translations", "merge",
           "drift", "check_translation"]
