"""How long a student waits after moving a slider: every lesson's explorer,
its callback plus the figure's draw, over several positions of each control.

    .venv/bin/python benchmarks/explorer_latency.py [--positions 5]

The controls are the notebooks' own: each notebook's ``explorer(callback,
name=slider(...), ...)`` cell is run with ``explorer`` replaced by a recorder
(only the cell's imports and the statements that build controls run; the rest
of the notebook does not). For each control, ``--positions`` values evenly
spread over its range (equal ratios on a log slider, snapped to the slider's
step; for a dropdown, that many of its options, first and last included) are
set one at a time, the other controls at their defaults, plus the default
setting itself. An explorer that no notebook shows is run at the sample
settings of its lesson module's ``EXPLORERS`` instead.

Two times per setting:

- callback: ``render(callback, values)``, what ``explorer`` calls. The callbacks
  return an undrawn Figure, so this is the optimizer runs and the figure's
  construction.
- shown: the callback plus the PNG that Jupyter's inline backend makes of the
  Figure when ``explorer`` displays it (IPython's ``print_figure`` with the
  backend's own ``print_figure_kwargs``, ``bbox_inches="tight"``, which lays
  the figure out twice): what a student waits for after releasing a slider,
  short of sending the image to the browser.

The first redraw at the defaults happens when the cell runs, so it is counted in
the notebook's Run-All time; it is shown apart ("first shown ms") and not in
the medians and max. A setting whose callback raises counts as an error.
"""

from __future__ import annotations

import argparse
import ast
import math
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402
from matplotlib_inline.config import InlineBackend  # noqa: E402

from course_lib.widgets import all_explorers, render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CONTROL_WORDS = ("slider", "dropdown", "explorer(")


# --- the notebooks' controls ------------------------------------------------


def notebook_controls(folder: Path = NOTEBOOKS) -> dict:
    """callback -> (notebook name, {name: control}) for every explorer cell of the notebooks."""
    found = {}
    for path in sorted(folder.glob("*.ipynb")):
        cells = [ast.parse(c.source) for c in nbformat.read(path, as_version=4).cells
                 if c.cell_type == "code" and _parses(c.source)]
        namespace: dict = {}
        for tree in cells:  # the notebook's imports, and nothing else it computes
            for node in tree.body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    _run(node, namespace)
        recorded = []
        namespace["explorer"] = lambda callback, **controls: recorded.append((callback, controls))
        for tree in cells:
            if not any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "explorer" for n in ast.walk(tree)):
                continue
            for node in tree.body:
                if not isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                        word in ast.unparse(node) for word in CONTROL_WORDS):
                    _run(node, namespace)
        for callback, controls in recorded:
            found[callback] = (path.stem, controls)
    return found


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
        return True
    except SyntaxError:  # IPython magics
        return False


def _run(node: ast.stmt, namespace: dict) -> None:
    try:
        exec(compile(ast.Module(body=[node], type_ignores=[]), "<notebook>", "exec"), namespace)
    except Exception:  # a statement needing what the notebook computed earlier: not a control
        pass


def positions(control, count: int) -> list:
    """count values spread over a control's range, snapped to its step, in order."""
    if isinstance(control, widgets.Dropdown):
        values = [value for _, value in _labelled_options(control)]
        picks = sorted({round(i * (len(values) - 1) / max(count - 1, 1)) for i in range(count)})
        return [values[i] for i in picks]
    low, high, step = control.min, control.max, control.step
    result = []
    for i in range(count):
        x = low + (high - low) * i / max(count - 1, 1)
        x = min(high, low + round((x - low) / step) * step) if step else x
        if isinstance(control, widgets.FloatLogSlider):
            result.append(control.base ** x)
        elif isinstance(control, widgets.IntSlider):
            result.append(int(x))
        else:
            result.append(round(x, 10))
    return list(dict.fromkeys(result))


def _labelled_options(control):
    options = list(control.options)
    return [o if isinstance(o, tuple) and len(o) == 2 else (str(o), o) for o in options]


def settings(controls: dict, count: int) -> list[tuple[str, dict]]:
    """(what changed, keyword arguments): the defaults, then each control moved alone."""
    defaults = {name: control.value for name, control in controls.items()}
    result = [("defaults", defaults)]
    for name, control in controls.items():
        for value in positions(control, count):
            if value != defaults[name]:
                result.append((f"{name}={_short(value)}", {**defaults, name: value}))
    return result


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


# --- timing -----------------------------------------------------------------


INLINE_PNG_KWARGS = dict(InlineBackend().print_figure_kwargs)  # the backend's default: {"bbox_inches": "tight"}


def redraw_seconds(callback, values: dict) -> tuple[float, float, bool]:
    """Seconds of the callback, seconds until its PNG is made, and whether it failed."""
    start = time.perf_counter()
    shown = render(callback, values)
    callback_seconds = time.perf_counter() - start
    failed = not isinstance(shown, matplotlib.figure.Figure)
    if not failed:
        print_figure(shown, "png", **INLINE_PNG_KWARGS)
    shown_seconds = time.perf_counter() - start
    plt.close("all")
    return callback_seconds, shown_seconds, failed


def measure(count: int = 5, out=print) -> list[dict]:
    controls_of = notebook_controls()
    rows = []
    for name, (callback, samples) in all_explorers().items():
        if callback in controls_of:
            notebook, controls = controls_of[callback]
            todo = settings(controls, count)
            source = notebook
        else:
            todo = [("defaults", samples[0])] + [(f"sample {i}", kw) for i, kw in enumerate(samples[1:], 1)]
            source = "EXPLORERS samples"
        _, first, _ = redraw_seconds(callback, todo[0][1])
        timed = [(label, *redraw_seconds(callback, values)) for label, values in todo]
        slowest = max(timed, key=lambda item: item[2])
        rows.append(dict(lesson=name.split("_", 1)[0], explorer=callback.__name__, source=source,
                         positions=len(timed), first_ms=first * 1e3,
                         callback_ms=statistics.median(c for _, c, _, _ in timed) * 1e3,
                         median_ms=statistics.median(s for _, _, s, _ in timed) * 1e3,
                         max_ms=slowest[2] * 1e3, slowest=slowest[0], errors=sum(failed for *_, failed in timed)))
        if out:
            out(format_row(rows[-1]))
    return rows


HEADER = (f"{'lesson':<9} {'explorer':<24} {'positions':>9} {'callback median ms':>18} {'first shown ms':>14} "
          f"{'shown median ms':>15} {'shown max ms':>12} {'errors':>6}  slowest setting")


def format_row(row: dict) -> str:
    return (f"{row['lesson']:<9} {row['explorer']:<24} {row['positions']:>9} {row['callback_ms']:18.0f} "
            f"{row['first_ms']:14.0f} {row['median_ms']:15.0f} {row['max_ms']:12.0f} {row['errors']:>6}  {row['slowest']}"
            + ("" if row["source"].startswith(row["lesson"][6:]) else f"  [{row['source']}]"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=5, help="values per control (default 5)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(f"each control at {args.positions} positions across its range, the others at their defaults, "
          f"plus the defaults; shown = callback + the PNG Jupyter's inline backend makes ({INLINE_PNG_KWARGS})")
    print()
    print(HEADER)
    print("-" * len(HEADER))
    rows = measure(args.positions)
    print(f"({len(rows)} explorers, {sum(r['positions'] for r in rows)} redraws; median of the medians: "
          f"callback {statistics.median(r['callback_ms'] for r in rows):.0f} ms, "
          f"shown {statistics.median(r['median_ms'] for r in rows):.0f} ms; "
          f"worst shown {max(r['max_ms'] for r in rows):.0f} ms; "
          f"{time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
