"""How long the kernel takes to answer a move of an explorer's control: every lesson's
explorer, over several positions of each control, before the picture travels to the browser
(benchmarks/browser_latency.py measures the whole way, in JupyterLab in Chromium).

    .venv/bin/python benchmarks/explorer_latency.py [--positions 5] [--language en|zh|both]

--language zh times the Chinese edition's explorers (notebooks/zh, the library's text in Chinese
and the CJK font, as ``i18n.use("zh")`` sets them); both times the two in one run and prints the
ratio, Chinese over English, explorer by explorer.

The controls are the notebooks' own: each notebook's ``explorer(Scene, name=slider(...), ...)``
cell is run with ``explorer`` replaced by a recorder (only the cell's imports and the
statements that build controls run; the rest of the notebook does not). For each control,
``--positions`` values evenly spread over its range (equal ratios on a log slider, snapped to
the slider's step; for a dropdown, that many of its options, first and last included) are set
one at a time, the other controls at their defaults, plus the default setting itself. An
explorer that no notebook shows is run at the sample settings of its lesson module's
``EXPLORERS`` instead.

One persistent scene per explorer is moved through the settings in that order, as a student's
moves would, and each move is timed:

- update: ``scene.show(values)``, the explorer's maths and the changes to its artists;
- frame: ``scene.png()``, the blitted picture (the cached background and the moving artists)
  as the PNG the ``Image`` widget sends; "redrawn" counts the moves whose axes or background
  changed, so the background was drawn again;
- full: for comparison, what a move cost before the scenes: a new figure for the same values
  and the PNG Jupyter's inline backend makes of it (IPython's ``print_figure`` with the
  backend's ``bbox_inches="tight"``, which lays the figure out and draws it twice).

The first picture at the defaults is drawn when the cell runs, so it is counted in the
notebook's Run-All time; it is shown apart ("first ms") and not in the medians. A setting
whose update raises counts as an error.
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

from course_lib import i18n  # noqa: E402
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
    if isinstance(control, widgets.Checkbox):
        return [False, True]
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


def move_seconds(scene, values: dict) -> tuple[float, float, bool, bool]:
    """One move of a persistent scene: seconds of the update, of the PNG frame, whether the
    background was drawn again, and whether the update failed."""
    redrawn = []
    real_draw = scene.fig.canvas.draw
    scene.fig.canvas.draw = lambda: (redrawn.append(True), real_draw())
    try:
        start = time.perf_counter()
        try:
            scene.show(**values)
        except Exception:
            return time.perf_counter() - start, 0.0, False, True
        updated = time.perf_counter()
        scene.png()
        return updated - start, time.perf_counter() - updated, bool(redrawn), False
    finally:
        scene.fig.canvas.draw = real_draw


def full_redraw_seconds(scene_class, values: dict) -> float:
    """A new figure for the values and the inline backend's PNG of it: a move's cost before scenes."""
    start = time.perf_counter()
    shown = render(scene_class, values)
    if isinstance(shown, matplotlib.figure.Figure):
        print_figure(shown, "png", **INLINE_PNG_KWARGS)
    return time.perf_counter() - start


def measure(count: int = 5, out=print, folder: Path = NOTEBOOKS) -> list[dict]:
    controls_of = notebook_controls(folder)
    rows = []
    for name, (scene_class, samples) in all_explorers().items():
        if scene_class in controls_of:
            notebook, controls = controls_of[scene_class]
            todo = settings(controls, count)
            source = notebook
        else:
            todo = [("defaults", samples[0])] + [(f"sample {i}", kw) for i, kw in enumerate(samples[1:], 1)]
            source = "EXPLORERS samples"
        start = time.perf_counter()
        scene = scene_class()
        move_seconds(scene, todo[0][1])
        first = time.perf_counter() - start
        timed = [(label, *move_seconds(scene, values)) for label, values in todo[1:]]
        full = [full_redraw_seconds(scene_class, values) for _, values in todo[1:]]
        totals = [u + f for _, u, f, _, _ in timed]
        slowest = max(zip(totals, (label for label, *_ in timed)))
        rows.append(dict(lesson=name.split("_", 1)[0], explorer=scene_class.__name__, source=source,
                         positions=len(timed), first_ms=first * 1e3,
                         update_ms=statistics.median(u for _, u, _, _, _ in timed) * 1e3,
                         frame_ms=statistics.median(f for _, _, f, _, _ in timed) * 1e3,
                         median_ms=statistics.median(totals) * 1e3, max_ms=slowest[0] * 1e3, slowest=slowest[1],
                         redrawn=sum(r for *_, r, _ in timed), full_ms=statistics.median(full) * 1e3,
                         errors=sum(failed for *_, failed in timed)))
        plt.close("all")
        if out:
            out(format_row(rows[-1]))
    return rows


HEADER = (f"{'lesson':<9} {'explorer':<26} {'moves':>5} {'update ms':>9} {'frame ms':>8} {'move ms':>7} "
          f"{'max ms':>6} {'redrawn':>7} {'full ms':>7} {'full/move':>9} {'first ms':>8} {'errors':>6}  slowest setting")


def format_row(row: dict) -> str:
    return (f"{row['lesson']:<9} {row['explorer']:<26} {row['positions']:>5} {row['update_ms']:9.0f} "
            f"{row['frame_ms']:8.0f} {row['median_ms']:7.0f} {row['max_ms']:6.0f} {row['redrawn']:>7} "
            f"{row['full_ms']:7.0f} {row['full_ms'] / row['median_ms']:9.1f} {row['first_ms']:8.0f} "
            f"{row['errors']:>6}  {row['slowest']}"
            + ("" if row["source"].startswith(row["lesson"][6:]) else f"  [{row['source']}]"))


def main(argv=None, rows_out: list | None = None) -> int:
    """Print the table; the rows also go to rows_out, if given (make bench passes them on)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=5, help="values per control (default 5)")
    parser.add_argument("--language", choices=("en", "zh", "both"), default="en",
                        help="the English explorers (default), the Chinese edition's, or both and their ratio")
    args = parser.parse_args(argv)
    print(f"each control at {args.positions} positions across its range, the others at their defaults; "
          f"one persistent scene per explorer moved through them; medians per explorer")
    measured = {}
    for language in (("en", "zh") if args.language == "both" else (args.language,)):
        start = time.perf_counter()
        i18n.use(language)
        folder = NOTEBOOKS if language == "en" else NOTEBOOKS / language
        print(f"\n{i18n.LANGUAGES[language]}: {folder.relative_to(ROOT)}\n")
        print(HEADER)
        print("-" * len(HEADER))
        rows = measured[language] = measure(args.positions, folder=folder)
        print(f"({len(rows)} explorers, {sum(r['positions'] for r in rows)} moves; median of the medians: "
              f"move {statistics.median(r['median_ms'] for r in rows):.0f} ms (update "
              f"{statistics.median(r['update_ms'] for r in rows):.0f}, frame {statistics.median(r['frame_ms'] for r in rows):.0f}), "
              f"a full redraw {statistics.median(r['full_ms'] for r in rows):.0f} ms; "
              f"worst move {max(r['max_ms'] for r in rows):.0f} ms; {time.perf_counter() - start:.0f} s)")
    i18n.use("en")
    if rows_out is not None:
        rows_out.extend(next(iter(measured.values())))
    if len(measured) == 2:
        english = {row["explorer"]: row for row in measured["en"]}
        ratios = {row["explorer"]: row["median_ms"] / english[row["explorer"]]["median_ms"] for row in measured["zh"]}
        print("\nChinese move / English move, median per explorer: "
              + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items()))
        print(f"median ratio {statistics.median(ratios.values()):.2f}, largest {max(ratios.values()):.2f}; worst move "
              f"{max(r['max_ms'] for r in measured['zh']):.0f} ms in Chinese, "
              f"{max(r['max_ms'] for r in measured['en']):.0f} ms in English")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
