"""The course in more than one language: English, the source, and Chinese (中文).

How the Chinese edition is made, and why it cannot drift from the English:

- The English notebooks (notebooks/, solutions/) are the only source. Their
  Chinese text lives in gettext catalogues, one per notebook, in
  ``course_lib/locale/zh/notebooks/`` and ``.../solutions/``: each entry is keyed by
  the English it translates, a Markdown cell's by its cell id as well
  (``catalogue.py``); so are the strings code cells show and the code's comments. ``make translations`` brings them up to date with the
  English (a changed cell keeps its old translation as a fuzzy draft beside the
  old English); ``make zh`` writes notebooks/zh/, solutions/zh/ and exercises/zh/
  from them (``editions.py``). The code is never copied by hand: a translated
  notebook is its English one with the text replaced.
- ``make test`` fails when a catalogue no longer translates its notebook as it is
  (a cell or string changed, added or removed), naming the cell and what changed,
  and when the generated notebooks are older than their sources.
- Text the library itself shows (check reports, explorer titles) goes through
  ``_``, Python's gettext, with the catalogue ``course_lib/locale/zh/LC_MESSAGES/
  course_lib.po``; ``use("zh")``, the first code cell of every Chinese notebook,
  switches it on, and with it a CJK font for matplotlib (Noto Sans CJK SC, from
  the pinned ``mplfonts`` package) so figures show Chinese, not boxes.
- Text written in English where it is made and shown elsewhere (what the checks'
  runner says in the grader's sandbox, the grader's notes to a student) is marked
  with ``N_`` and translated where it is shown: ``translated`` reads the English
  back into its message and fields.

English stays the default: nothing changes for a notebook that does not call ``use``.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import re
import string
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "中文"}
LOCALE_ROOT = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "course_lib"
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"   # in the mplfonts package (SIL Open Font License)
CJK_FONT_NAME = "Noto Sans CJK SC"

_language = "en"
_translations: gettext.NullTranslations = gettext.NullTranslations()


def language() -> str:
    """The language the library's text is in: "en" unless ``use`` chose another."""
    return _language


def use(language: str) -> None:
    """Show the library's text in ``language`` ("en" or "zh") from now on in this process, and
    give matplotlib a font for it."""
    global _language, _translations
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    _translations = _cached_translations(language)
    _language = language
    use_font(language)


_compiled: dict = {}


def _cached_translations(language: str) -> gettext.NullTranslations:
    if language not in _compiled:
        _compiled[language] = library_translations(language)
    return _compiled[language]


@contextlib.contextmanager
def using(language: str):
    """The library's text in ``language`` inside the block (the grader writes each student's
    feedback in the language of their worksheet); the figures' font is left as it is."""
    global _language, _translations
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    saved = _language, _translations
    _language, _translations = language, _cached_translations(language)
    try:
        yield
    finally:
        _language, _translations = saved


def _(message: str) -> str:
    """``message`` in the language chosen by ``use`` (itself if it has no translation)."""
    return _translations.gettext(message)


def translated(text: str) -> str:
    """English the library wrote earlier, or in another process (the grader judges in its sandbox,
    where ``_`` changes nothing), in the language chosen by ``use``: the text itself if the catalogue
    has it, else the first message template with {fields} it reads as, translated with each field's
    text translated in turn ("adam_step raised KeyError: 'm' (line 3: ...)" becomes the Chinese of
    "{name} raised {error_type}: {error}{line}", and so does its " (line {number}: {code})")."""
    if _(text) != text or not text:
        return _(text)
    for pattern, message in _templates(_translations):
        found = pattern.fullmatch(text)
        if found:
            fields = {name: translated(value) for name, value in found.groupdict().items()}
            return _(message).format(**fields)
    return text


_template_cache: dict = {}
WORD = re.compile(r"[A-Za-z]{3,}")
# A field is matched by the shortest text that lets the rest of the message match, except the fields
# that sit right after another field and would be read as empty: {line} is "" or where() in the checks'
# runner wrote it, " (line 3: m = ...)", after the error it explains ("{error}{line}"); {hidden}, after a
# case group's name (which may hold a quote), is "" or a remark in parentheses.
FIELD_PATTERNS = {"line": r"(?: \(line .*\))?", "hidden": r"(?: \(.*?\))?"}


def _templates(translations) -> list:
    """(regular expression, message) for the catalogue's messages with {fields}, the ones with the
    most fixed text first. A message that is all fields ("{name}. {explanation}") has no words to be
    recognised by and is left out: ``checks._core.translated_diagnosis`` splits such text itself."""
    key = id(translations)
    if key not in _template_cache:
        found = []
        for message in getattr(translations, "_catalog", {}):
            if not isinstance(message, str) or "{" not in message:
                continue
            parts = list(string.Formatter().parse(message))
            fixed = "".join(text for text, *_ in parts)
            if not WORD.search(fixed) or not all(field.isidentifier() for _t, field, *_ in parts if field is not None):
                continue
            pattern, seen = [], set()
            for text, field, _spec, _conversion in parts:
                pattern.append(re.escape(text))
                if field is not None:
                    pattern.append(f"(?P={field})" if field in seen else
                                   f"(?P<{field}>{FIELD_PATTERNS.get(field, '.*?')})")
                    seen.add(field)
            found.append((len(fixed), re.compile("".join(pattern), re.S), message))
        _template_cache[key] = [(pattern, message) for _length, pattern, message in
                                sorted(found, key=lambda entry: -entry[0])]
    return _template_cache[key]


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue and returns it unchanged (gettext's ``gettext_noop``): for
    text written in English where it is made (the grader judges in English) and translated where it
    is shown, by ``translated``."""
    return message


def library_translations(language: str) -> gettext.NullTranslations:
    """The library's catalogue for ``language``, compiled in memory from its .po file (no .mo
    file is kept in the repository, so the two can never disagree)."""
    if language == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    path = LOCALE_ROOT / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with open(path, "rb") as file:
        catalogue = read_po(file, abort_invalid=True)
    for message in catalogue:
        if message.fuzzy:           # a draft for English that changed: show the English instead
            message.string = ""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def cjk_font_path() -> Path:
    """The CJK font file, from the mplfonts package (``pip install -e ".[zh]"``)."""
    try:
        from importlib.resources import files
        path = Path(str(files("mplfonts") / "fonts" / CJK_FONT_FILE))
    except ModuleNotFoundError:
        raise RuntimeError("the Chinese edition's figures need the mplfonts package (a CJK font): "
                           "run make lab LANG=zh, or pip install -e \".[zh]\" in the course's folder") from None
    if not path.exists():
        raise RuntimeError(f"{path} is missing: reinstall mplfonts (pip install --force-reinstall mplfonts==0.0.11)")
    return path


def use_font(language: str) -> None:
    """Chinese: text in Noto Sans CJK SC (its Latin letters and digits too), falling back to
    DejaVu Sans for what it lacks. CJK first, not as the fallback: the words around a formula
    in a label ("上界 $(1-\\beta_1)$") are set by mathtext in the first font of the family
    alone, with no fallback, and would show as boxes."""
    import matplotlib
    from matplotlib import font_manager
    if language == "zh":
        path = cjk_font_path()
        if CJK_FONT_NAME not in {font.name for font in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(str(path))
        matplotlib.rcParams["font.family"] = [CJK_FONT_NAME, "DejaVu Sans"]
        matplotlib.rcParams["axes.unicode_minus"] = True   # DejaVu Sans has the minus sign
    else:
        matplotlib.rcParams["font.family"] = matplotlib.rcParamsDefault["font.family"]


__all__ = ["LANGUAGES", "language", "use", "using", "_", "N_", "translated", "library_translations", "cjk_font_path", "use_font"]
