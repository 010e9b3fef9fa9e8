"""An adversarial corpus of worksheet-05 submissions for the batch grader, each with what must hold.

``build_corpus(folder, out=...)`` writes ``folder/<student>/05-adam.ipynb`` (and a few
files that are not gradable notebooks) and returns ``{relative path: Expectation}``.
Every submission is solutions/05-adam.ipynb with code cells replaced, inserted or
appended (a later definition wins, as in a notebook run top to bottom).

The expected outcomes come from the worksheet's rules, never from a run of the
grader: worksheet 05's items and points, read from the checks' registry (adam_step,
first_adam_step, efficient_eps_hat); a function that reaches for what the sandbox withholds gets
what the kernel gives it (no such file, a PermissionError, a placeholder that
raises) and is scored on its answers alone; what it tried shows as flags. A
function that is right only if it read what must stay hidden (LEAK_PROOF) scores 0
as long as the wall holds. A wrong function scores below
the item's maximum and, when it is one of the worksheet's known mistakes, is
diagnosed by that mistake's name; whatever a notebook does at top level costs
only the statement that did it.

Where a submission breaks or replaces adam_step, its first_adam_step is replaced
by one that does not call adam_step (FIRST_STEP_ALONE), so that only the item under
attack can lose points.

``build_forged_message_corpus`` and ``build_oversized_answers_corpus`` write small
batches of their own, for what must not share the main batch (a submission that
stops grade() itself would take every other row with it).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import struct
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.checks import ITEMS, WORKSHEET_ITEMS

REPO = Path(__file__).resolve().parent.parent
SOLUTION = REPO / "solutions" / "05-adam.ipynb"
WORKSHEET_FILE = "05-adam.ipynb"

# Worksheet 05's rules, read from the checks' registry (ws05_adam.py): the items and their points.
POINTS = {name: float(ITEMS[name].points) for name in WORKSHEET_ITEMS["05"]}
MAX_TOTAL = sum(POINTS.values())
ALL_POINTS = dict(POINTS)
ADAM_ZERO = {**POINTS, "adam_step": 0.0}
OTHERS_FULL = {name: points for name, points in POINTS.items() if name != "adam_step"}
WITHOUT_ADAM = MAX_TOTAL - POINTS["adam_step"]
NO_POINTS = {name: 0.0 for name in POINTS}

# Where corpus code tries to write (the test checks that nothing appears there).
EVIL_TMP = "/tmp/evil"
EVIL_IN_REPO = str(REPO / "EVIL_written_by_a_submission.txt")


@dataclass(frozen=True)
class Expectation:
    """What must hold for one submission's row. Every field left empty is not checked."""

    what: str                                             # the attack, in a few words
    status: str = "graded"
    total: float | None = None                            # the row's exact total
    points: dict = field(default_factory=dict)            # item -> exact points
    failed: tuple = ()                                    # items that must score below their maximum
    diagnosis: dict = field(default_factory=dict)         # item -> substrings its diagnosis must contain
    diagnosis_starts: dict = field(default_factory=dict)  # item -> what its diagnosis must start with
    reason: tuple = ()                                    # substrings of row["reason"]
    flags: tuple = ()                                     # substrings, each in one of row["flags"]
    notes: tuple = ()                                     # substrings, each in one of row["notes"]
    cells: tuple = ()                                     # substrings, each in one cell's message
    absent: tuple = ()                                    # substrings that must appear nowhere in the row
    clean: bool = False                                   # no flags, and every cell ran without error
    same_items_as: str | None = None                      # another entry whose items must come out identical


@dataclass(frozen=True)
class Symlink:
    """A corpus entry that is a symbolic link, not a file."""

    target: str


# --- sources --------------------------------------------------------------------------------

SIGNATURE = "def adam_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"

CORRECT_BODY = """\
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    new_theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_theta, {"t": t, "m": m, "v": v}
"""

MOMENTS = """\
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
"""


def adam(body: str, prelude: str = "") -> str:
    """A whole cell defining adam_step with the worksheet's signature."""
    return prelude + SIGNATURE + body


FIRST_STEP_ALONE = """\
def first_adam_step(x0, lr):
    # one Adam step from x0 on f(x) = x**4, written out without adam_step
    g = 4.0 * x0**3
    m_hat = (1 - 0.9) * g / (1 - 0.9)
    v_hat = (1 - 0.999) * g * g / (1 - 0.999)
    return float(x0 - lr * m_hat / (math.sqrt(v_hat) + 1e-8))
"""

# One hand-written adam_step per known mistake of ws05_adam.py, keyed by the mistake's name.
MISTAKE_SOURCES = {
    "forgot the bias correction": adam(MOMENTS + """\
    return theta - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}
"""),
    "bias-corrected only the first moment": adam(MOMENTS + """\
    m_hat = m / (1 - beta1**t)
    return theta - lr * m_hat / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}
"""),
    "bias-corrected only the second moment": adam(MOMENTS + """\
    v_hat = v / (1 - beta2**t)
    return theta - lr * m / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}
"""),
    "step counter off by one (t counted from 0)": adam("""\
    t = state["t"]
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t + 1, "m": m, "v": v}
"""),
    "epsilon inside the square root": adam(MOMENTS + """\
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), {"t": t, "m": m, "v": v}
"""),
    "beta and 1 - beta swapped in the moving averages": adam("""\
    t = state["t"] + 1
    m = (1 - beta1) * state["m"] + beta1 * g
    v = (1 - beta2) * state["v"] + beta2 * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}
"""),
    "the paper's 'efficient' form with the same epsilon": adam(MOMENTS + """\
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - lr_t * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}
"""),
    "returned the update instead of the new parameter": adam(CORRECT_BODY.replace(
        'return new_theta, {"t": t, "m": m, "v": v}', 'return new_theta - theta, {"t": t, "m": m, "v": v}')),
}

# A wrong adam_step that deserves 0 on every case group (even zero gradients: it always moves).
ALWAYS_WRONG = adam("""\
    t = state["t"] + 1
    return theta + 1.0, {"t": t, "m": state["m"] + 1.0, "v": state["v"] + 1.0}
""")


def _code(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def _solution() -> dict:
    return json.loads(SOLUTION.read_text(encoding="utf-8"))


def _defines(cell: dict, name: str) -> bool:
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return cell["cell_type"] == "code" and f"def {name}(" in source


def notebook(replace: dict | None = None, insert: tuple = (), append: tuple = (), demos: bool = True,
             alone: bool | None = None) -> dict:
    """solutions/05-adam.ipynb with changes.

    replace: function name -> the new source of the cell defining it (None deletes that cell);
    insert: code cells put right after the imports cell; append: code cells added at the end;
    demos: keep the two demonstration cells (Beale, MLP) that call adam_step at top level;
    alone: replace first_adam_step by FIRST_STEP_ALONE (default: when adam_step is replaced).
    """
    nb = copy.deepcopy(_solution())
    replace = dict(replace or {})
    if alone is None:
        alone = "adam_step" in replace
    if alone:
        replace.setdefault("first_adam_step", FIRST_STEP_ALONE)
    cells = []
    for cell in nb["cells"]:
        name = next((n for n in replace if _defines(cell, n)), None)
        if name is not None:
            if replace[name] is not None:
                cells.append(_code(replace[name]))
            continue
        if not demos and cell["cell_type"] == "code" and ("beale" in "".join(cell["source"])
                                                          or "digits" in "".join(cell["source"])):
            continue
        cells.append(cell)
    first_code = next(k for k, c in enumerate(cells) if c["cell_type"] == "code")
    cells[first_code + 1:first_code + 1] = [_code(s) for s in insert]
    cells += [_code(s) for s in append]
    nb["cells"] = cells
    return nb


# --- the corpus -------------------------------------------------------------------------------


def _entries(out: Path, folder: Path) -> list[tuple[str, object, Expectation]]:
    """(relative path, notebook dict or raw bytes, expectation) for every submission."""
    E = Expectation
    nb = WORKSHEET_FILE
    entries = []

    def add(student, content, expectation, file=nb):
        entries.append((f"{student}/{file}", content, expectation))

    add("c01_correct", SOLUTION.read_bytes(),
        E("the solved worksheet, untouched", total=MAX_TOTAL, points=ALL_POINTS))
    add("c02_correct_again", SOLUTION.read_bytes(),
        E("a second untouched copy: its row must equal c01's", total=MAX_TOTAL, points=ALL_POINTS,
          same_items_as="c01_correct/" + nb))

    # One submission per known mistake of adam_step, each written by hand.
    for k, (mistake, source) in enumerate(MISTAKE_SOURCES.items(), start=3):
        slug = "".join(ch if ch.isalnum() else "_" for ch in mistake)[:40].strip("_")
        add(f"c{k:02d}_mistake_{slug}", notebook({"adam_step": source}),
            E(f"adam_step with the mistake '{mistake}'", points=OTHERS_FULL, failed=("adam_step",),
              diagnosis_starts={"adam_step": mistake}))
    k = 3 + len(MISTAKE_SOURCES)

    def nxt():
        nonlocal k
        k += 1
        return f"c{k - 1:02d}"

    add(f"{nxt()}_endless_loop_in_adam_step", notebook({"adam_step": adam("    while True:\n        pass\n")}),
        E("while True: pass in adam_step", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("did not return within",)}))
    add(f"{nxt()}_endless_loop_top_level",
        notebook(insert=("while True:\n    pass\nafter_the_loop = 'this line still ran'\n",),
                 append=("assert after_the_loop == 'this line still ran'\n",)),
        E("while True: pass at top level: the statement is stopped, the rest runs", total=MAX_TOTAL,
          points=ALL_POINTS, cells=("ran longer than",), absent=("AssertionError", "NameError")))
    add(f"{nxt()}_memory_bomb_top_level",
        notebook(insert=("x = bytearray(10**11)\n",
                         "hog = [np.zeros(10**7) + 1.0 for _ in range(10**4)]\n")),
        E("bytearray(10**11) and a list of arrays growing without end, at top level", total=MAX_TOTAL,
          points=ALL_POINTS, cells=("MemoryError",)))
    add(f"{nxt()}_memory_bomb_in_adam_step",
        notebook({"adam_step": adam("    hog = []\n    while True:\n        hog.append(np.zeros(10**8))\n")}),
        E("a list of arrays growing without end in adam_step", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("memory",)}))
    add(f"{nxt()}_fork_bomb",
        notebook(insert=("import os\nwhile True:\n    os.fork()\n",
                         "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n")),
        E("fork bombs at top level (one stops at the first refusal, one swallows it)", total=MAX_TOTAL,
          points=ALL_POINTS, flags=("os.fork",)))
    add(f"{nxt()}_prints_100_MB_at_once", notebook(insert=('print("x" * 10**8)\n',)),
        E('print("x" * 10**8)', total=MAX_TOTAL, points=ALL_POINTS))
    add(f"{nxt()}_prints_100_MB_in_a_loop",
        notebook(insert=('import sys\nfor _ in range(10**6):\n    print("y" * 99)\n    '
                         'sys.stderr.write("z" * 99 + "\\n")\n',)),
        E("a million lines of 100 characters on stdout and on stderr", total=MAX_TOTAL, points=ALL_POINTS))
    add(f"{nxt()}_sys_exit_top_level", notebook(insert=('import sys\nsys.exit("bye")\n',)),
        E("sys.exit() at top level: only that statement stops", total=MAX_TOTAL, points=ALL_POINTS,
          cells=("SystemExit",)))
    add(f"{nxt()}_sys_exit_in_adam_step",
        notebook({"adam_step": adam("    import sys\n    sys.exit(0)\n")}),
        E("sys.exit() inside adam_step", total=WITHOUT_ADAM, points=ADAM_ZERO, diagnosis={"adam_step": ("sys.exit",)}))
    add(f"{nxt()}_os_exit_top_level", notebook(append=("import os\nos._exit(0)\n",)),
        E("os._exit(0) after the definitions: that cell is dropped and the rest graded in a fresh child",
          total=MAX_TOTAL, points=ALL_POINTS, cells=("exit status 0",)))
    add(f"{nxt()}_import_error",
        notebook(insert=("import nonexistent_module_xyz\n",)),
        E("import nonexistent_module_xyz at the top", total=MAX_TOTAL, points=ALL_POINTS,
          cells=("ModuleNotFoundError",)))
    add(f"{nxt()}_syntax_error_in_adam_step_cell",
        notebook({"adam_step": adam("""\
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    return (theta - lr * m, {"t": t, "m": m, "v": state["v"]}
""")}),
        E("the cell defining adam_step does not parse", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("syntax error",)}))
    add(f"{nxt()}_not_json", b"this is not a notebook {\"cells\": [\n",
        E("a file that is not JSON", status="unreadable", total=0.0, reason=("not valid JSON",)))
    add(f"{nxt()}_empty_file", b"",
        E("an empty (0-byte) file", status="unreadable", total=0.0, reason=("empty",)))
    add(f"{nxt()}_deeply_nested_json", b"[" * 200_000,
        E("JSON nested 200,000 deep", status="unreadable", total=0.0, reason=("not valid JSON",)))
    huge = json.dumps(notebook()).encode()
    add(f"{nxt()}_over_20_MB", huge[:-1] + b" " * (21 << 20) + huge[-1:],
        E("a valid notebook padded with spaces to 21 MB", status="unreadable", total=0.0, reason=("20 MB",)))
    add(f"{nxt()}_symbolic_link", Symlink(str(SOLUTION)),
        E("a symbolic link to the course's solution", status="unreadable", total=0.0, reason=("symbolic link",)))
    malformed = notebook()
    malformed["cells"][0:0] = [42, "a string", {"cell_type": "code", "source": 5},
                               {"cell_type": "code", "source": ["x = ", 1]}, {"no": "cell_type"}]
    add(f"{nxt()}_malformed_cells", malformed,
        E("cells that are not cells, and code cells without readable source, before the real ones",
          total=MAX_TOTAL, points=ALL_POINTS, notes=("code cell 1 has no readable source", "code cell 2")))
    add(f"{nxt()}_no_cells", {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        E("a notebook with no cells", total=0.0, points=NO_POINTS,
          diagnosis={name: ("does not define",) for name in POINTS}))
    add(f"{nxt()}_adam_step_missing", notebook({"adam_step": None}),
        E("the cell defining adam_step deleted", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("does not define adam_step",)}))
    add(f"{nxt()}_wrong_signature",
        notebook({"adam_step": "def adam_step(theta, g):\n    return theta - 0.001 * np.sign(g), {}\n"}),
        E("def adam_step(theta, g)", total=WITHOUT_ADAM, points=ADAM_ZERO, diagnosis={"adam_step": ("TypeError",)}))
    add(f"{nxt()}_returns_nan",
        notebook({"adam_step": adam(CORRECT_BODY.replace("return new_theta,", "return new_theta * np.nan,"))}),
        E("new_theta is all NaN", total=WITHOUT_ADAM, points=ADAM_ZERO, diagnosis={"adam_step": ("NaN",)}))
    add(f"{nxt()}_wrong_shape",
        notebook({"adam_step": adam(CORRECT_BODY.replace("return new_theta,", "return new_theta[..., None],"))}),
        E("new_theta with an extra axis", total=WITHOUT_ADAM, points=ADAM_ZERO, diagnosis={"adam_step": ("shape",)}))
    add(f"{nxt()}_wrong_type_list",
        notebook({"adam_step": adam(CORRECT_BODY.replace("return new_theta,",
                                                          "return np.atleast_1d(new_theta).tolist(),"))}),
        E("new_theta as a list", total=WITHOUT_ADAM, points=ADAM_ZERO, diagnosis={"adam_step": ("NumPy array", "list")}))
    add(f"{nxt()}_rigged_ndarray_subclass",
        notebook({"adam_step": adam("""\
    t = state["t"] + 1
    liar = (np.zeros_like(theta) + 123.0).view(Liar)
    return liar, {"t": t, "m": state["m"].view(Liar), "v": state["v"].view(Liar)}
""", prelude="""\
class Liar(np.ndarray):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __sub__(self, other): return np.zeros_like(np.asarray(self)).view(Liar)
    __rsub__ = __sub__
    def __abs__(self): return np.zeros_like(np.asarray(self)).view(Liar)
    def __bool__(self): return True
    def __float__(self): return 0.0
    def all(self, *args, **kwargs): return True
    def any(self, *args, **kwargs): return False
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.broadcast_shapes(*(np.shape(x) for x in inputs)), dtype=bool) \\
            if ufunc in (np.not_equal, np.greater) else np.ones(np.broadcast_shapes(*(np.shape(x) for x in inputs)), dtype=bool)


""")}),
        E("an ndarray subclass whose comparisons always say 'equal', holding 123.0", total=WITHOUT_ADAM,
          points=ADAM_ZERO))
    add(f"{nxt()}_rigged_object",
        notebook({"adam_step": adam("""\
    return Anything(), {"t": Anything(), "m": Anything(), "v": Anything()}
""", prelude="""\
class Anything:
    shape = ()
    dtype = np.dtype("float64")
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __gt__(self, other): return True
    def __sub__(self, other): return 0.0
    __rsub__ = __sub__
    def __abs__(self): return 0.0
    def __float__(self): return 0.0
    def __len__(self): return 0
    def __iter__(self): return iter(())
    def __bool__(self): return True


""")}),
        E("an object with a rigged __eq__ as new_theta and state", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("NumPy array",)}))
    add(f"{nxt()}_mutates_inputs",
        notebook({"adam_step": adam("""\
    state["t"] += 1
    t = state["t"]
    m, v = state["m"], state["v"]
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    new_theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_theta, {"t": t, "m": m, "v": v}
""")}),
        E("right numbers, but m and v updated in place (m *= beta1)", points=OTHERS_FULL, failed=("adam_step",),
          diagnosis={"adam_step": ("in place",)}))
    no_bias = next(p for p, _, e in entries if "forgot the bias correction" in e.what)
    add(f"{nxt()}_numpy_monkeypatched",
        notebook({"adam_step": MISTAKE_SOURCES["forgot the bias correction"]}, insert=("""\
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: np.True_
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)
""",)),
        E("np.allclose, isclose, array_equal patched to say 'equal', with the forgot-bias-correction adam_step",
          points=OTHERS_FULL, failed=("adam_step",), diagnosis_starts={"adam_step": "forgot the bias correction"},
          same_items_as=no_bias))
    add(f"{nxt()}_course_lib_monkeypatched",
        notebook({"adam_step": ALWAYS_WRONG}, insert=("""\
import course_lib.checks
import course_lib.checks._runner as runner
course_lib.checks.check = lambda *args, **kwargs: print("adam_step: passed (5 / 5 points)")
_real_run_student = runner.run_student
def _every_case_fine(kind, fn, cases, name):
    if kind != "step":
        return _real_run_student(kind, fn, cases, name)
    return [runner.Outcome("ran", [(case.param, dict(case.state))] * len(case.grads)) for case in cases]
runner.run_student = _every_case_fine
runner.SECONDS_PER_CALL = 1e9
""", "from course_lib.checks import ITEMS\n")),
        E("course_lib.checks.check and the child's runner patched, with an always-wrong adam_step", total=WITHOUT_ADAM,
          points=ADAM_ZERO, cells=("course_lib.checks.ITEMS",)))
    add(f"{nxt()}_wraps_course_lib_optim",
        notebook({"adam_step": adam("""\
    from course_lib.optim import Adam, AdamState
    opt = Adam(lr=lr, betas=(beta1, beta2), eps=eps)
    new_theta, s = opt.step(theta, g, AdamState(state["t"], state["m"], state["v"], None))
    return new_theta, {"t": s.t, "m": s.m, "v": s.v}
""")}),
        E("adam_step wraps course_lib.optim.Adam", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("course_lib.optim",)}))
    add(f"{nxt()}_calls_torch",
        notebook({"adam_step": adam("""\
    import torch
    p = torch.tensor(theta, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    p.grad = torch.tensor(g)
    opt.step()
    return p.detach().numpy(), {"t": state["t"] + 1, "m": state["m"], "v": state["v"]}
""")}),
        E("adam_step calls torch.optim.Adam", total=WITHOUT_ADAM, points=ADAM_ZERO,
          diagnosis={"adam_step": ("torch",)}))
    add(f"{nxt()}_reads_the_solution",
        notebook({"adam_step": adam(f"""\
    try:
        with open({str(SOLUTION)!r}) as file:
            answer = file.read()
    except OSError:
        answer = None
""" + CORRECT_BODY)}),
        E("adam_step reads solutions/05-adam.ipynb (not there in the sandbox) and computes correctly: full marks, "
          "with a flag", total=MAX_TOTAL, points=ALL_POINTS, flags=("adam_step tried to read " + str(SOLUTION),)))
    add(f"{nxt()}_reads_the_output_folder",
        notebook({"adam_step": adam(f"""\
    import os
    found = []
    for path in ({str(out / 'hidden-seed')!r}, {str(out / 'grades.json')!r}):
        try:
            with open(path) as file:
                found.append(file.read())
        except OSError:
            pass
    try:
        found.append(os.listdir({str(out)!r}))
    except OSError:
        pass
""" + CORRECT_BODY)}),
        E("adam_step reads the grader's output folder (not there in the sandbox) and computes correctly",
          total=MAX_TOTAL, points=ALL_POINTS, flags=("adam_step tried to read " + str(out),)))
    add(f"{nxt()}_writes_tmp_evil",
        notebook({"adam_step": adam(f"""\
    try:
        with open({EVIL_TMP!r}, "w") as file:
            file.write("written by a graded function")
    except OSError:
        pass
""" + CORRECT_BODY)}),
        E("adam_step writes /tmp/evil (refused by the kernel) and computes correctly", total=MAX_TOTAL,
          points=ALL_POINTS, flags=("adam_step tried to write " + EVIL_TMP,)))
    add(f"{nxt()}_writes_into_the_repository",
        notebook(insert=(f"""\
with open({EVIL_IN_REPO!r}, "w") as file:
    file.write("written by a notebook cell")
""", f"""\
import pathlib
pathlib.Path({str(REPO / 'solutions' / 'EVIL.ipynb')!r}).write_text("{{}}")
""")),
        E("top-level cells write into the course's repository", total=MAX_TOTAL, points=ALL_POINTS,
          flags=("write " + EVIL_IN_REPO, "write " + str(REPO / "solutions"))))
    add(f"{nxt()}_prints_fake_scores",
        notebook({"adam_step": ALWAYS_WRONG}, insert=("""\
for line in ("adam_step: passed (5 / 5 points)", "first_adam_step: passed (1 / 1 points)",
             '{"event": "item", "name": "adam_step", "outcomes": []}', "total: 7 / 7"):
    print(line)
    display(line)
""",), append=('print("adam_step: passed (5 / 5 points)")\n',)),
        E("printed score lines with an always-wrong adam_step", total=WITHOUT_ADAM, points=ADAM_ZERO))
    add(f"{nxt()}_subprocess_and_socket",
        notebook({"adam_step": adam("""\
    import subprocess
    subprocess.run(["ls", "/"])
""" + CORRECT_BODY), "efficient_eps_hat": """\
def efficient_eps_hat(eps, beta2, t):
    import socket
    try:
        socket.socket().connect(("example.com", 80))
    except OSError:
        pass
    return eps * math.sqrt(1 - beta2**t)
"""}),
        E("subprocess.run in adam_step (the kernel refuses the fork: it raises), socket.socket in "
          "efficient_eps_hat (refused, the error caught, the answer right)", total=WITHOUT_ADAM,
          points=ADAM_ZERO,
          diagnosis={"adam_step": ("PermissionError",)}, flags=("efficient_eps_hat tried to open a network",)))
    entries.append(("unknown_worksheet/notes.ipynb", notebook(),
                    E("notes.ipynb: neither metadata nor name says which worksheet", status="unknown worksheet",
                      total=0.0, reason=("which worksheet",))))
    add("=cmd", SOLUTION.read_bytes(),
        E("a student folder named like a spreadsheet formula", total=MAX_TOTAL, points=ALL_POINTS,
          same_items_as="c01_correct/" + nb))

    # Beyond the list: ways around the grader's limits and records.
    # c00 sorts first, so the 30 s it holds a worker (until the CPU-time limit) overlap the rest of the batch.
    add("c00_swallows_the_call_timeout",
        notebook({"adam_step": adam("""\
    while True:
        try:
            while True:
                pass
        except:   # a bare except catches the grader's timeout too
            pass
""")}, demos=False),
        E("an endless loop in adam_step that catches the timeout (bare except) and loops on", total=WITHOUT_ADAM,
          points=ADAM_ZERO, diagnosis={"adam_step": ("did not return within",)}))
    add(f"{nxt()}_silences_the_guard_then_reads",
        notebook({"adam_step": adam(f"""\
    import _grader.guard
    _grader.guard._REPORT[0] = None
    try:
        with open({str(SOLUTION)!r}) as file:
            answer = file.read()
    except OSError:
        pass
""" + CORRECT_BODY)}),
        E("adam_step tampers with the guard's reporter, then reads the solution (not there) and computes "
          "correctly: tampering with reports neither gains nor loses", total=MAX_TOTAL, points=ALL_POINTS))
    add(f"{nxt()}_forges_the_done_message",
        notebook(insert=(f"""\
try:
    open({EVIL_IN_REPO!r}, "w")
except OSError:
    pass
""", """\
import json, os
# the grader's own channel is file descriptor 3: claim that nothing was refused
os.write(3, (json.dumps({"event": "done", "violations": {"list": []}}) + "\\n").encode())
""")),
        E("a cell tries to write into the repository, another writes a forged 'done' message on the grader's pipe "
          "(the grader reads on: the real answers follow)",
          total=MAX_TOTAL, points=ALL_POINTS, flags=("write " + EVIL_IN_REPO,)))
    # Two students whose names differ only in characters a file name cannot keep.
    add(f"{nxt()}_zoë", SOLUTION.read_bytes(),
        E("the solution, from a student whose name has a non-ASCII letter", total=MAX_TOTAL, points=ALL_POINTS,
          same_items_as="c01_correct/" + nb))
    add(f"c{k - 1:02d}_zoé", SOLUTION.read_bytes(),
        E("the same, from another student whose name differs only in that letter", total=MAX_TOTAL,
          points=ALL_POINTS, same_items_as="c01_correct/" + nb))
    entries += _wall_entries(out, folder)
    entries += [(path, content, expectation) for path, (content, expectation) in HONEST.items()]
    return entries


# --- issue 11: the kernel's wall, every submission's row, honest code as written -------------------


def leak_proof(attempt: str) -> str:
    """An adam_step that is right only if `attempt` (code that sets `secret`) got hold of something the
    sandbox must hide: while the wall holds it scores 0 (ALWAYS_WRONG's answers), whatever the attempt does."""
    return adam("    secret = None\n    try:\n" + textwrap.indent(attempt, " " * 8) + """\
    except BaseException:
        secret = None
    if not secret:
        t = state["t"] + 1
        return theta + 1.0, {"t": t, "m": state["m"] + 1.0, "v": state["v"] + 1.0}
""" + CORRECT_BODY)


READ_WITH_LIBC = """\
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open({path!r}.encode(), 0)
buffer = ctypes.create_string_buffer(64)
secret = buffer.raw[:libc.read(fd, buffer, 64)] if fd >= 0 else None
"""

NATIVE_SOURCE = r"""
#include <fcntl.h>
#include <unistd.h>
int read_secret(const char *path, char *buffer, int size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    return (int) read(fd, buffer, size);
}
"""


def native_library() -> bytes | None:
    """A shared library (built here with the host's C compiler) that reads a file by a raw system call."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source, library = Path(folder) / "secret.c", Path(folder) / "secret.so"
        source.write_text(NATIVE_SOURCE)
        subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
        return library.read_bytes()


def _wall_entries(out: Path, folder: Path) -> list:
    E = Expectation
    nb = WORKSHEET_FILE
    classmate = str(folder / "c01_correct" / nb)
    reference = str(REPO / "course_lib" / "optim" / "adam.py")
    seed = str(out / "hidden-seed")
    entries = []

    def add(student, content, expectation, file=nb):
        entries.append((f"{student}/{file}", content, expectation))

    wall = "while the wall holds, adam_step scores 0 (LEAK_PROOF)"
    # Reading what must stay hidden, by every route.
    add("w01_reads_a_classmate", notebook({"adam_step": leak_proof(f"secret = open({classmate!r}).read()\n")}),
        E(f"adam_step is right only if it can read a classmate's notebook: {wall}", points=ADAM_ZERO))
    add("w02_reads_the_reference_with_libc",
        notebook({"adam_step": leak_proof(READ_WITH_LIBC.format(path=reference))}),
        E(f"raw libc open/read (ctypes, no audit event) of course_lib/optim/adam.py: {wall}", points=ADAM_ZERO))
    add("w03_reads_the_seed_with_numpy",
        notebook({"adam_step": leak_proof(f"import numpy\nsecret = numpy.fromfile({seed!r}, dtype=numpy.uint8).size\n")}),
        E(f"numpy.fromfile of the grader's hidden seed: {wall}", points=ADAM_ZERO))
    add("w04_reads_the_graders_proc", notebook({"adam_step": leak_proof("""\
import os
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            line = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if any(word in line for word in SECRETS):
            secret = line
""".replace("SECRETS", repr([str(folder).encode(), str(out).encode(), b"hidden", b"pytest", b"course_lib.grade"])))}),
        E(f"adam_step scans /proc for the grader's command line (submissions path, --hidden-seed): {wall}",
          points=ADAM_ZERO))
    add("w05_escapes_through_proc_root",
        notebook({"adam_step": leak_proof(f"secret = open('/proc/1/root' + {classmate!r}).read()\n")}),
        E(f"a classmate's notebook through /proc/1/root: {wall}", points=ADAM_ZERO))
    library = native_library()
    if library is not None:
        add("w06_native_library_built_in_its_folder", notebook({"adam_step": leak_proof(f"""\
import base64, ctypes, os
if not os.path.exists("secret.so"):   # written once: rewriting a loaded library would crash this child
    with open("secret.so", "wb") as file:
        file.write(base64.b64decode({base64.b64encode(library).decode()!r}))
native = ctypes.CDLL(os.path.abspath("secret.so"))
buffer = ctypes.create_string_buffer(64)
got = native.read_secret({classmate!r}.encode(), buffer, 64)
secret = buffer.raw[:got] if got > 0 else None
""")}),
            E(f"a C library written into its folder and loaded: native code reads a classmate's notebook: {wall}",
              points=ADAM_ZERO))
    # System calls CPython never audits, and private modules.
    add("w07_unaudited_system_calls", notebook({"adam_step": leak_proof("""\
import os
done = []
for attempt in (lambda: os.mkfifo("fifo"), lambda: os.mknod("node"), lambda: os.pidfd_open(1),
                lambda: os.kill(1, 0), lambda: os.setpgid(0, 1)):
    try:
        attempt()
        done.append(attempt)
    except OSError:
        pass
secret = len(done) == 5
""")}),
        E(f"mkfifo, mknod, pidfd_open, kill and setpgid (no audit events): refused; {wall}", points=ADAM_ZERO))
    add("w08_private_posixsubprocess", notebook({"adam_step": leak_proof("""\
import os, _posixsubprocess
read, write = os.pipe()
pid = _posixsubprocess.fork_exec([b"/bin/sh"], [b"/bin/sh"], True, (write,), None, None, -1, -1, -1, -1,
                                 -1, -1, read, write, True, False, 0, None, None, None, -1, None, False)
secret = pid > 0
""")}),
        E(f"_posixsubprocess.fork_exec, already imported by the child's modules: {wall}", points=ADAM_ZERO))
    # Code running inside the audit hook's reach: the hook is gone, the wall is not.
    add("w09_gc_callback_and_finalizer", notebook({"adam_step": leak_proof(f"""\
import gc, _grader.guard
if not gc.callbacks:                  # once: a callback added on every call would slow every collection
    class Rewire:
        def __del__(self):
            _grader.guard._REPORT[0] = None
    gc.callbacks.append(lambda phase, info: _grader.guard._REPORT.__setitem__(0, None))
    Rewire()
    gc.collect()
secret = open({classmate!r}).read()
""")}),
        E(f"a GC callback and a finalizer rewrite the guard, then a classmate's notebook is opened: {wall}",
          points=ADAM_ZERO))
    add("w19_signal_handler_between_bytecodes", notebook({"adam_step": leak_proof(f"""\
import signal, _grader.guard
def rewire(signum, frame):
    _grader.guard._REPORT[0] = None
signal.signal(signal.SIGALRM, rewire)
signal.setitimer(signal.ITIMER_REAL, 1e-6)
for _ in range(10000):
    pass
signal.setitimer(signal.ITIMER_REAL, 0)
secret = open({seed!r}).read()
""")}),
        E(f"a signal handler that runs between the audit hook's bytecodes rewrites the guard, then the hidden "
          f"seed is opened: {wall}", points=ADAM_ZERO))
    add("w20_object_the_hook_inspects", notebook({"adam_step": leak_proof(f"""\
import os, _grader.guard
class Path(os.PathLike):
    def __fspath__(self):
        _grader.guard._REPORT[0] = None     # runs inside any code that inspects the path
        return {classmate!r}
secret = open(Path()).read()
""")}),
        E(f"a path object whose __fspath__ rewrites the guard while it is inspected, naming a classmate's "
          f"notebook: {wall}", points=ADAM_ZERO))
    add("w10_raw_memory_writes", notebook({"adam_step": leak_proof(f"""\
import ctypes, numpy, sys
hooks = [ctypes.c_void_p.from_address(id(sys) + 8)]           # aliasing through ctypes
view = numpy.ctypeslib.as_array((ctypes.c_char * 8).from_address(id(hooks)))  # and NumPy's array interface
view[:] = view.copy()
secret = open({str(SOLUTION)!r}).read()
""")}),
        E(f"raw memory aliasing through ctypes and NumPy, then the solution is opened: {wall}", points=ADAM_ZERO))
    # Games with the report descriptor.
    add("w11_hides_its_reports_with_dup2", notebook(insert=("""\
import os
os.dup2(os.open("/dev/null", os.O_WRONLY), 3)   # the grader's pipe, now nowhere
""",)),
        E("a cell points file descriptor 3 at /dev/null: its own answers vanish, so that cell is dropped and the "
          "rest graded again", total=MAX_TOTAL, points=ALL_POINTS, cells=("graded again without this cell",)))
    add("w12_forges_a_cell_start", notebook(insert=(f"""\
import os
os.write(3, b'{{"event": "cell start", "cell": 1}}\\n')
try:
    open({EVIL_TMP!r}, "w")
except OSError:
    pass
""",)),
        E("a forged 'cell start' blames cell 1 for a refused write: a flag only, no point changes", total=MAX_TOTAL,
          points=ALL_POINTS, flags=("code cell 1 tried to write " + EVIL_TMP,)))
    # No answer key in the child.
    add("w13_numeric_items_through_course_lib", notebook({"first_adam_step": """\
def first_adam_step(x0, lr):
    from course_lib.optim import Adam
    import numpy as np
    x = np.array(x0)
    opt = Adam(lr=lr)
    x, _ = opt.step(x, 4.0 * x**3, opt.init(x))
    return float(x)
""", "efficient_eps_hat": """\
def efficient_eps_hat(eps, beta2, t):
    import course_lib.theory, course_lib.widgets
    for module in (course_lib.theory, course_lib.widgets):
        for name in dir(module):
            if "eps" in name:
                return getattr(module, name)(eps, beta2, t)
    return course_lib.optim.bias_correction(beta2, t) * eps
"""}, alone=False),
        E("first_adam_step through course_lib.optim.Adam, efficient_eps_hat through course_lib.theory, widgets "
          "and optim: withheld, so they raise", total=POINTS["adam_step"],
          points={"adam_step": POINTS["adam_step"], "first_adam_step": 0.0, "efficient_eps_hat": 0.0}))
    add("w14_hard_codes_the_shown_answers", notebook({"first_adam_step": hard_coded("first_adam_step"),
                                                      "efficient_eps_hat": hard_coded("efficient_eps_hat")}),
        E("first_adam_step and efficient_eps_hat look up the worksheet's own cases' answers: the hidden cases "
          "are new, so both lose points", points={"adam_step": POINTS["adam_step"]},
          failed=("first_adam_step", "efficient_eps_hat")))
    # Names and links the batch must survive.
    entries.append((ODD_NAME_SHOWN + "/" + nb, SOLUTION.read_bytes(),
                    E("a student folder whose name is not UTF-8", total=MAX_TOTAL, points=ALL_POINTS,
                      same_items_as="c01_correct/" + nb)))
    entries.append((LONG_NAME + "/" + nb, SOLUTION.read_bytes(),
                    E("a student folder name of 250 bytes", total=MAX_TOTAL, points=ALL_POINTS,
                      same_items_as="c01_correct/" + nb)))
    entries.append(("flat_" + "x" * 235 + "_05-adam.ipynb", SOLUTION.read_bytes(),
                    E("a flat file name of 254 bytes", total=MAX_TOTAL, points=ALL_POINTS,
                      same_items_as="c01_correct/" + nb)))
    entries.append(("w15_linked_folder", Symlink(str(REPO / "solutions")),
                    E("a student folder that is a symbolic link (to solutions/)", status="unreadable", total=0.0,
                      reason=("symbolic link",))))
    entries.append(("w16_linked_to_a_classmate", Symlink(str(folder / "c01_correct")),
                    E("a student folder that is a symbolic link to a classmate's", status="unreadable", total=0.0,
                      reason=("symbolic link",))))
    return entries


ODD_NAME = os.fsdecode(b"w17_caf\xe9_\xff")            # Latin-1 bytes: not UTF-8
ODD_NAME_SHOWN = "w17_caf\\xe9_\\xff"
LONG_NAME = "w18_" + "n" * 246                          # 250 bytes


def hard_coded(name: str) -> str:
    """A function that returns the worksheet's own cases' answers (what its check shows), and 0 otherwise."""
    from course_lib.checks import ITEMS, cases_for
    item = ITEMS[name]
    table = {tuple(sorted(c.kwargs.items())): float(item.reference(**c.kwargs)) for c in cases_for(item, 0)}
    parameters = ", ".join(next(iter(cases_for(item, 0))).kwargs)
    return (f"def {name}({parameters}):\n    answers = {table!r}\n"
            f"    return answers.get(tuple(sorted(dict({', '.join(f'{p}={p}' for p in parameters.split(', '))}).items())), 0.0)\n")


# Honest code, as students write it (point 4 of issue 11): full marks, no flag, no cell error,
# and the same items as the untouched solution.
PEP8_BREAK = CORRECT_BODY.replace('    return new_theta, {"t": t, "m": m, "v": v}\n', """\
    if (t
            != state["t"] + 1):
        raise ValueError("t must advance by one")
    return new_theta, {"t": t, "m": m, "v": v}
""")
HONEST = {
    "h01_pep8_line_break_before_operator/" + WORKSHEET_FILE: (notebook({"adam_step": adam(PEP8_BREAK)}, alone=False),
        Expectation("a condition broken before != (PEP 8), a continuation line starting with '!'", total=MAX_TOTAL,
                    points=ALL_POINTS, same_items_as="c01_correct/" + WORKSHEET_FILE)),
    "h02_time_cell_magic/" + WORKSHEET_FILE: (notebook({"adam_step": "%%time\n" + adam(CORRECT_BODY)}, alone=False),
        Expectation("adam_step defined in a %%time cell", total=MAX_TOTAL, points=ALL_POINTS,
                    same_items_as="c01_correct/" + WORKSHEET_FILE, clean=True)),
    "h03_saves_figures_in_its_folder/" + WORKSHEET_FILE: (notebook(append=("""\
import os
import matplotlib.pyplot as plt
os.makedirs("figures", exist_ok=True)
os.makedirs(os.path.join("figures", "adam"), exist_ok=True)
plt.plot([1, 2, 3])
plt.savefig("figures/adam/path.png")
with open("notes.txt", "w") as file:
    file.write("done")
""",)), Expectation("os.makedirs('figures') and savefig in its own folder", total=MAX_TOTAL, points=ALL_POINTS,
                    same_items_as="c01_correct/" + WORKSHEET_FILE, clean=True)),
    "h04_line_magics_and_shell/" + WORKSHEET_FILE: (notebook(insert=("%matplotlib inline\n%load_ext autoreload\n",
                                                                     "!pip install numpy\nx = 1\n")),
        Expectation("%matplotlib inline, %load_ext, and a !pip line: skipped, the rest runs", total=MAX_TOTAL,
                    points=ALL_POINTS, same_items_as="c01_correct/" + WORKSHEET_FILE,
                    cells=("shell command (!...) skipped",))),
}


# --- small batches of their own ------------------------------------------------------------------
# What must not share the main batch: a submission that stops grade() itself would take every
# other row with it, and one whose answers exceed the output limit costs a long wall-clock wait.

OUTPUT_BYTES = 8 << 20   # the output limit of the oversized-answers batch


def _write(folder: Path, entries) -> dict[str, Expectation]:
    folder = Path(folder)
    expectations = {}
    for relative, content, expectation in entries:
        if relative in expectations:
            raise ValueError(f"two corpus entries at {relative}")
        path = written_path(folder, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            path.symlink_to(content.target)
        else:
            path.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=1).encode())
        expectations[relative] = expectation
    return expectations


# Messages a notebook writes on the grader's pipe (fd 3), one per small batch: wire messages with fields of
# the wrong type or range, and lines that are not wire data at all. forgery -> (line, the row's points).
_F8 = base64.b64encode(struct.pack("<3d", 1, 2, 3)).decode()
FORGERIES = {
    "an item message whose name is a list":
        ({"event": "item", "name": {"list": ["adam_step"]}, "outcomes": {"list": []}}, ALL_POINTS),
    "a done message whose violations are a number": ({"event": "done", "violations": 5}, ALL_POINTS),
    "a cell message whose cell number is an array":
        ({"event": "cell", "cell": {"array": ["<f8", [3], _F8]}, "status": "error", "message": "forged"}, ALL_POINTS),
    "a cell number far out of range": ({"event": "cell", "cell": 10**12, "status": "ran", "message": ""}, ALL_POINTS),
    "an attempt whose fields are not hex": ({"event": "attempt", "kind": "zz", "what": {"list": []}}, ALL_POINTS),
    "broken base64 in an array": ({"event": "item", "name": "adam_step", "outcomes": {"list": [
        {"dict": {"kind": "ran", "value": {"array": ["<f8", [3], "not base64 at all!"]}}}]}}, ALL_POINTS),
    "a dtype that passes the format check but not NumPy": ({"event": "item", "name": "adam_step", "outcomes": {
        "list": [{"dict": {"kind": "ran", "value": {"array": ["<b2", [1], "AAA="]}}}]}}, ALL_POINTS),
    "a shape whose size overflows": ({"event": "item", "name": "adam_step", "outcomes": {"list": [
        {"dict": {"kind": "ran", "value": {"array": ["<f8", [2**62, 8], ""]}}}]}}, ALL_POINTS),
    # Well-formed: the grader takes it as the item's answer (the first one counts), and judges it.
    "an answer too large for a float": ({"event": "item", "name": "first_adam_step", "outcomes": {"list": [
        {"dict": {"kind": "ran", "value": 10**400}}]}}, {**ALL_POINTS, "first_adam_step": 0.0}),
    "not JSON at all": ("{\"event\": \"item\", \x00\xff", ALL_POINTS),
}


def build_forged_message_corpus(folder: Path, forgery: str) -> dict[str, Expectation]:
    """A submission that writes one of FORGERIES on the grader's pipe (fd 3) and is otherwise
    the solution, and an untouched solution: the batch must grade both."""
    E = Expectation
    message, points = FORGERIES[forgery]
    line = message if isinstance(message, str) else json.dumps(message)
    return _write(folder, [
        ("f01_forged_message/" + WORKSHEET_FILE, notebook(insert=(f"""\
import os
os.write(3, {line!r}.encode("utf-8", "surrogateescape") + b"\\n")
""",)), E(f"{forgery}, written on the grader's pipe", total=sum(points.values()), points=points)),
        ("f02_correct/" + WORKSHEET_FILE, SOLUTION.read_bytes(),
         E("the solved worksheet, untouched", total=MAX_TOTAL, points=ALL_POINTS)),
    ])


def build_oversized_answers_corpus(folder: Path) -> dict[str, Expectation]:
    """An adam_step that keeps a 100,000-number array in its state (legal under the worksheet's
    contract: extra state keys are not compared), making its answers far larger than OUTPUT_BYTES:
    it may cost adam_step, not the items graded after it."""
    E = Expectation
    return _write(folder, [
        ("o01_huge_state/" + WORKSHEET_FILE,
         notebook({"adam_step": adam(CORRECT_BODY.replace('"v": v}', '"v": v, "history": np.zeros(10**5)}'))},
                  demos=False),
         E("adam_step's answers exceed the output limit", points=OTHERS_FULL)),
        ("o02_correct/" + WORKSHEET_FILE, SOLUTION.read_bytes(),
         E("the solved worksheet, untouched", total=MAX_TOTAL, points=ALL_POINTS)),
    ])


def written_path(folder: Path, relative: str) -> Path:
    """Where build_corpus wrote an entry (a name that is not UTF-8 is shown escaped in the rows)."""
    return Path(folder) / relative.replace(ODD_NAME_SHOWN, ODD_NAME)


def corpus_paths() -> list[str]:
    """The submissions' relative paths, without writing anything (for test ids)."""
    return [relative for relative, _, _ in _entries(Path("/nonexistent/out"), Path("/nonexistent/subs"))]


def build_corpus(folder: Path, out: Path | None = None) -> dict[str, Expectation]:
    """Write the corpus under folder; return {relative path: Expectation}.

    out: the output folder the grader will be given (a submission tries to read it);
    default: a folder "out" next to folder.
    """
    out = Path(out) if out is not None else Path(folder).parent / "out"
    return _write(folder, _entries(out.resolve(), Path(folder).resolve()))


if __name__ == "__main__":   # python tests/grade_corpus.py FOLDER [OUT]: write the corpus and list it
    import sys

    built = build_corpus(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    for relative, expectation in built.items():
        print(f"{relative:60} {expectation.status:18} {expectation.what}")
