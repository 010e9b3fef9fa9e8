"""What a class costs: N students' kernels at once on this machine, each running a lesson top to bottom.

    .venv/bin/python benchmarks/class_bench.py [--students 10 30] [--lesson 09] [--timeout 900]

First every lesson runs alone, one after another, in a fresh kernel: its time, and its kernel's peak
memory, so the class runs the lesson that needs the most. Then, for each N, N kernels start at once
and run that lesson, as a lab does when the instructor says "run all". For each kernel it records:

- peak memory: the kernel process's high-water resident set (VmHWM), what a pod's memory limit
  must allow (a container's limit counts resident memory; shared libraries are not shared
  between pods);
- steady memory: its resident set 3 s after the last cell, what an idle student holds;
- time to finish: from the start of all kernels to this kernel's last cell;
- failures: a cell error, a timeout or a dead kernel.

It also starts one JupyterLab server, as each student's pod runs one, and reads its resident set
once idle: a student costs the server plus the kernel. From these it prints a sizing table
(students per node of 8, 16 and 32 GB) and the Zero to JupyterHub values the README quotes.
Kernels run in a plain environment, as a hub's do (no thread settings). Nothing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20
NODES_GB = (8, 16, 32)
SAMPLE_SECONDS = 0.2
STEADY_AFTER = 3.0


def status_kib(pid: int, field: str) -> int:
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM), 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def available_mib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Student:
    """One kernel running one lesson, and what it cost."""

    def __init__(self, lesson: Path, timeout: float):
        self.lesson, self.timeout = lesson, timeout
        self.nb = nbformat.read(lesson, as_version=4)
        self.client = NotebookClient(self.nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(lesson.parent)}},
                                     extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        self.pid = None
        self.peak_mib = self.steady_mib = self.seconds = self.cpu = 0.0
        self.failure = ""

    async def run(self, start: float) -> None:
        try:
            self.client.reset_execution_trackers()
            async with self.client.async_setup_kernel(stderr=subprocess.DEVNULL):
                self.pid = self.client.km.provisioner.process.pid
                await self.client.async_wait_for_reply(await ensure_async(self.client.kc.kernel_info()))
                for index, cell in enumerate(self.nb.cells):
                    await self.client.async_execute_cell(cell, index)
                self.seconds = time.monotonic() - start
                await asyncio.sleep(STEADY_AFTER)
                self.steady_mib = status_kib(self.pid, "VmRSS") / 1024
                self.peak_mib = status_kib(self.pid, "VmHWM") / 1024
                self.cpu = cpu_seconds(self.pid)
        except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError, TimeoutError) as error:
            self.seconds = time.monotonic() - start
            self.failure = f"{type(error).__name__}: {str(error).strip().splitlines()[-1][:120] if str(error).strip() else ''}"


async def run_class(lesson: Path, students: int, timeout: float) -> tuple[list[Student], float, float]:
    """N kernels at once; the run's wall time and the machine's largest drop in available memory."""
    before = available_mib()
    lowest = [before]
    done = asyncio.Event()

    async def watch():
        while not done.is_set():
            lowest[0] = min(lowest[0], available_mib())
            await asyncio.sleep(SAMPLE_SECONDS)

    class_ = [Student(lesson, timeout) for _ in range(students)]
    start = time.monotonic()
    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(s.run(start) for s in class_))
    done.set()
    await watcher
    return class_, time.monotonic() - start, before - lowest[0]


def server_mib() -> float:
    """The resident set of one idle JupyterLab server, as a student's pod runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as home:
        server = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                                   "--ServerApp.token=bench", f"--notebook-dir={ROOT}", "--allow-root"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, "JUPYTER_RUNTIME_DIR": home})
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.5)
            time.sleep(3)   # its extensions finish loading
            return status_kib(server.pid, "VmRSS") / 1024
        finally:
            server.terminate()
            server.wait(timeout=30)


def round_up(mib: float, step: int = 64) -> int:
    return int(math.ceil(mib / step) * step)


def allocatable_gib(node_gb: int) -> float:
    """A node's memory left to pods: GKE's documented reservation (25 % of the first 4 GiB, 20 % of the
    next 4, 10 % of the next 8, 6 % of the next 112) and 100 MiB kept for eviction."""
    reserved, left = 0.0, float(node_gb)
    for size, share in ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06)):
        part = min(left, size)
        reserved, left = reserved + part * share, left - part
    return node_gb - reserved - 100 / 1024


def print_sizing(server: float, steady: float, peak: float) -> None:
    """A student's pod is the server plus the kernel. The guarantee (what the scheduler reserves) is what
    an idle student holds after the heaviest lesson; the limit (past it the kernel is killed) is half as
    much again as that lesson's peak, for the student's own cells."""
    guarantee = round_up(server + steady)
    limit = round_up(1.5 * (server + peak), 128)
    print(f"\nper student: guarantee {guarantee} MiB (server {server:.0f} + steady kernel {steady:.0f}), "
          f"limit {limit} MiB (1.5 x (server + peak kernel {peak:.0f}))")
    print(f"\n{'node':>6} {'allocatable':>12} {'students (guarantee)':>21} {'students all at the limit':>26}")
    for gb in NODES_GB:
        room = allocatable_gib(gb) * 1024
        print(f"{gb:4d} GB {room / 1024:10.1f} GiB {int(room // guarantee):21d} {int(room // limit):26d}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 30], help="class sizes (default 10 30)")
    parser.add_argument("--lesson", help="the lesson the class runs, e.g. 09 (default: the one with the largest peak)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per cell before it counts as failed")
    args = parser.parse_args(argv)

    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    print(f"machine: {os.cpu_count()} cores, {available_mib() / 1024:.1f} GiB available, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}", flush=True)
    server = server_mib()
    print(f"one idle JupyterLab server: {server:.0f} MiB resident\n", flush=True)
    print(f"{'lesson alone':<40} {'seconds':>8} {'peak MiB':>9} {'steady MiB':>11} {'CPU s':>7}", flush=True)
    alone = {}
    for lesson in lessons:
        if args.lesson and not lesson.name.startswith(args.lesson):
            continue
        (student,), _, _ = asyncio.run(run_class(lesson, 1, args.timeout))
        alone[lesson] = student
        print(f"{lesson.name:<40} {student.seconds:8.1f} {student.peak_mib:9.0f} {student.steady_mib:11.0f} "
              f"{student.cpu:7.1f}  {student.failure}", flush=True)
    if not alone:
        parser.error(f"no lesson starts with {args.lesson!r}")
    heaviest = max(alone, key=lambda lesson: alone[lesson].peak_mib)
    print(f"\nThe class runs {heaviest.name} (the largest peak).\n")
    print(f"{'students':>8} {'wall s':>7} {'finish median':>14} {'finish max':>11} {'failures':>9} "
          f"{'peak MiB med/max':>17} {'steady MiB med/max':>19} {'machine MiB':>12}", flush=True)
    peaks, steadies = [alone[heaviest].peak_mib], [alone[heaviest].steady_mib]
    for n in args.students:
        class_, wall, used = asyncio.run(run_class(heaviest, n, args.timeout))
        ok = [s for s in class_ if not s.failure]
        failures = [s.failure for s in class_ if s.failure]
        peak = [s.peak_mib for s in ok] or [float("nan")]
        steady = [s.steady_mib for s in ok] or [float("nan")]
        peaks += peak
        steadies += steady
        finish = [s.seconds for s in class_]
        print(f"{n:8d} {wall:7.1f} {statistics.median(finish):13.1f}s {max(finish):10.1f}s {len(failures):9d} "
              f"{statistics.median(peak):8.0f}/{max(peak):<8.0f} {statistics.median(steady):9.0f}/{max(steady):<9.0f} "
              f"{used:12.0f}", flush=True)
        for failure in sorted(set(failures)):
            print(f"    failure: {failure}")
    print_sizing(server, max(steadies), max(peaks))
    cpu = alone[heaviest].cpu
    print(f"\nCPU: {heaviest.name} takes {cpu:.1f} CPU-seconds alone; in the run of {args.students[-1]} on "
          f"{os.cpu_count()} cores each student waited {statistics.median(finish):.0f} s (median) for it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
