"""Withheld while grading: {module}.

{why} The batch grader gives graded code this placeholder instead: any use
of it raises (a graded function that uses it fails those cases) and is
noted in the feedback. The point of the exercise is to compute the answer
yourself.
"""

from _grader import guard as _guard

_MODULE = "{module}"
_WHY = "{why}"


def __getattr__(name):
    if name.startswith("__"):   # the import system's own lookups
        raise AttributeError(name)
    _guard.record("reference", f"use {{_MODULE}}.{{name}} ({{_WHY}})")
    raise AttributeError(f"{{_MODULE}}.{{name}} is withheld while grading: {{_WHY}}")
