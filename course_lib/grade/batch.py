"""Grading a folder of submissions: discover -> run in the sandbox -> judge -> write.

``grade()`` is the whole path, one submission at a time per worker:

1. ``submissions.discover`` and ``submissions.read``: every notebook in the
   folder (never trusted: any bytes in any name, links, junk);
2. ``runs.run_submission``: its cells and graded functions in children
   confined by the kernel (``sandbox.py``);
3. ``judge.judge_row``: the answers against the reference, in this process;
4. ``report``: its result file and feedback, then grades.csv and grades.json;
   at the end ``class_report`` (the class report) and ``exports`` (Canvas and
   Moodle gradebook files, with ``--roster``'s identities), from the rows alone.

Whatever goes wrong with one submission (its bytes, its name, its messages,
its judging, writing its files) becomes that submission's row, status
``grader error`` with the reason, and the batch goes on: every submission
gets exactly one row. A submission whose file and grader are unchanged
since its result was written is not graded again, so re-running the same
command after an interruption finishes the rest, and a second run changes
nothing. The hidden cases' seed is kept in ``OUT/hidden-seed`` (mode 0600).
If the class report or the exports cannot be written, the run says so and
ends as usual: grades.csv is written before them.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import secrets
import sys
import threading
import time
from pathlib import Path

from ..checks import WORKSHEET_ITEMS
from . import class_report, exports, report, shards
from . import submissions as subs
from .judge import Plan, judge_row, new_row
from .runs import run_submission
from .sandbox import Cancelled, Limits, Sandbox, SandboxError

GRADER_FILES = ["checks/*.py", "grade/*.py", "grade/view/*.py", "optim/*.py", "schedules.py", "landscapes.py"]
NOT_SCORING = ["grade/class_report.py", "grade/exports.py", "grade/shards.py"]   # read the rows afterwards: changing them regrades nothing
UNCONFINED_FLAG = "--unconfined-i-trust-every-submission"


def grade_one(submission, plan_for, sandbox) -> dict:
    """One submission's row, whatever happens."""
    notebook, row = None, None
    try:
        notebook = subs.read(submission, WORKSHEET_ITEMS)
        plan = plan_for(notebook.worksheet) if not notebook.problem else None
        row = new_row(submission, notebook, plan)
        if notebook.problem:
            row.update(status="unreadable", reason=f"the file {notebook.problem}")
        elif plan is None:
            row.update(status="unknown worksheet",
                       reason="neither its metadata nor its name says which worksheet it is (name it NN-topic.ipynb)")
        else:
            judge_row(row, plan, run_submission(notebook, plan, sandbox))
        return row
    except (Cancelled, KeyboardInterrupt):
        raise
    except Exception as error:   # the grader's own failure on this submission: its row says so
        row = new_row(submission, notebook, None)
        row.update(status="grader error", reason=f"the grader failed on this submission: "
                                                 f"{type(error).__name__}: {str(error)[:300]}")
        return row


def grader_fingerprint(hidden_seed: int, limits: Limits, unconfined: bool) -> str:
    """Changes when anything that decides a score changes: then results are recomputed."""
    digest = hashlib.sha256(f"{hidden_seed} {limits} {unconfined}".encode())
    root = Path(__file__).resolve().parent.parent
    for pattern in GRADER_FILES:
        for path in sorted(root.glob(pattern)):
            if path.relative_to(root).as_posix() not in NOT_SCORING:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _hidden_seed(out: Path, given: int | None) -> int:
    path = out / "hidden-seed"
    if path.exists():
        stored = int(path.read_text().strip())
        if given is not None and given != stored:
            raise SystemExit(f"error: {out} was graded with another hidden seed; use the same --hidden-seed "
                             f"or a new --out folder")
        return stored
    seed = given if given is not None else secrets.randbits(63)
    report.atomic_write(path, f"{seed}\n")
    return seed


def worksheet_titles() -> dict[str, str]:
    """'05' -> '05-adam', from the exercises folder when the course's repository is there."""
    exercises = Path(__file__).resolve().parents[2] / "exercises"
    titles = {ws: f"worksheet {ws}" for ws in WORKSHEET_ITEMS}
    for path in sorted(exercises.glob("[0-9][0-9]-*.ipynb")):
        titles[path.name[:2]] = path.stem
    return titles


class Progress:
    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.counts: dict[str, int] = {}

    def update(self, status: str) -> None:
        self.done += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty or self.done == self.total or now - self.last > 5:
            self.last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
            line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {counts}  {now - self.start:.0f} s"
            print(("\r" if self.tty else "") + line, end="" if self.tty and self.done < self.total else "\n",
                  file=sys.stderr, flush=True)


def _feedback_names(found, titles) -> dict[str, str]:
    names, taken = {}, set()
    for submission in found:
        base = (f"{report.safe_name(submission.student)}/"
                f"{titles.get(submission.worksheet_hint, report.safe_name(Path(submission.relative).stem))}")
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}-{k}"
        taken.add(name)
        names[submission.relative] = name
    return names


def grade(submissions_root: Path, out: Path, workers: int | None = None, limits: Limits | None = None,
          hidden_seed: int | None = None, progress: bool = True, unconfined: bool = False,
          roster: Path | None = None, shard: shards.Shard | None = None) -> list[dict]:
    """Grade every submission under submissions_root into out; returns the rows.

    roster: a CSV of the students' LMS identities (see ``exports``) for canvas-grades.csv and moodle-grades.csv.
    shard: grade only this shard's share of the submissions into out, for ``merge`` to join with the
    others' folders (see ``shards``); the class report and the exports are then left to the merge.
    """
    limits = limits or Limits()
    workers = workers or os.cpu_count() or 1
    submissions_root, out = Path(submissions_root).resolve(), Path(out).resolve()
    if not submissions_root.is_dir():
        raise SystemExit(f"error: {submissions_root} is not a folder of submissions")
    if out == submissions_root or submissions_root in out.parents or out in submissions_root.parents:
        raise SystemExit("error: --out must be outside the submissions folder (and not contain it)")
    try:
        students = exports.read_roster(roster) if roster is not None else None
    except exports.RosterError as error:
        raise SystemExit(f"error: {error}")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    (out / "results").mkdir(mode=0o700, exist_ok=True)
    (out / "feedback").mkdir(mode=0o700, exist_ok=True)
    seed = _hidden_seed(out, hidden_seed)
    fingerprint = grader_fingerprint(seed, limits, unconfined)
    titles = worksheet_titles()
    found = subs.discover(submissions_root, WORKSHEET_ITEMS)                 # 1. discover
    feedback_names = _feedback_names(found, titles)   # over every submission: a shard's names are the class's
    if shard is not None:
        shards.write_manifest(out, shard, fingerprint, [s.relative for s in found], feedback_names)
        found = [s for s in found if shard.holds(s.relative)]

    rows: dict[str, dict] = {}
    todo = []
    for submission in found:
        previous = report.load(out / "results" / report.result_name(submission.relative))
        if previous and previous.get("file") == submission.relative and previous.get("grader") == fingerprint \
                and previous.get("sha256") == subs.fingerprint(submission) and previous.get("status") != "grader error":
            rows[submission.relative] = previous
        else:
            todo.append(submission)
    plans: dict[str, Plan] = {}
    plans_lock = threading.Lock()

    def plan_for(worksheet):
        if worksheet not in WORKSHEET_ITEMS:
            return None
        with plans_lock:
            if worksheet not in plans:
                plans[worksheet] = Plan(worksheet, seed)
            return plans[worksheet]

    bar = Progress(len(todo), progress)
    if progress:
        print(f"{len(found)} submissions in {submissions_root}: {len(found) - len(todo)} already graded, "
              f"{len(todo)} to grade with {workers} workers", file=sys.stderr)
    lock = threading.Lock()

    def finish(submission, row):                                             # 4. write
        row["grader"] = fingerprint
        title = titles.get(row["worksheet"], row["worksheet"] or "an unknown worksheet")
        with lock:
            try:
                report.write_submission(out, row, feedback_names[submission.relative], title)
            except (OSError, ValueError) as error:
                row.update(status="grader error", items={}, total=0.0,
                           reason=f"the grader could not write this submission's files: {error}")
            rows[submission.relative] = row
            report.write_tables(out, _ordered(rows, found))
            bar.update(row["status"])

    try:
        sandbox = Sandbox(workers, limits, unconfined) if todo else None
    except SandboxError as error:
        raise SystemExit(f"error: {error}")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(grade_one, s, plan_for, sandbox): s for s in todo}   # 2. run, 3. judge
        for future in concurrent.futures.as_completed(futures):
            finish(futures[future], future.result())
    except (KeyboardInterrupt, Cancelled):
        sandbox.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise SystemExit(f"\ninterrupted: {len(rows)} of {len(found)} graded and saved in {out}; "
                         f"run the same command again to grade the rest")
    finally:
        pool.shutdown(wait=True)
        if sandbox is not None:
            sandbox.close()
    ordered = _ordered(rows, found)
    for submission in found:   # feedback for results reused from an earlier run, in case it was deleted
        target = out / "feedback" / (feedback_names[submission.relative] + ".txt")
        row = rows[submission.relative]
        if not target.exists() and row["status"] != "grader error":
            try:
                report.write_submission(out, row, feedback_names[submission.relative],
                                        titles.get(row["worksheet"], row["worksheet"]))
            except OSError:
                pass
    report.write_tables(out, ordered)
    if shard is None:
        write_class_files(out, ordered, students, titles)
    return ordered


def write_class_files(out: Path, rows: list[dict], roster, titles: dict[str, str]) -> None:
    """The class report and the LMS exports, beside grades.csv; a failure is a warning, never lost grades."""
    matching = exports.match(rows, roster)
    for what, write in (("the class report", lambda: class_report.write(out, rows, titles, matching)),
                        ("the Canvas and Moodle exports", lambda: exports.write_exports(out, rows, matching, titles))):
        try:
            write()
        except Exception as error:   # grades.csv is already written: say what is missing and go on
            print(f"warning: could not write {what} ({type(error).__name__}: {error}); "
                  f"grades.csv and grades.json are complete", file=sys.stderr)
    for line in exports.roster_lines(matching):
        print(line, file=sys.stderr)


def _ordered(rows: dict, found) -> list[dict]:
    return [rows[s.relative] for s in found if s.relative in rows]


# --- command line -------------------------------------------------------------------------


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["merge"]:   # (a submissions folder called merge is ./merge)
        return shards.main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="course-grade", description="Grade a folder of submitted worksheets safely, in parallel.",
        epilog="Layouts: SUBMISSIONS/<student>/<NN-topic>.ipynb, SUBMISSIONS/<NN-topic>/<student>.ipynb, "
               "or SUBMISSIONS/<student>_<NN-topic>.ipynb. See the README's section for instructors.")
    parser.add_argument("submissions", type=Path, help="the folder of submitted notebooks")
    parser.add_argument("--out", type=Path, required=True,
                        help="where grades.csv, grades.json, feedback/, the class report and the exports go")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="children at a time (default: the number of cores, %(default)s)")
    parser.add_argument("--hidden-seed", type=int, default=None,
                        help="seed of the hidden cases (default: a random one, kept in OUT/hidden-seed)")
    defaults = Limits()
    parser.add_argument("--wall-seconds", type=float, default=defaults.wall_seconds,
                        help="wall-clock limit per submission (default %(default)s)")
    parser.add_argument("--cpu-seconds", type=int, default=defaults.cpu_seconds,
                        help="CPU-time limit per submission (default %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_bytes >> 20,
                        help="address-space limit per submission in MiB (default %(default)s)")
    parser.add_argument(UNCONFINED_FLAG, dest="unconfined", action="store_true",
                        help="grade even where the kernel cannot confine submissions (not Linux, no bubblewrap, "
                             "no user namespaces): every submission then runs with your user's rights and can "
                             "read and change what you can. Only for notebooks you trust.")
    parser.add_argument("--roster", type=Path, default=None,
                        help="a CSV of the students' LMS identities for canvas-grades.csv and moodle-grades.csv: "
                             "a header row with the columns submission (the student's folder or name, as "
                             "grades.csv has it), name, email, canvas_id, sis_user_id, sis_login_id, section, "
                             "moodle_username (only submission is required)")
    parser.add_argument("--shard", default=None, metavar="INDEX/COUNT",
                        help="grade only shard INDEX of COUNT (0-based; in a Kubernetes Indexed Job, "
                             "$JOB_COMPLETION_INDEX/COUNT), with the same --hidden-seed in every shard; then "
                             "'course-grade merge FOLDERS... --out grades' joins the shards' folders")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    shard = None
    if args.shard is not None:
        try:
            shard = shards.Shard.parse(args.shard)
        except ValueError as error:
            parser.error(str(error))
        if args.hidden_seed is None:
            parser.error("--shard needs --hidden-seed: every shard must test the same hidden cases")
    try:
        limits = Limits(wall_seconds=args.wall_seconds, cpu_seconds=args.cpu_seconds,
                        memory_bytes=args.memory_mb << 20)
    except ValueError as error:
        parser.error(str(error))
    if args.unconfined:
        print("warning: grading without the kernel's sandbox: each notebook runs with your rights", file=sys.stderr)
    start = time.monotonic()
    rows = grade(args.submissions, args.out, args.workers, limits, args.hidden_seed, not args.quiet, args.unconfined,
                 args.roster, shard)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing"
    where = (f"Shard {shard.index}/{shard.count} in {args.out}: merge every shard's folder with "
             f"'course-grade merge FOLDERS... --out grades'" if shard else
             f"Grades: {args.out / 'grades.csv'}; class report: {args.out / 'class-report.html'}")
    print(f"{len(rows)} submissions: {summary}. {time.monotonic() - start:.1f} s. {where}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
