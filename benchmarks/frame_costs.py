"""Where an explorer's redraw spends its time: building the figure, laying it out,
rasterizing it, encoding the PNG, and what a persistent scene's blitted frame costs instead.
The first measurement for issue 14 (explorers that answer within 100 ms), taken to choose
how to draw and deliver frames; kept to show why the scenes blit.

    .venv/bin/python benchmarks/frame_costs.py [--repeats 3]

For every explorer of ``course_lib.widgets`` at its first sample setting (its lesson
module's ``EXPLORERS``), on the same figure, the median of ``--repeats`` runs of:

- build: ``render(callback, values)``, the callback's runs and a new Figure with its
  artists (contours included), not yet drawn;
- inline PNG: the PNG Jupyter's inline backend makes of it today (``print_figure`` with
  ``bbox_inches="tight"``, which lays the figure out and draws it twice);
- fixed PNG: ``savefig`` to PNG with the figure's own, fixed layout (what a persistent
  figure fed to an ``ipywidgets.Image`` would send);
- draw: ``canvas.draw()`` alone, the Agg rasterization every delivery pays;
- fast PNG: draw, then the RGBA buffer encoded by Pillow at compression level 1;
- blit PNG: what a move costs a persistent scene (``course_lib.widgets.scene``) once its
  background is cached: the moving artists drawn over the background, encoded as above
  (the update's maths not included: the scene's values do not change between repeats).

It prints the times in ms and, per explorer, the ratios that decide the design: how
much of the old wait a fixed layout saves (inline / fixed), how much is encoding
(fixed / draw, fixed / fast), how much is building the figure anew (build / draw),
which a persistent figure that only updates its changing artists avoids, and what
blitting saves over the old inline PNG (inline / blit).
Nothing asserts a time: the table is read with the machine's load in mind.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402

from course_lib.widgets import all_explorers, render  # noqa: E402
from course_lib.widgets.scene import Scene  # noqa: E402

STAGES = ("build", "inline PNG", "fixed PNG", "draw", "fast PNG", "blit PNG")


def _median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _fast_png(fig) -> bytes:
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    out = io.BytesIO()
    PIL.Image.fromarray(rgba).save(out, format="png", compress_level=1)
    return out.getvalue()


def stage_ms(callback, values: dict, repeats: int = 3) -> dict | None:
    """Median milliseconds of each stage for one explorer setting; None if the callback fails."""
    built = []

    def build():
        built.append(render(callback, values))

    timings = {"build": _median_ms(build, repeats)}
    figures = [f for f in built if isinstance(f, plt.Figure)]
    if len(figures) != len(built):
        plt.close("all")
        return None
    fig = figures[-1]
    for stale in figures[:-1]:
        plt.close(stale)
    timings["inline PNG"] = _median_ms(lambda: print_figure(fig, "png", bbox_inches="tight"), repeats)
    timings["fixed PNG"] = _median_ms(lambda: fig.savefig(io.BytesIO(), format="png"), repeats)
    timings["draw"] = _median_ms(fig.canvas.draw, repeats)
    timings["fast PNG"] = _median_ms(lambda: _fast_png(fig), repeats)
    plt.close(fig)
    scene = callback() if isinstance(callback, type) and issubclass(callback, Scene) else None
    if scene is None:   # a function's figure has no persistent scene to blit
        timings["blit PNG"] = float("nan")
        return timings
    scene.show(**values)
    scene.png()   # caches the background
    timings["blit PNG"] = _median_ms(scene.png, repeats)
    return timings


def measure(repeats: int = 3, names=None, out=print) -> dict:
    rows = {}
    for name, (callback, samples) in all_explorers().items():
        if names is not None and name not in names:
            continue
        rows[name] = stage_ms(callback, samples[0], repeats)
        if out is not None:
            out(format_row(name, rows[name]))
    return rows


def format_row(name: str, timings: dict | None) -> str:
    if timings is None:
        return f"{name:28s} the callback failed"
    cells = " ".join(f"{timings[s]:9.0f}" for s in STAGES)
    ratios = (timings["inline PNG"] / timings["fixed PNG"], timings["fixed PNG"] / timings["draw"],
              timings["fixed PNG"] / timings["fast PNG"], timings["build"] / timings["draw"],
              timings["inline PNG"] / timings["blit PNG"])
    return f"{name:28s} {cells}   " + " ".join(f"{r:6.2f}" for r in ratios)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'explorer (ms, median)':28s} " + " ".join(f"{s:>9s}" for s in STAGES)
          + "   inl/fix fix/drw fix/fst bld/drw inl/blt")
    rows = [r for r in measure(args.repeats).values() if r is not None]
    if rows:
        medians = {s: statistics.median(r[s] for r in rows) for s in STAGES}
        print(format_row("median over explorers", medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
