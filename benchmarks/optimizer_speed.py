"""Time one optimizer step, course_lib against torch.optim, and against the
memory-bandwidth floor of this machine.

    .venv/bin/python benchmarks/optimizer_speed.py [--sizes 1000000 10000000]

For every optimizer that both have, on one float32 array of n parameters:

- course_lib: ``params, state = opt.step(params, grads, state)`` (pure NumPy,
  fresh arrays every step), NumPy with its default threads.
- torch: ``opt.step()`` on one Parameter whose ``.grad`` is set, on torch's
  default CPU path (foreach/fused not forced) and its default thread count.
- torch 1 thread: the same after ``torch.set_num_threads(1)``, timed in a block
  of its own: NumPy's elementwise work runs on one thread, so this column
  separates what threads buy torch from what fused in-place kernels buy it.

Each time is the median of several repeats after a few warm-up steps (fewer at
10M); course_lib and torch steps alternate, so a change in the machine's load
hits both. A step is elementwise work on arrays far larger than the caches, so
its floor is the bytes it must move divided by the copy bandwidth: read params,
grads and every state buffer, write params and every state buffer (Adam: read
p, g, m, v and write p, m, v = 7 x 4 bytes x n). The bandwidth is the median
of ``np.copyto(dst, src)`` on 10M float32, counting the bytes read + written.
Caveats: a copy on one thread may not saturate the memory bus (torch's steps
use every thread, so torch/floor can fall below 1), and at 1M the arrays
partly fit in the last-level cache. The table reports; it asserts nothing.

Information only: course_lib's updates are written to be read beside the
lessons' formulas (one fresh array per line, ``optim/_base.py`` says why), not
to be fast, so a ratio above 1 here is expected and is not a defect.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import numpy as np
import torch

from course_lib import optim

SIZES = (1_000_000, 10_000_000)
FLOAT_BYTES = 4

# name, course_lib optimizer, (torch class, torch kwargs),
# number of state buffers the algorithm reads and writes (for the floor).
CASES = [
    ("SGD", optim.SGD(lr=1e-3), (torch.optim.SGD, dict(lr=1e-3)), 0),
    ("SGD momentum", optim.SGD(lr=1e-3, momentum=0.9), (torch.optim.SGD, dict(lr=1e-3, momentum=0.9)), 1),
    ("Nesterov", optim.SGD(lr=1e-3, momentum=0.9, nesterov=True),
     (torch.optim.SGD, dict(lr=1e-3, momentum=0.9, nesterov=True)), 1),
    ("Adagrad", optim.Adagrad(), (torch.optim.Adagrad, {}), 1),
    ("RMSprop", optim.RMSprop(), (torch.optim.RMSprop, {}), 1),
    ("Adadelta", optim.Adadelta(), (torch.optim.Adadelta, {}), 2),
    ("Adam", optim.Adam(), (torch.optim.Adam, {}), 2),
    ("AdamW", optim.AdamW(), (torch.optim.AdamW, {}), 2),
    ("AMSGrad", optim.AMSGrad(), (torch.optim.Adam, dict(amsgrad=True)), 3),
    ("Adamax", optim.Adamax(), (torch.optim.Adamax, {}), 2),
    ("NAdam", optim.NAdam(), (torch.optim.NAdam, {}), 2),
    ("RAdam", optim.RAdam(), (torch.optim.RAdam, {}), 2),
]


def repeats_for(n: int) -> tuple[int, int]:
    """(warm-up steps, timed steps): fewer at 10M so the script stays short.
    Seven warm-up steps at most puts RAdam past its t = 6 switch to the rectified step."""
    return (7, 25) if n <= 2_000_000 else (6, 5)


def copy_bandwidth(n: int = 10_000_000, repeats: int = 15) -> float:
    """Bytes per second of np.copyto on n float32 (read + written)."""
    src = np.random.default_rng(0).standard_normal(n, dtype=np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # fault the pages in
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - start)
    return 2 * src.nbytes / statistics.median(times)


def torch_copy_bandwidth(n: int = 10_000_000, repeats: int = 15) -> float:
    """The same with torch's Tensor.copy_ (which uses torch's threads): for reference only."""
    src = torch.randn(n, dtype=torch.float32)
    dst = torch.empty_like(src)
    dst.copy_(src)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        dst.copy_(src)
        times.append(time.perf_counter() - start)
    return 2 * src.numel() * FLOAT_BYTES / statistics.median(times)


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_pair(course_opt, torch_spec, n: int) -> tuple[float, float, float, int, int]:
    """Median seconds of one course_lib step, one torch.optim step and one torch.optim step
    on a single thread, on n float32 parameters; and the minor page faults per step of the
    first two (fresh pages the kernel had to zero: the price of large temporaries that the
    allocator hands back to the OS and asks for again)."""
    rng = np.random.default_rng(n)
    params = rng.standard_normal(n, dtype=np.float32)
    grads = rng.standard_normal(n, dtype=np.float32)

    state = course_opt.init(params)
    tensor = torch.nn.Parameter(torch.from_numpy(params.copy()))
    tensor.grad = torch.from_numpy(grads.copy())
    torch_class, kwargs = torch_spec
    torch_opt = torch_class([tensor], **kwargs)

    warmup, repeats = repeats_for(n)
    for _ in range(warmup):
        params, state = course_opt.step(params, grads, state)
        torch_opt.step()
    course_times, torch_times, course_faults, torch_faults = [], [], 0, 0
    for _ in range(repeats):  # alternate, so a burst of load elsewhere hits both
        faults, start = _faults(), time.perf_counter()
        params, state = course_opt.step(params, grads, state)
        course_times.append(time.perf_counter() - start)
        course_faults += _faults() - faults
        faults, start = _faults(), time.perf_counter()
        torch_opt.step()
        torch_times.append(time.perf_counter() - start)
        torch_faults += _faults() - faults
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch_opt.step()  # the first step after a change of thread count is not timed
        single_times = []
        for _ in range(repeats):
            start = time.perf_counter()
            torch_opt.step()
            single_times.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return (statistics.median(course_times), statistics.median(torch_times), statistics.median(single_times),
            course_faults // repeats, torch_faults // repeats)


def measure(sizes=SIZES, bandwidth: float | None = None, out=print) -> list[dict]:
    bandwidth = copy_bandwidth() if bandwidth is None else bandwidth
    rows = []
    for n in sizes:
        for name, course_opt, torch_spec, buffers in CASES:
            course_s, torch_s, single_s, course_pf, torch_pf = time_pair(course_opt, torch_spec, n)
            moved = (2 + buffers + 1 + buffers) * FLOAT_BYTES * n  # read p, g, buffers; write p, buffers
            floor_s = moved / bandwidth
            rows.append(dict(name=name, n=n, course_ms=course_s * 1e3, torch_ms=torch_s * 1e3,
                             torch_1thread_ms=single_s * 1e3,
                             floor_ms=floor_s * 1e3, arrays_moved=moved // (FLOAT_BYTES * n),
                             course_faults=course_pf, torch_faults=torch_pf))
            if out:
                out(format_row(rows[-1]))
    return rows


HEADER = (f"{'optimizer':<13} {'n':>5} {'arrays':>6} {'course_lib ms':>13} {'torch ms':>9} {'course/torch':>12} "
          f"{'torch 1-thread ms':>17} {'course/torch1':>13} "
          f"{'floor ms':>9} {'course/floor':>12} {'torch/floor':>11} {'faults/step course | torch':>26}")


def format_row(row: dict) -> str:
    n = f"{row['n'] // 1_000_000}M" if row["n"] % 1_000_000 == 0 else str(row["n"])
    return (f"{row['name']:<13} {n:>5} {row['arrays_moved']:>6} {row['course_ms']:13.2f} {row['torch_ms']:9.2f} "
            f"{row['course_ms'] / row['torch_ms']:11.1f}x {row['torch_1thread_ms']:17.2f} "
            f"{row['course_ms'] / row['torch_1thread_ms']:12.1f}x {row['floor_ms']:9.2f} "
            f"{row['course_ms'] / row['floor_ms']:11.1f}x {row['torch_ms'] / row['floor_ms']:10.1f}x "
            f"{row['course_faults']:>15} | {row['torch_faults']:<8}")


def describe_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{p['internal_api']} {p['num_threads']} threads"
                         for p in threadpool_info() if p["user_api"] == "blas") or "unknown"
    except ImportError:
        blas = "unknown (threadpoolctl not installed)"
    return (f"torch.get_num_threads() = {torch.get_num_threads()} (default); "
            f"NumPy BLAS: {blas} (default; NumPy's elementwise ufuncs run on one thread)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    print(describe_threads())
    bandwidth = copy_bandwidth()
    print(f"copy bandwidth: np.copyto on 10M float32 = {bandwidth / 1e9:.1f} GB/s "
          f"(read + written; used for the floor); torch copy_ = {torch_copy_bandwidth() / 1e9:.1f} GB/s (for reference)")
    print("arrays = float32 arrays of n one step must read + write; floor = arrays x 4 bytes x n / copy bandwidth")
    print("time = median of 25 steps at 1M, 5 at 10M, after warm-up; course_lib and torch steps alternate")
    print("faults/step = minor page faults per step (a fresh 4 KiB page zeroed by the kernel; 1M float32 = 977 pages)")
    print()
    print(HEADER)
    print("-" * len(HEADER))
    measure(args.sizes, bandwidth)
    print(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
