"""The batch grader: ``python -m course_lib.grade SUBMISSIONS --out DIR``.

- ``submissions``: finding and reading submitted notebooks (never trusted)
- ``sandbox``: one fresh, locked-down child process per submission
- ``child``, ``guard``: what runs inside the child (the student's cells, then
  the graded functions on the cases) and the audit hook that fences it in
- ``wire``: the data format back from the child (JSON and array bytes, no code)
- ``batch``: cases per worksheet, judging with ``course_lib.checks``, the
  results folder, the command line

The trusted process never runs student code; the child never sees a
reference, a hidden seed or a score. See the README's section for instructors.
"""

from .batch import grade, main
from .sandbox import Limits

__all__ = ["grade", "main", "Limits"]
