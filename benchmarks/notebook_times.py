"""Run every notebook top to bottom, one at a time, and print its time against
the 20 s budget (the course's promise for a 2-core laptop).

    .venv/bin/python benchmarks/notebook_times.py [folder-or-notebook ...]

Each notebook runs in a fresh kernel from the current environment, as a
student's Restart & Run All would; kernel start-up is included.
"""

import sys
import subprocess
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BUDGET = 20.0
ROOT = Path(__file__).resolve().parent.parent


def notebooks(args):
    targets = [Path(a).resolve() for a in args] or [ROOT / d for d in ("notebooks", "exercises", "solutions")]
    for target in targets:
        yield from sorted(target.glob("*.ipynb")) if target.is_dir() else [target]


def main(args) -> int:
    rows, over = [], 0
    for path in notebooks(args):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
        client.execute(stderr=subprocess.DEVNULL)   # the kernel's start-up warning would split the table
        seconds = time.perf_counter() - start
        over += seconds > BUDGET
        rows.append((str(path.relative_to(ROOT)), seconds))
        print(f"{rows[-1][0]:<55} {seconds:6.1f} s  {seconds / BUDGET:5.0%} of budget", flush=True)
    total = sum(s for _, s in rows)
    print(f"{'total':<55} {total:6.1f} s  ({len(rows)} notebooks, {over} over the {BUDGET:g} s budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
