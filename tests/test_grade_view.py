"""No answer key in the child: nothing a graded child can import computes a numeric item's answer.

The child's view of course_lib (course_lib/grade/sandbox.py, VIEW_FILES) is
built as the grader builds it, every module in it is imported in a fresh
interpreter that sees only the view and site-packages, and every public
function found there is called with each numeric item's worksheet cases
(by keyword, then by position). A function that gives the reference's
answer on every case of an item is an answer key, and fails the test.
The detector is shown to work on a view that wrongly includes the lessons'
maths (course_lib.theory).
"""

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from course_lib.checks import ITEMS, cases_for
from course_lib.grade import sandbox

PROBE = textwrap.dedent("""
    import importlib, inspect, json, math, pathlib, sys, warnings
    view, items = sys.argv[1], json.loads(sys.stdin.read())
    sys.path[:0] = [view]
    warnings.simplefilter("ignore")
    functions = {}
    for path in sorted(pathlib.Path(view, "course_lib").rglob("*.py")):
        name = ".".join(path.relative_to(view).with_suffix("").parts).removesuffix(".__init__")
        try:
            module = importlib.import_module(name)
        except Exception:
            continue
        for attribute in dir(module):
            try:
                value = getattr(module, attribute)
            except Exception:
                continue
            if not attribute.startswith("_") and inspect.isfunction(value):
                functions[f"{name}.{attribute}"] = value
    keys = []
    for item, cases in items.items():
        for label, function in functions.items():
            for call in ("keywords", "positions"):
                try:
                    got = [float(function(**kwargs) if call == "keywords" else function(*kwargs.values()))
                           for kwargs, _ in cases]
                except BaseException:
                    continue
                if all(math.isclose(g, want, rel_tol=1e-6, abs_tol=1e-12) for g, (_, want) in zip(got, cases)):
                    keys.append(f"{item} <- {label} (by {call})")
    print(json.dumps({"functions": len(functions), "keys": keys}))
""")


def numeric_items() -> dict:
    items = {}
    for name, item in ITEMS.items():
        if item.kind != "value":
            continue
        cases = []
        for case in cases_for(item, 0):
            want = float(item.reference(**case.kwargs))
            if math.isfinite(want):
                kwargs = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in case.kwargs.items()}
                cases.append((kwargs, want))
        items[name] = cases
    return items


def probe(view: Path) -> dict:
    site_packages = str(Path(np.__file__).resolve().parent.parent)
    result = subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path.append({site_packages!r})\n"
                             + PROBE, str(view)], input=json.dumps(numeric_items()), capture_output=True, text=True,
                            timeout=300, env={"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_numeric_item_can_be_answered_from_what_the_child_sees(tmp_path):
    sandbox._build_view(tmp_path / "view", with_reference=False)
    found = probe(tmp_path / "view")
    assert found["functions"] > 20           # the probe did import the view's modules
    assert found["keys"] == []


def test_the_probe_finds_an_answer_key_where_there_is_one(tmp_path):
    """The same view with the references and the lessons' maths wrongly left in: worksheet 09's
    first_rectified_step is course_lib.theory's, worksheet 06's ema_weights_sum is optim's bias_correction."""
    view = tmp_path / "view"
    sandbox._build_view(view, with_reference=True)
    (view / "course_lib" / "theory" / "__init__.py").unlink()
    for source in (sandbox.COURSE_LIB / "theory").glob("*.py"):
        (view / "course_lib" / "theory" / source.name).write_text(source.read_text())
    keys = probe(view)["keys"]
    assert any(key.startswith("first_rectified_step <- course_lib.theory") for key in keys), keys
    assert any(key.startswith("ema_weights_sum <- course_lib.optim") for key in keys), keys
