"""course_lib.i18n while grading: the language a worksheet is in changes nothing that is graded.

A Chinese worksheet's first code cell calls ``i18n.use("zh")`` (its figures' font, its check
reports); while grading, a worksheet draws nothing anyone sees and its checks do nothing
(the grader checks in its own process, and writes the feedback in the worksheet's language).
So ``use`` only checks its argument, and ``_`` gives its message back unchanged.
"""

LANGUAGES = {"en": "English", "zh": "中文"}
_language = "en"


def language():
    return _language


def use(language):
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    _language = language


def _(message):
    return message


def N_(message):
    return message
