"""The catalogue of the library's own text: ``course_lib/locale/zh/LC_MESSAGES/course_lib.po``.

What it must translate is found two ways:

- every literal passed to ``_`` in course_lib's modules, or to ``N_`` (gettext's
  ``gettext_noop``: text written in English and translated when shown), found by
  Babel's Python extractor (the standard ``pybabel extract``);
- the checks' own vocabulary, which is data rather than literals passed to ``_``:
  each item's case group names and its mistakes' and variants' names and
  explanations, read from the checks' registry (``_core`` looks each up with ``_``
  when it writes a report), and the constant sentences ``_core`` passes to ``_``.

``merge`` and ``drift`` are those of ``catalogue.py``, with the entries keyed by
their English alone.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir

from . import DOMAIN, LOCALE_ROOT
from .catalogue import HEADER, _diff, _short

PACKAGE = Path(__file__).resolve().parent.parent


def catalogue_path(language: str = "zh") -> Path:
    return LOCALE_ROOT / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def expected() -> dict:
    """English -> (where it comes from, ...): every text of the library a translation must cover."""
    found: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords={"_": None, "N_": None}):
        if isinstance(message, str) and message:
            found.setdefault(message, []).append(f"course_lib/{filename}:{lineno}")
    from ..checks import ITEMS
    from ..checks._core import GRADED_LIKE_THIS, NOT_ATTEMPTED, cases_for, sentence
    for text in (NOT_ATTEMPTED, GRADED_LIKE_THIS):
        found.setdefault(text, []).append("course_lib/checks/_core.py")
    for name, item in ITEMS.items():
        for case in cases_for(item, 0) + cases_for(item, 1, hidden=True):
            found.setdefault(case.group, []).append(f"check {name}: a case group")
        for mistake in item.mistakes:
            kind = "variant" if mistake.accepted else "mistake"
            found.setdefault(mistake.name, []).append(f"check {name}: a {kind}'s name")
            if mistake.explanation:
                found.setdefault(sentence(mistake.explanation), []).append(f"check {name}: a {kind}'s explanation")
    return {text: tuple(dict.fromkeys(where)) for text, where in found.items()}


def merge(old: Catalog | None, language: str = "zh") -> Catalog:
    """The library catalogue up to date with ``expected()`` (see catalogue.merge)."""
    import difflib
    created = old.creation_date if old is not None else datetime.datetime.now(datetime.timezone.utc)
    new = Catalog(locale=language, project="Optimizers from SGD to RAdam", version="course_lib", charset="utf-8",
                  fuzzy=False, creation_date=created, revision_date=created, language_team=language,
                  last_translator="", header_comment=HEADER.format(language=language, source="course_lib"))
    before = {m.id: m for m in old if m.id} if old is not None else {}
    used = set()
    for text, where in expected().items():
        message = Message(text, auto_comments=list(where[:3]))
        message.flags = {"python-brace-format"} if "{" in text and "}" in text else set()
        previous = before.get(text)
        if previous is not None:
            message.string = previous.string
            if previous.fuzzy:
                message.flags.add("fuzzy")
                message.previous_id = previous.previous_id
            used.add(text)
        else:
            close = difflib.get_close_matches(text, [t for t in before if t not in used], n=1, cutoff=0.75)
            if close and before[close[0]].string:
                message.string = before[close[0]].string
                message.flags.add("fuzzy")
                message.previous_id = [close[0]]
                used.add(close[0])
        new[text] = message
    for text, message in before.items():
        if text not in used and message.string:
            message.flags.discard("fuzzy")
            new.obsolete[text] = message
    return new


def drift(catalogue: Catalog | None, shown_path: str) -> list[str]:
    """Why the library catalogue does not translate the library as it is now; [] if it does."""
    if catalogue is None:
        return [f"{shown_path} is missing (run make translations)"]
    messages = {m.id: m for m in catalogue if m.id}
    problems = []
    wanted = expected()
    for text, where in wanted.items():
        message = messages.get(text)
        said = f"{where[0]}: {_short(text)!r}"
        if message is None:
            problems.append(f"{said} has no entry in {shown_path} (run make translations, then translate it)")
        elif message.fuzzy:
            previous = "\n".join(message.previous_id)
            problems.append(f"{said}: the translation in {shown_path} is a fuzzy draft for English that changed"
                            + (":\n" + _diff(previous, text) if previous else ""))
        elif not message.string:
            problems.append(f"{said} is not translated yet in {shown_path}")
        else:
            problems += [f"{said}: {problem}" for problem in check_fields(text, message.string)]
    for text in messages:
        if text not in wanted:
            problems.append(f"{shown_path} translates text the library no longer has: {_short(text)!r} "
                            "(run make translations)")
    return problems


def check_fields(english: str, translation: str) -> list[str]:
    """A library message's {fields} (str.format) must all be kept, and no other added."""
    import string
    try:
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f is not None} for text in (english, translation)]
    except ValueError as error:
        return [f"not a valid format string: {error}"]
    return [] if fields[0] == fields[1] else [f"the translation must keep the fields {sorted(fields[0])} exactly"]


__all__ = ["catalogue_path", "expected", "merge", "drift", "check_fields"]
