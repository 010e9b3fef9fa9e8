"""Grading a very large class on many machines: shards, then one merge.

Grading is stateless per submission, so a class can be split: each of N
workers (e.g. the pods of a Kubernetes Indexed Job, each given its
``JOB_COMPLETION_INDEX``) runs ::

    course-grade SUBMISSIONS --out shard-K --shard K/N --hidden-seed S

over the same submissions folder and the same seed, and grades only the
submissions whose shard is K (a hash of the submission's path, so a shard
keeps its submissions when others are added). Each shard folder holds its
results, its feedback and a manifest, ``shard.json``: which shard it is, the
grader's fingerprint, and every submission of the class in order with its
feedback file's name (chosen over the whole class, so two shards never pick
the same name). Then one command ::

    course-grade merge shard-0 shard-1 ... --out grades [--roster roster.csv]

checks that the shards belong together (same class, same grader and seed,
every shard present once, every submission graded by its shard) and writes
the folder one run over the whole class would have written: results,
feedback, grades.csv, grades.json, the class report and the LMS exports.
A merge that finds a shard missing or unfinished writes nothing and says
which shard to run again (a run again grades only what is missing).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from . import report

MANIFEST = "shard.json"


class MergeError(Exception):
    """The shard folders do not make up one class's grading; the message says what to do."""


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __post_init__(self):
        if not 0 <= self.index < self.count:
            raise ValueError(f"a shard is INDEX/COUNT with 0 <= INDEX < COUNT, got {self.index}/{self.count}")

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, slash, count = text.partition("/")
        if not slash or not index.strip().isdigit() or not count.strip().isdigit():
            raise ValueError(f"--shard takes INDEX/COUNT, e.g. 0/8 for the first of 8 shards, got {text!r}")
        return cls(int(index), int(count))

    def holds(self, relative: str) -> bool:
        return shard_of(relative, self.count) == self.index


def shard_of(relative: str, count: int) -> int:
    """The shard of a submission's path: the same on every machine and in every Python (no hash seed)."""
    return int.from_bytes(hashlib.sha256(relative.encode("utf-8", "surrogateescape")).digest()[:8], "big") % count


def write_manifest(out: Path, shard: Shard, fingerprint: str, relatives: list[str],
                   feedback_names: dict[str, str]) -> None:
    manifest = {"shard": shard.index, "shards": shard.count, "grader": fingerprint,
                "submissions": [{"file": r, "feedback": feedback_names[r]} for r in relatives]}
    report.atomic_write(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not {"shard", "shards", "grader", "submissions"} <= set(manifest):
            raise ValueError("fields are missing")
        return manifest
    except FileNotFoundError:
        raise MergeError(f"{folder} is not a shard's folder (it has no {MANIFEST}): give the folders that "
                         f"'course-grade ... --shard K/N' wrote") from None
    except (OSError, ValueError) as error:
        raise MergeError(f"{folder / MANIFEST} cannot be read ({error}): run that shard again") from None


def _seed(folder: Path) -> str:
    try:
        return (folder / "hidden-seed").read_text().strip()
    except OSError:
        raise MergeError(f"{folder} has no hidden-seed: run that shard again") from None


def collect(folders: list[Path]) -> tuple[dict, str, list[dict], dict[str, bytes]]:
    """The class's manifest, its hidden seed, every submission's row in order, and the feedback files' bytes."""
    if not folders:
        raise MergeError("give the shard folders to merge")
    manifests = [(folder, _read_manifest(folder)) for folder in folders]
    first_folder, first = manifests[0]
    seed = _seed(first_folder)
    by_index: dict[int, Path] = {}
    for folder, manifest in manifests:
        for field, what in (("shards", "a different number of shards"), ("grader", "a different grader or limits"),
                            ("submissions", "a different set of submissions")):
            if manifest[field] != first[field]:
                raise MergeError(f"{folder} was graded with {what} than {first_folder}: grade every shard "
                                 f"with the same course_lib, submissions and --shard K/{first['shards']}")
        if _seed(folder) != seed:
            raise MergeError(f"{folder} was graded with another hidden seed than {first_folder}: "
                             f"give every shard the same --hidden-seed")
        if manifest["shard"] in by_index:
            raise MergeError(f"{by_index[manifest['shard']]} and {folder} are both shard "
                             f"{manifest['shard']}/{first['shards']}: give each shard once")
        by_index[manifest["shard"]] = folder
    missing = sorted(set(range(first["shards"])) - set(by_index))
    if missing:
        raise MergeError(f"shard{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} of "
                         f"{first['shards']} {'are' if len(missing) > 1 else 'is'} missing: run "
                         f"'course-grade SUBMISSIONS --out FOLDER --shard K/{first['shards']}' for each and "
                         f"merge again")
    rows, feedback, unfinished = [], {}, {}
    for entry in first["submissions"]:
        index = shard_of(entry["file"], first["shards"])
        folder = by_index[index]
        row = report.load(folder / "results" / report.result_name(entry["file"]))
        if row is None or row.get("file") != entry["file"] or row.get("grader") != first["grader"]:
            unfinished.setdefault(index, []).append(entry["file"])
            continue
        rows.append(row)
        target = folder / "feedback" / (entry["feedback"] + ".txt")
        if target.exists():
            feedback[entry["feedback"]] = target.read_bytes()
    if unfinished:
        raise MergeError("; ".join(f"shard {index} ({by_index[index]}) has no result for {len(files)} "
                                   f"submission{'s' if len(files) > 1 else ''} (e.g. {files[0]})"
                                   for index, files in sorted(unfinished.items()))
                         + ": it did not finish; run it again with the same command (it grades only what is "
                           "missing) and merge again")
    return first, seed, rows, feedback


def merge(folders: list[Path], out: Path, roster: Path | None = None) -> list[dict]:
    """Write into out what one run over the whole class would have: see the module's docstring."""
    from .batch import worksheet_titles, write_class_files   # batch imports this module
    from . import exports

    folders = [Path(folder).resolve() for folder in folders]
    out = Path(out).resolve()
    if out in folders:
        raise MergeError(f"--out {out} is one of the shards: merge into a new folder")
    try:
        students = exports.read_roster(roster) if roster is not None else None
    except exports.RosterError as error:
        raise MergeError(str(error)) from None
    manifest, seed, rows, feedback = collect(folders)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    (out / "results").mkdir(mode=0o700, exist_ok=True)
    (out / "feedback").mkdir(mode=0o700, exist_ok=True)
    report.atomic_write(out / "hidden-seed", f"{seed}\n")
    for row in rows:
        report.atomic_write(out / "results" / report.result_name(row["file"]), json.dumps(row, default=float))
    for name, data in feedback.items():
        target = out / "feedback" / (name + ".txt")
        target.parent.mkdir(mode=0o700, exist_ok=True)
        report.atomic_write(target, data)
    report.write_tables(out, rows)
    write_class_files(out, rows, students, worksheet_titles())
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="course-grade merge", description="Join the folders of a class graded in shards into one.",
        epilog="Each folder comes from 'course-grade SUBMISSIONS --out FOLDER --shard K/N --hidden-seed S'.")
    parser.add_argument("shards", type=Path, nargs="+", help="the shards' output folders, all of them")
    parser.add_argument("--out", type=Path, required=True,
                        help="the merged folder: grades.csv, grades.json, feedback/, the class report, the exports")
    parser.add_argument("--roster", type=Path, default=None, help="as for course-grade: the LMS identities")
    args = parser.parse_args(argv)
    try:
        rows = merge(args.shards, args.out, args.roster)
    except MergeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(rows)} submissions from {len(args.shards)} shards. Grades: {args.out / 'grades.csv'}; "
          f"class report: {args.out / 'class-report.html'}", file=sys.stderr)
    return 0
