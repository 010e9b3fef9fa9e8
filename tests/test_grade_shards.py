"""A class graded in shards and merged gives the files one run gives (course_lib/grade/shards.py).

A small class (correct, wrong, honest-but-unusual, unreadable and unknown
notebooks) is graded twice in its own sandbox: once as one run, once as three
shards merged. Every file of the merged folder must equal the one run's, byte
for byte, except the seconds each submission took to grade, which no two runs
share. Then the merge's refusals: a shard missing, given twice, from another
seed, or cut off before it finished.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from course_lib.grade import grade
from course_lib.grade.batch import main as grade_main
from course_lib.grade.shards import MergeError, Shard, merge, shard_of

import grade_corpus
import test_sandbox
from test_grade import HIDDEN_SEED, LIMITS, WORKERS

pytestmark = test_sandbox.needs_sandbox
SHARDS = 3


def _class(folder: Path) -> list[str]:
    entries = [("c01_correct/" + grade_corpus.WORKSHEET_FILE, grade_corpus.SOLUTION.read_bytes(), None)]
    for k, (mistake, source) in enumerate(list(grade_corpus.MISTAKE_SOURCES.items())[:3]):
        entries.append((f"m{k}_{mistake.split()[0]}/{grade_corpus.WORKSHEET_FILE}",
                        grade_corpus.notebook({"adam_step": source}), None))
    entries += [(path, content, None) for path, (content, _) in list(grade_corpus.HONEST.items())[:2]]
    entries += [("u1_junk/" + grade_corpus.WORKSHEET_FILE, b"\x00 not a notebook", None),
                ("u2_unknown/notes.ipynb", grade_corpus.notebook(), None)]
    return list(grade_corpus._write(folder, entries))


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under folder by its relative path; results and grades.json without the seconds."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        if relative.startswith("results/"):
            row = json.loads(data)
            row.pop("seconds")
            data = json.dumps(row, sort_keys=True).encode()
        elif relative == "grades.json":
            rows = json.loads(data)["rows"]
            for row in rows:
                row.pop("seconds")
            data = json.dumps(rows, sort_keys=True).encode()
        files[relative] = data
    return files


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("shards")
    submissions = base / "submissions"
    paths = _class(submissions)
    one = grade(submissions, base / "one", workers=WORKERS, limits=LIMITS, hidden_seed=HIDDEN_SEED, progress=False)
    shards = [base / f"shard-{k}" for k in range(SHARDS)]
    shard_rows = [grade(submissions, folder, workers=WORKERS, limits=LIMITS, hidden_seed=HIDDEN_SEED,
                        progress=False, shard=Shard(k, SHARDS)) for k, folder in enumerate(shards)]
    merged = merge(shards, base / "merged")
    return SimpleNamespace(base=base, submissions=submissions, paths=paths, one=one, shards=shards,
                           shard_rows=shard_rows, merged=merged)


def test_the_class_spreads_over_the_shards_and_has_every_status(graded):
    assert sorted(len(rows) for rows in graded.shard_rows) != [0, 0, len(graded.paths)], "one shard got everything"
    assert sum(len(rows) for rows in graded.shard_rows) == len(graded.paths)
    for k, rows in enumerate(graded.shard_rows):
        assert all(shard_of(row["file"], SHARDS) == k for row in rows)
    assert {row["status"] for row in graded.one} == {"graded", "unreadable", "unknown worksheet"}
    assert len({row["total"] for row in graded.one if row["status"] == "graded"}) > 1


def test_a_shard_writes_no_class_report_and_no_exports(graded):
    for folder in graded.shards:
        assert (folder / "shard.json").exists() and (folder / "grades.csv").exists()
        assert not list(folder.glob("class-report*")) and not list(folder.glob("*-grades.csv"))


def test_merged_shards_give_the_files_of_one_run(graded):
    one, merged = _files(graded.base / "one"), _files(graded.base / "merged")
    assert sorted(merged) == sorted(one)
    assert {"grades.csv", "grades.json", "class-report.html", "canvas-grades.csv", "moodle-grades.csv"} <= set(one)
    assert [name for name in one if one[name] != merged[name]] == []
    assert [row["file"] for row in graded.merged] == [row["file"] for row in graded.one]


def test_the_merged_folder_resumes_as_one_run_would(graded):
    """The merged folder is a normal output folder: grading the class into it again grades nothing."""
    before = _files(graded.base / "merged")
    rows = grade(graded.submissions, graded.base / "merged", workers=WORKERS, limits=LIMITS,
                 hidden_seed=HIDDEN_SEED, progress=False)
    assert [row["seconds"] for row in rows] == [row["seconds"] for row in graded.merged]
    assert _files(graded.base / "merged") == before


def _copy(graded, name: str) -> list[Path]:
    copies = []
    for folder in graded.shards:
        copy = graded.base / name / folder.name
        shutil.copytree(folder, copy)
        copies.append(copy)
    return copies


def test_a_missing_shard_is_named_and_nothing_is_written(graded):
    with pytest.raises(MergeError, match=r"shard 1 of 3 is missing"):
        merge([graded.shards[0], graded.shards[2]], graded.base / "missing")
    assert not (graded.base / "missing").exists()


def test_a_shard_given_twice_is_refused(graded):
    with pytest.raises(MergeError, match=r"both shard 0/3"):
        merge([graded.shards[0], graded.shards[0], graded.shards[1], graded.shards[2]], graded.base / "twice")


def test_a_shard_with_another_seed_is_refused(graded):
    copies = _copy(graded, "seeds")
    (copies[2] / "hidden-seed").write_text("12345\n")
    with pytest.raises(MergeError, match="another hidden seed"):
        merge(copies, graded.base / "seeds-out")


def test_an_unfinished_shard_is_named_with_what_to_do(graded):
    copies = _copy(graded, "cut")
    fullest = max(range(SHARDS), key=lambda k: len(graded.shard_rows[k]))
    next(iter((copies[fullest] / "results").glob("*.json"))).unlink()
    with pytest.raises(MergeError, match=rf"shard {fullest} .* has no result for 1 submission .* run it again"):
        merge(copies, graded.base / "cut-out")
    assert not (graded.base / "cut-out").exists()


def test_a_folder_that_is_not_a_shard_is_refused(graded):
    with pytest.raises(MergeError, match="not a shard's folder"):
        merge([graded.base / "one"], graded.base / "not-out")


def test_the_command_line_refuses_a_shard_without_a_seed_and_a_bad_shard(graded, capsys):
    for arguments, needle in ((["--shard", "0/3"], "--shard needs --hidden-seed"),
                              (["--shard", "3/3", "--hidden-seed", "1"], "0 <= INDEX < COUNT"),
                              (["--shard", "first", "--hidden-seed", "1"], "INDEX/COUNT")):
        with pytest.raises(SystemExit) as stop:
            grade_main([str(graded.submissions), "--out", str(graded.base / "cli"), *arguments])
        assert stop.value.code == 2 and needle in capsys.readouterr().err
    assert grade_main(["merge", str(graded.shards[0]), "--out", str(graded.base / "cli-merge")]) == 1
    assert "missing" in capsys.readouterr().err


def test_shards_do_not_depend_on_pythons_hash_seed():
    """Pods are separate Pythons: the same path must fall in the same shard in every one."""
    names = [f"student{k}/05-adam.ipynb" for k in range(200)] + ["zoë/05-adam.ipynb", "bob_05.ipynb"]
    program = ("import json, sys; from course_lib.grade.shards import shard_of; "
               "print(json.dumps([shard_of(n, 8) for n in json.load(sys.stdin)]))")
    runs = [json.loads(subprocess.run([sys.executable, "-c", program], input=json.dumps(names), text=True,
                                      capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
                                      ).stdout) for seed in ("1", "2")]
    assert runs[0] == runs[1] == [shard_of(name, 8) for name in names]
    assert set(runs[0]) == set(range(8))   # and they spread over every shard
