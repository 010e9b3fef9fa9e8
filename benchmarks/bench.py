"""The course's speed report, measured in one run on this machine (``make bench``).

    .venv/bin/python benchmarks/bench.py

1. every notebook's Restart & Run All time against the 20 s budget (notebook_times.py)
2. one optimizer step, course_lib against torch.optim and the memory-bandwidth floor (optimizer_speed.py)
3. every explorer's move in the kernel: update and frame, against a full redraw (explorer_latency.py)
4. every explorer in JupyterLab in Chromium: from a move to the new picture on screen, two ways of
   delivering it side by side, and the pictures per second while dragging (browser_latency.py;
   needs Chromium at /usr/bin/chromium or $CHROMIUM, skipped without it)

Each part is also a script of its own. Nothing here asserts a speed: the
tables are measurements, to be read with the machine and its load (printed
at the start and the end) in mind.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser_latency  # noqa: E402
import explorer_latency  # noqa: E402
import notebook_times  # noqa: E402
import numpy as np  # noqa: E402
import optimizer_speed  # noqa: E402
import torch  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min)"
    except OSError:
        return "load average unknown"


def heading(title: str) -> None:
    print()
    print(title)
    print("=" * len(title), flush=True)


def main(argv=None) -> int:
    start = time.perf_counter()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("Speed report: measured in one run on this machine")
    print(f"  date       {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"  CPU        {cpu_model()}, {os.cpu_count()} cores ({usable} usable by this process)")
    print(f"  software   Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}")
    print(f"  threads    {optimizer_speed.describe_threads()}")
    print(f"  at start   {load()}")

    heading(f"1. Notebooks: Restart & Run All, each in a fresh kernel, against the {notebook_times.BUDGET:g} s budget")
    notebook_times.main([])

    heading("2. One optimizer step on n float32 parameters: course_lib vs torch.optim vs the memory-bandwidth floor")
    optimizer_speed.main([])

    heading("3. Explorers in the kernel: a move's update and frame, against a full redraw")
    kernel_rows: list = []
    explorer_latency.main([], rows_out=kernel_rows)

    heading("4. Explorers in JupyterLab in Chromium: from a move to the new picture on screen")
    browser_latency.main([], kernel={row["explorer"]: row["median_ms"] for row in kernel_rows})

    print()
    print(f"at the end: {load()}; whole report {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
