"""course_lib.checks while grading: ``check`` does nothing here.

The batch grader runs the worksheet's checks itself, in the grader, on the
worksheet's cases and hidden ones; the references they compare with are not
in this process. Anything else from course_lib.checks is withheld.
"""

from _grader import guard as _guard


def check(name, function=None, seed=0):
    """The batch grader checks {name} after the notebook has run."""
    return None


def __getattr__(name):
    if name.startswith("__") or name == "_runner":
        raise AttributeError(name)
    _guard.record("reference", f"use course_lib.checks.{name} (the checks' references are the grader's)")
    raise AttributeError(f"course_lib.checks.{name} is withheld while grading")
