"""The batch grader: ``python -m course_lib.grade SUBMISSIONS --out DIR``.

Its path, one module per step:

1. ``submissions``: find the submitted notebooks and read them (never trusted)
2. ``sandbox`` (with ``syscalls``) and ``runs``: run each one's cells and
   graded functions in children the kernel confines (bubblewrap, namespaces,
   seccomp); ``child`` is what runs inside, ``guard`` adds friendly notes,
   ``wire`` is the data format back (JSON and array bytes, no code)
3. ``judge``: compare the answers with the reference, in the trusted process
4. ``report``: results, feedback, grades.csv and grades.json; then, from those
   rows, ``class_report`` (what the class got right and wrong) and ``exports``
   (Canvas and Moodle gradebook files, with a roster's identities)

``batch`` ties them together and is the command line. The trusted process
never runs student code; a child never sees a reference, a hidden seed or a
score. See the README's section for instructors.
"""

from .batch import grade, main
from .sandbox import Limits, SandboxError, kernel_sandbox_problem

__all__ = ["grade", "main", "Limits", "SandboxError", "kernel_sandbox_problem"]
