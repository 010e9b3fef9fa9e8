"""Time the batch grader against nbgrader's way of autograding, on one simulated class.

    .venv/bin/python benchmarks/grade_bench.py [--submissions 100] [--workers N] [--seed 0]

What is compared, and why:

- ``python -m course_lib.grade SUBS --out OUT --quiet`` (default workers: one per
  core), run in a subprocess so that its import time counts, into a fresh --out
  folder so that nothing is reused from an earlier run.
- The baseline: what nbgrader's autograder does, i.e. every notebook executed
  top to bottom in a fresh kernel, one after the other, with
  ``nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
  allow_errors=True).execute()`` (cwd: the notebook's folder; environment
  OPENBLAS_NUM_THREADS=1 MPLBACKEND=Agg, as `make test` has). Kernel start-up
  is included, as it is for nbgrader. The baseline only runs the notebooks: it
  gives no scores, so it is a lower bound on nbgrader's time.

Both work on the same class: N submissions in ``<tmp>/subs/s{k:03d}/<NN-topic>.ipynb``,
cycling through the worksheets, a seeded mix of solved notebooks (solutions/),
solutions with one graded function wrong or raising NotImplementedError, and
untouched stubs (exercises/). The mix matters: a notebook that stops early
runs faster.

Running every notebook serially takes minutes, so when the first round (one
notebook per worksheet) projects more than --baseline-max-seconds for all N,
the baseline times only the first whole rounds (at least --baseline-min
notebooks, every worksheet equally represented) and extrapolates per notebook
of each worksheet; the table says so.

A fast grader is worth nothing if it fails everything fast, so the grader's
status counts are printed too, with how many solved notebooks got full
marks (all of them should) and how many broken ones did (none should); a
loud WARNING follows when either is off. Like notebook_times.py this prints
measurements and makes no claim about speed.
"""

import argparse
import ast
import collections
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BASELINE_ENV = {"OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
# How often each kind of submission occurs in the simulated class.
MIX = {"solved": 0.50, "one wrong": 0.20, "one not implemented": 0.15, "unsolved stub": 0.15}
CHECK_CALL = re.compile(r"""check\(\s*["'](\w+)["']""")
SOLUTION_BLOCK = re.compile(r"^([ \t]*)### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[ \t]*$", re.M | re.S)


# --- the simulated class ------------------------------------------------------------


def worksheets() -> list[str]:
    """The worksheets' stems ("05-adam"), those with both a solution and an exercise."""
    return [p.stem for p in sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))
            if (ROOT / "exercises" / p.name).exists()]


def graded_functions(nb) -> list[str]:
    """The names the worksheet passes to check(...): its graded functions."""
    return CHECK_CALL.findall("\n".join(c.source for c in nb.cells if c.cell_type == "code"))


def wrong_block(function: ast.FunctionDef, block: str, indent: str) -> str:
    """A plausible wrong answer in place of a solution block: a step that forgets the learning rate and the
    state, or the right value plus one (not a made-up constant: in 09 a constant rho_t never passes the
    threshold and first_rectified_step loops until nbclient's timeout)."""
    args = [a.arg for a in function.args.args]
    if len(args) >= 3 and args[2] == "state":
        return f"{indent}return {args[0]} - {args[1]}, {args[2]}  # forgot the learning rate; state not updated"
    return f"{indent}def right():\n{textwrap.indent(block, '    ')}\n{indent}return right() + 1  # off by one"


def break_function(nb, name: str, how: str) -> None:
    """Replace the solution block of `name`'s definition by a wrong one or by `raise NotImplementedError`."""
    for cell in nb.cells:
        if cell.cell_type != "code" or not re.search(rf"^def {name}\(", cell.source, re.M):
            continue
        function = next(node for node in ast.parse(cell.source).body
                        if isinstance(node, ast.FunctionDef) and node.name == name)

        def replace(match):
            if how == "one not implemented":
                return match.group(1) + "raise NotImplementedError"
            return wrong_block(function, match.group(0), match.group(1))

        new, count = SOLUTION_BLOCK.subn(replace, cell.source, count=1)
        if not count:
            raise SystemExit(f"error: {name}'s cell has no BEGIN/END SOLUTION block to replace")
        cell.source = new
        return
    raise SystemExit(f"error: no cell defines {name}")


def make_class(subs: Path, count: int, seed: int) -> list[dict]:
    """Write `count` submissions under subs; returns what each one is (the manifest)."""
    rng = random.Random(seed)
    stems = worksheets()
    manifest = []
    for k in range(count):
        stem = stems[k % len(stems)]
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        source = ROOT / ("exercises" if kind == "unsolved stub" else "solutions") / f"{stem}.ipynb"
        nb = nbformat.read(source, as_version=4)
        broken = ""
        if kind in ("one wrong", "one not implemented"):
            broken = rng.choice(graded_functions(nb))
            break_function(nb, broken, kind)
        path = subs / f"s{k:03d}" / f"{stem}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        manifest.append({"file": f"s{k:03d}/{stem}.ipynb", "path": path, "worksheet": stem, "kind": kind,
                         "broken": broken})
    return manifest


# --- the grader -----------------------------------------------------------------------


def run_grader(subs: Path, out: Path, workers: int, hidden_seed: int) -> tuple[float, list[dict], str]:
    """Seconds for `python -m course_lib.grade ... --quiet` (imports included), its rows, its last words."""
    command = [sys.executable, "-m", "course_lib.grade", str(subs), "--out", str(out), "--workers", str(workers),
               "--hidden-seed", str(hidden_seed), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **BASELINE_ENV}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    said = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        print(f"WARNING: the grader exited with status {done.returncode}:\n{done.stderr[-2000:]}", file=sys.stderr)
    try:
        rows = json.loads((out / "grades.json").read_text())["rows"]
    except (OSError, ValueError, KeyError):
        rows = []
    return seconds, rows, said


def lost_points(row: dict | None) -> str:
    """Which items of a row lost points, or why the row has none."""
    if row is None:
        return "no row"
    lost = [name for name, item in row["items"].items() if item["points"] < item["max_points"]]
    return ", ".join(lost) or row["status"]


def grading_check(manifest: list[dict], rows: list[dict]) -> dict:
    """Status counts, and whether solved notebooks (only they) got full marks."""
    by_file = {row["file"]: row for row in rows}
    full = {}
    for entry in manifest:
        row = by_file.get(entry["file"])
        full[entry["file"]] = bool(row and row["status"] == "graded" and row["max"] > 0
                                   and math.isclose(row["total"], row["max"]))
    solved = [e["file"] for e in manifest if e["kind"] == "solved"]
    broken = [e["file"] for e in manifest if e["kind"] != "solved"]
    return {"statuses": collections.Counter(row["status"] for row in rows),
            "missing": sum(e["file"] not in by_file for e in manifest),
            "solved": len(solved), "solved full": sum(full[f] for f in solved),
            "solved not full": [f"{f} ({lost_points(by_file.get(f))})" for f in solved if not full[f]],
            "broken": len(broken), "broken full": [f for f in broken if full[f]]}


# --- the baseline -----------------------------------------------------------------------


def run_notebook(path: Path) -> tuple[float, str]:
    """Seconds to execute one notebook as nbgrader's autograder would, and how it ended:
    "ran", "a cell raised" (allowed, as in nbgrader) or "stopped" (a cell timed out or the kernel died)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute(env={**os.environ, **BASELINE_ENV}, stderr=subprocess.DEVNULL)
    except Exception as error:   # a timeout or a dead kernel still counts, as it would for nbgrader
        print(f"  {path.parent.name}/{path.name}: {type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
        return time.perf_counter() - start, "stopped"
    raised = any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return time.perf_counter() - start, "a cell raised" if raised else "ran"


def run_baseline(manifest: list[dict], max_seconds: float, minimum: int, force: int | None) -> dict:
    """Execute notebooks in submission order; all of them, or whole rounds as the module docstring says."""
    per_round = len({e["worksheet"] for e in manifest})
    target, reason = len(manifest), ""
    if force is not None:
        target, reason = min(force, len(manifest)), "as --baseline-count asked"
    times = []
    while len(times) < target:
        entry = manifest[len(times)]
        seconds, ended = run_notebook(entry["path"])
        times.append((entry, seconds, ended))
        if len(times) == per_round and force is None:
            projected = sum(s for _, s, _ in times) / per_round * len(manifest)
            if projected > max_seconds:
                target = min(len(manifest), per_round * math.ceil(max(minimum, per_round) / per_round))
                reason = (f"all {len(manifest)} were projected at ~{projected:.0f} s by the first round, "
                          f"over the {max_seconds:g} s limit")
        print(f"  baseline {len(times)}/{target}: {entry['file']:<45} {seconds:5.1f} s", file=sys.stderr, flush=True)
    per_worksheet = collections.defaultdict(list)
    for entry, seconds, _ in times:
        per_worksheet[entry["worksheet"]].append(seconds)
    means = {ws: sum(v) / len(v) for ws, v in per_worksheet.items()}
    # Extrapolate by worksheet: each submission costs its worksheet's mean (the overall mean if it was not timed).
    overall = sum(s for _, s, _ in times) / max(len(times), 1)
    estimate = sum(means.get(e["worksheet"], overall) for e in manifest)
    complete = all(e["worksheet"] in means for e in manifest)
    return {"timed": len(times), "seconds": sum(s for _, s, _ in times), "means": means,
            "total": sum(s for _, s, _ in times) if len(times) == len(manifest) else estimate,
            "extrapolated": len(times) < len(manifest), "complete": complete, "reason": reason,
            "endings": collections.Counter(e for _, _, e in times),
            "slowest": max(((s, e["file"]) for e, s, _ in times), default=(0.0, "")),
            "first": times[0][0]["file"] if times else "",
            "last": times[-1][0]["file"] if times else ""}


# --- the table --------------------------------------------------------------------------


def print_report(n: int, workers: int, grader_seconds: float, rows: list[dict], said: str, check: dict,
                 baseline: dict, manifest: list[dict]) -> None:
    kinds = collections.Counter(e["kind"] for e in manifest)
    print(f"\nSimulated class: {n} submissions over {len({e['worksheet'] for e in manifest})} worksheets: "
          + ", ".join(f"{kinds[k]} {k}" for k in MIX))
    print(f"\n{'':<40} {'submissions':>11} {'seconds':>9} {'subs/s':>8}")
    grader_rate = n / grader_seconds
    print(f"{f'course_lib.grade, {workers} workers':<40} {n:>11} {grader_seconds:>9.1f} {grader_rate:>8.2f}")
    base_rate = n / baseline["total"] if baseline["total"] else float("nan")
    if baseline["extrapolated"]:
        print(f"{'nbclient, serial (timed)':<40} {baseline['timed']:>11} {baseline['seconds']:>9.1f} "
              f"{baseline['timed'] / baseline['seconds']:>8.2f}")
        print(f"{'nbclient, serial (extrapolated)':<40} {n:>11} {baseline['total']:>9.1f} {base_rate:>8.2f}")
    else:
        print(f"{'nbclient, serial':<40} {n:>11} {baseline['total']:>9.1f} {base_rate:>8.2f}")
    print(f"\nratio, grader throughput / nbclient throughput: {grader_rate / base_rate:.1f}x")
    if baseline["extrapolated"]:
        print(f"NOTE: the baseline timed only the first {baseline['timed']} of {n} notebooks ({baseline['first']} "
              f"to {baseline['last']}) and extrapolated from each worksheet's mean: {baseline['reason']}.")
        if not baseline["complete"]:
            print("WARNING: some worksheets were not timed; they were counted at the mean of all timed notebooks.")
    endings = ", ".join(f"{n} {ending}" for ending, n in sorted(baseline["endings"].items()))
    print(f"baseline notebooks: {endings}; slowest {baseline['slowest'][1]} ({baseline['slowest'][0]:.1f} s)")

    grader_means = collections.defaultdict(list)
    for row in rows:
        grader_means[Path(row["file"]).stem].append(row.get("seconds", 0.0))
    print(f"\n{'worksheet':<32} {'nbclient mean s':>15} {'timed':>6} {'grader child mean s':>20}")
    for stem in sorted({e["worksheet"] for e in manifest}):
        timed = sum(1 for e in manifest[:baseline["timed"]] if e["worksheet"] == stem)
        base = f"{baseline['means'][stem]:.2f}" if stem in baseline["means"] else "-"
        child = f"{sum(grader_means[stem]) / len(grader_means[stem]):.2f}" if grader_means[stem] else "-"
        print(f"{stem:<32} {base:>15} {timed:>6} {child:>20}")

    statuses = ", ".join(f"{count} {status}" for status, count in sorted(check["statuses"].items())) or "no rows"
    print(f"\ngrader statuses: {statuses}" + (f"; {check['missing']} submissions missing from grades.json"
                                              if check["missing"] else ""))
    print(f"grader's last line: {said}")
    print(f"solved notebooks with full marks: {check['solved full']} of {check['solved']}")
    print(f"broken notebooks with full marks: {len(check['broken full'])} of {check['broken']} (should be 0)")
    if check["solved not full"] or check["missing"]:
        print(f"\nWARNING: {len(check['solved not full'])} of {check['solved']} SOLVED NOTEBOOKS DID NOT GET FULL "
              f"MARKS: THE GRADER IS WRONG ON THEM, DO NOT TRUST ITS TIME UNTIL THAT IS FIXED. Lost points in: "
              f"{'; '.join(check['solved not full'][:5])}{' ...' if len(check['solved not full']) > 5 else ''}")
    if check["broken full"]:
        print(f"\nWARNING: {len(check['broken full'])} BROKEN NOTEBOOKS GOT FULL MARKS "
              f"(e.g. {', '.join(check['broken full'][:5])}): THE GRADER IS NOT CHECKING.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=100, help="size of the class (default %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="the grader's --workers (default: the number of cores, %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the class's mix (default %(default)s)")
    parser.add_argument("--hidden-seed", type=int, default=1, help="the grader's --hidden-seed (default %(default)s)")
    parser.add_argument("--baseline-max-seconds", type=float, default=360,
                        help="time the whole baseline only if projected under this (default %(default)s)")
    parser.add_argument("--baseline-min", type=int, default=30,
                        help="notebooks the baseline times at least when it samples (default %(default)s)")
    parser.add_argument("--baseline-count", type=int, default=None,
                        help="time exactly the first N notebooks in the baseline, whatever the projection")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    args = parser.parse_args(argv)
    if args.submissions < 1 or args.workers < 1:
        parser.error("--submissions and --workers must be at least 1")

    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        manifest = make_class(tmp / "subs", args.submissions, args.seed)
        print(f"{args.submissions} submissions written to {tmp / 'subs'}; grading...", file=sys.stderr, flush=True)
        grader_seconds, rows, said = run_grader(tmp / "subs", tmp / "out", args.workers, args.hidden_seed)
        print(f"grader: {grader_seconds:.1f} s; now the nbclient baseline...", file=sys.stderr, flush=True)
        baseline = run_baseline(manifest, args.baseline_max_seconds, args.baseline_min, args.baseline_count)
        print_report(args.submissions, args.workers, grader_seconds, rows, said, grading_check(manifest, rows),
                     baseline, manifest)
    finally:
        if args.keep:
            print(f"\nkept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nbenchmark wall time: {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
