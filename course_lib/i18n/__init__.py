"""The course in more than one language: English, the source, and Chinese (中文).

How the Chinese edition is made, and why it cannot drift from the English:

- The English notebooks (notebooks/, solutions/) are the only source. Their
  Chinese text lives in gettext catalogues, one per notebook, in
  ``course_lib/locale/zh/notebooks/`` and ``.../solutions/``: each entry is keyed by
  the English it translates, a Markdown cell's by its cell id as well
  (``catalogue.py``). ``make translations`` brings them up to date with the
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

English stays the default: nothing changes for a notebook that does not call ``use``.
"""

from __future__ import annotations

import contextlib
import gettext
import io
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


__all__ = ["LANGUAGES", "language", "use", "using", "_", "library_translations", "cjk_font_path", "use_font"]
