"""Explorer latency where the student is: JupyterLab in headless Chromium, from a key press,
a selection or a mouse move to the new picture painted on screen, for every explorer of every
lesson, beside the kernel's own time for the same explorer, in one run.

    .venv/bin/python benchmarks/browser_latency.py [--moves 3] [--lesson 05 ...] [--no-output]

For each lesson a small notebook is made of the lesson's imports and its explorer cells (only
the statements that build controls and call ``explorer``), so a run does not wait for the
lessons' own computations. Each explorer appears twice in it, delivered two ways, so the two
are measured side by side in the same page and the same kernel:

- image: ``explorer(...)`` as the lessons call it, an ``ipywidgets.Image`` fed the scene's PNG;
- output: ``explorer(..., delivery="output")``, the same PNG displayed in an ``Output`` widget
  that is cleared on each move (how the explorers delivered pictures before).

Every control is moved ``--moves`` times (an arrow key on a slider's handle, the next option of
a dropdown; tests/ui/explorer_moves.py times each move on the page's own clock), then the first
slider is dragged across its track for 2 s with a mouse move every 33 ms: pictures per second
during the drag, and pictures and milliseconds after the release (a queue of stale redraws would
show there). The kernel column is benchmarks/explorer_latency.py's median move (update + PNG)
for the same explorer, measured in this process before the browser starts.

``--root PATH`` measures another checkout of the course (its notebooks, and its course_lib put
first on the kernels' path), e.g. the commit before the scenes, for a before/after table; a
course whose ``explorer`` has no ``delivery`` is measured as it is, one way.

Nothing asserts a time: the table is read with the machine's load (printed) in mind.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "ui"))
sys.path.insert(0, str(HERE))

import explorer_moves  # noqa: E402
import lab_check  # noqa: E402
import nbformat  # noqa: E402

CONTROL_WORDS = ("slider", "dropdown", "checkbox", "explorer(")
# (the command notebook:close-and-shutdown would ask for a confirmation that nobody gives)
JS_SHUTDOWN = """async (id) => {
  for (const w of window.jupyterapp.shell.widgets('main')) if (w.node.id === id) await w.sessionContext.shutdown();
}"""
DRAG_SECONDS, DRAG_STEPS = 2.0, 60


def _parsed(source: str):
    try:
        return ast.parse(source)
    except SyntaxError:   # IPython magics
        return None


def _with_delivery(node: ast.stmt, delivery: str) -> ast.stmt:
    """The statement with every explorer(...) call given delivery=...."""
    node = ast.parse(ast.unparse(node)).body[0]   # a copy
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "explorer":
            call.keywords.append(ast.keyword(arg="delivery", value=ast.Constant(delivery)))
    return node


def bench_notebook(lesson: Path, deliveries: tuple[str, ...]) -> tuple[nbformat.NotebookNode, int]:
    """The lesson's imports, then each explorer cell once per delivery; and the number of explorers."""
    trees = [t for t in (_parsed(c.source) for c in nbformat.read(lesson, as_version=4).cells
                         if c.cell_type == "code") if t is not None]
    imports = [n for t in trees for n in t.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    cells = [nbformat.v4.new_code_cell("\n".join(dict.fromkeys(ast.unparse(n) for n in imports)))]
    explorers = 0
    for tree in trees:
        calls = sum(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "explorer" for n in ast.walk(tree))
        if not calls:
            continue
        body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))
                and any(word in ast.unparse(n) for word in CONTROL_WORDS)]
        for delivery in deliveries:
            shown = [_with_delivery(n, delivery) if delivery == "output" else n for n in body]
            cells.append(nbformat.v4.new_code_cell("\n".join(ast.unparse(n) for n in shown)))
        explorers += calls
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook, explorers


def kernel_medians(positions: int) -> dict:
    """explorer class name -> the kernel's median move in ms (benchmarks/explorer_latency.py)."""
    try:
        import explorer_latency
        return {row["explorer"]: row["median_ms"] for row in explorer_latency.measure(positions, out=None)}
    except Exception as error:   # another checkout's explorers (functions, not scenes)
        print(f"(kernel times not measured: {type(error).__name__}: {error})")
        return {}


def run_notebook(page, server, rel: str, timeout: float) -> str:
    """Open a notebook in Lab, Run All, wait until idle and every explorer has its picture; its panel id."""
    page.goto(f"{server.base}/lab/tree/{rel}?reset&token={server.token}", timeout=timeout * 1000)
    panel_id = lab_check.wait_until(lambda: (lambda i: (bool(i), i))(page.evaluate(lab_check.JS_PANEL_ID, rel)),
                                    timeout, f"Lab to open {rel}")
    lab_check.wait_until(lambda: (lambda p: (p and lab_check.idle(p), p))(
        page.evaluate(lab_check.JS_PROGRESS, panel_id)), timeout, "the kernel to start", stable=0.5)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    lab_check.wait_until(lambda: (lambda p: (all("*" not in x and x != "[ ]:" for x in p["prompts"]) and lab_check.idle(p), p))(
        page.evaluate(lab_check.JS_PROGRESS, panel_id)), timeout, "Run All to finish", stable=1.0)
    page.wait_for_timeout(1000)   # the widgets' views
    return panel_id


def measure_explorer(page, panel_id: str, n: int, controls: list[dict], moves: int, timeout: float) -> dict:
    latencies, errors, unchanged = [], [], []
    for index, control in enumerate(controls):
        if control["kind"] == "other":
            continue
        changed = False
        for _ in range(moves):
            result = explorer_moves.move(page, panel_id, n, index, control["kind"], timeout=timeout)
            if result["latency_ms"] is not None:
                latencies.append(result["latency_ms"])
            changed |= result["changed"]
            if result["error"]:
                errors.append(result["error"])
        if not changed:
            unchanged.append(control["label"])
    sliders = [i for i, c in enumerate(controls) if c["kind"] == "slider"]
    dragged = (explorer_moves.drag(page, panel_id, n, sliders[0], DRAG_SECONDS, DRAG_STEPS, timeout)
               if sliders else None)
    return {"latencies": latencies, "errors": errors, "unchanged": unchanged, "drag": dragged,
            "controls": len(controls)}


def main(argv=None, kernel: dict | None = None) -> int:
    """kernel: explorer name -> the kernel's median move in ms, if already measured (make bench)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=3, help="moves per control (default 3)")
    parser.add_argument("--lesson", action="append", help="only these lessons (e.g. 05); default all")
    parser.add_argument("--no-output", action="store_true", help="only the Image delivery")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course checkout to measure")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if root != ROOT:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        sys.path.insert(0, str(root))
        for name in [m for m in sys.modules if m == "course_lib" or m.startswith("course_lib.")]:
            del sys.modules[name]
    from course_lib.widgets import explorer
    if "delivery" not in inspect.signature(explorer).parameters:
        deliveries = ("as is",)   # a course from before the scenes: its one way
    else:
        deliveries = ("image",) if args.no_output else ("image", "output")
    if not Path(lab_check.CHROMIUM).exists():
        print(f"browser_latency: no Chromium at {lab_check.CHROMIUM}; skipped")
        return 0
    from playwright.sync_api import sync_playwright

    lessons = sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if args.lesson:
        lessons = [p for p in lessons if p.name[:2] in args.lesson]
    if kernel is None:
        kernel = kernel_medians(3) if root == ROOT else {}
    tmp = Path(tempfile.mkdtemp(prefix="browser_latency-"))
    workdir = tmp / "course"
    workdir.mkdir()
    plan = []
    for lesson in lessons:
        notebook, count = bench_notebook(lesson, deliveries)
        if count:
            nbformat.write(notebook, workdir / lesson.name)
            plan.append((lesson.name, count))
    rows = []
    print(HEADER, flush=True)
    server = lab_check.LabServer(workdir, tmp, args.timeout)
    try:
        server.start()
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp / "profile"), executable_path=lab_check.CHROMIUM, headless=True,
                args=lab_check.CHROMIUM_ARGS, viewport=lab_check.VIEWPORT)
            context.set_default_timeout(args.timeout * 1000)
            page = context.pages[0] if context.pages else context.new_page()
            for name, count in plan:
                panel_id = run_notebook(page, server, name, args.timeout)
                explorers = explorer_moves.find_explorers(page, panel_id)
                labels = [c.get("callback") for c in lab_check.explorer_calls(lab_check.code_cells(workdir / name))]
                for n, controls in enumerate(explorers):
                    delivery = deliveries[n % len(deliveries)]
                    page.locator(f"[data-explorer='{n}']").scroll_into_view_if_needed()
                    result = measure_explorer(page, panel_id, n, controls, args.moves, 30.0)
                    result.update(lesson=name[:2], explorer=labels[n] if n < len(labels) else "?", delivery=delivery)
                    rows.append(result)
                    print(format_row(result, kernel), flush=True)
                page.evaluate(JS_SHUTDOWN, panel_id)   # its kernel: a dozen idle kernels would crowd the machine
            context.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print_summary(rows, deliveries)
    return 0


HEADER = (f"{'lesson':<6} {'explorer':<26} {'delivery':<8} {'kernel ms':>9} {'median ms':>9} {'p90 ms':>6} "
          f"{'moves':>5} {'drag pict/s':>11} {'after release':>13}  problems")


def format_row(row: dict, kernel: dict) -> str:
    lat = row["latencies"]
    drag = row["drag"] or {}
    problems = [f"no new picture: {row['unchanged']}"] if row["unchanged"] else []
    problems += [f"{len(row['errors'])} errors"] if row["errors"] else []
    k = kernel.get(row["explorer"])
    return (f"{row['lesson']:<6} {row['explorer']:<26} {row['delivery']:<8} "
            f"{(f'{k:.0f}' if k is not None else '-'):>9} "
            f"{(statistics.median(lat) if lat else float('nan')):9.0f} {explorer_moves.percentile(lat, 90):6.0f} "
            f"{len(lat):>5} {drag.get('per_second', float('nan')):11.1f} "
            f"{drag.get('after_release', 0):>3} in {drag.get('last_after_release_ms', 0):5.0f} ms  "
            + "; ".join(problems))


def print_summary(rows: list[dict], deliveries) -> None:
    print()
    for delivery in deliveries:
        mine = [r for r in rows if r["delivery"] == delivery]
        every = [x for r in mine for x in r["latencies"]]
        per_explorer = [statistics.median(r["latencies"]) for r in mine if r["latencies"]]
        drags = [r["drag"]["per_second"] for r in mine if r["drag"]]
        after = [r["drag"]["last_after_release_ms"] for r in mine if r["drag"]]
        if not every:
            continue
        print(f"{delivery}: {len(mine)} explorers, {len(every)} moves: median {statistics.median(every):.0f} ms, "
              f"p90 {explorer_moves.percentile(every, 90):.0f} ms (per-explorer medians "
              f"{min(per_explorer):.0f}-{max(per_explorer):.0f} ms); dragging: "
              f"{statistics.median(drags):.1f} pictures/s median, slowest {min(drags):.1f}; last picture after "
              f"the release: median {statistics.median(after):.0f} ms, at most {max(after):.0f} ms")
    try:
        one, five, _ = os.getloadavg()
        print(f"(load average {one:.2f}, {five:.2f} at the end; {time.strftime('%Y-%m-%d %H:%M')})")
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
