"""The grader's sandbox itself: that the kernel can build it here, that the grader refuses to grade
without it unless told (with a flag that names the risk), and that it works wherever the course is.

What a hostile submission can and cannot do inside it is tested end to end by the corpus
(tests/test_grade.py, tests/grade_corpus.py).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.grade import Limits, grade, kernel_sandbox_problem
from course_lib.grade import sandbox as sandbox_module
from course_lib.grade.batch import UNCONFINED_FLAG

REPO = Path(__file__).resolve().parent.parent
SOLUTION = REPO / "solutions" / "05-adam.ipynb"
PROBLEM = kernel_sandbox_problem()
needs_sandbox = pytest.mark.skipif(PROBLEM is not None and not os.environ.get("CI"),
                                   reason=f"no kernel sandbox on this machine: {PROBLEM}")


def test_ci_has_the_kernel_sandbox():
    """In CI the hostile corpus must run inside the real sandbox, never skip or fall back."""
    if not os.environ.get("CI"):
        pytest.skip("only CI must have it; elsewhere the grader's tests skip with the reason")
    assert PROBLEM is None


def test_without_the_kernel_the_grader_refuses_and_says_how_to_go_on(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox_module, "_which", lambda name: None)   # as on a machine without bubblewrap
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    shutil.copy(SOLUTION, tmp_path / "subs" / "alice" / SOLUTION.name)
    with pytest.raises(SystemExit) as refused:
        grade(tmp_path / "subs", tmp_path / "out", workers=1, hidden_seed=1, progress=False)
    message = str(refused.value)
    assert "cannot confine submissions" in message and "bwrap" in message
    assert UNCONFINED_FLAG in message and "Linux VM" in message
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_command_line_names_the_risk_of_grading_unconfined():
    result = subprocess.run([sys.executable, "-m", "course_lib.grade", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert UNCONFINED_FLAG in result.stdout and "read and change what you can" in " ".join(result.stdout.split())


@needs_sandbox
def test_the_course_can_live_in_a_folder_only_its_owner_can_enter(tmp_path):
    """A clone in a 0700 folder (mktemp -d, /root): the grader, run from there, still grades."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    shutil.copytree(REPO / "course_lib", private / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(REPO / "exercises", private / "exercises")
    (private / "subs" / "alice").mkdir(parents=True)
    shutil.copy(SOLUTION, private / "subs" / "alice" / SOLUTION.name)
    os.chmod(private, stat.S_IRWXU)
    code = ("import sys; from pathlib import Path; from course_lib.grade import grade; "
            "rows = grade(Path(sys.argv[1]), Path(sys.argv[2]), workers=1, hidden_seed=3, progress=False); "
            "print(rows[0]['reason']); print(rows[0]['status'], rows[0]['total'], rows[0]['max'])")
    result = subprocess.run([sys.executable, "-c", code, str(private / "subs"), str(private / "out")],
                            cwd=private, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(private)})
    assert result.returncode == 0, result.stderr[-2000:]
    status, total, maximum = result.stdout.split()[-3:]
    assert status == "graded" and float(total) == float(maximum) > 0, result.stdout
    assert json.loads((private / "out" / "grades.json").read_text())["rows"][0]["file"] == "alice/05-adam.ipynb"


@needs_sandbox
def test_a_child_sees_only_the_sandbox(tmp_path):
    """Its file system, its processes, its user: read from inside by a notebook cell."""
    probe = ("import os, json\n"
             "seen = {'root': sorted(os.listdir('/')), 'pids': sorted(p for p in os.listdir('/proc') if p.isdigit()),\n"
             "        'uid': os.getuid(), 'cwd': os.getcwd(), 'writable': [p for p in ('/', '/tmp', '/sandbox', '/sandbox/course', '/dev')\n"
             "        if os.access(p, os.W_OK)], 'home': sorted(os.listdir('.'))}\n"
             "raise RuntimeError('SEEN ' + json.dumps(seen))\n")
    notebook = {"cells": [{"cell_type": "code", "source": probe, "metadata": {}, "outputs": []}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "05-adam.ipynb").write_text(json.dumps(notebook))
    rows = grade(tmp_path / "subs", tmp_path / "out", workers=1, hidden_seed=1, progress=False,
                 limits=Limits(wall_seconds=30))
    message = rows[0]["cells"][0]["message"]
    seen = json.loads(message[message.index("SEEN ") + 5:message.rindex("}") + 1])
    python_root = str(Path(sys.base_prefix).resolve()).split("/")[1]
    assert set(seen["root"]) <= {"sandbox", "usr", "lib", "lib64", "etc", "proc", "dev",
                                 python_root}
    assert len(seen["pids"]) <= 3                    # bubblewrap's init, the fork server, this child
    assert seen["uid"] == sandbox_module.SANDBOX_UID and seen["cwd"] == sandbox_module.WORK_AT
    assert seen["writable"] == [] and seen["home"] == []


@needs_sandbox
def test_a_sandbox_outlives_the_thread_that_started_it():
    """bubblewrap's --die-with-parent follows the starting *thread*: a sandbox started from a thread that
    then ended was killed under the grader's feet (a 'grader error' row for an honest notebook)."""
    import threading
    import time
    started = {}
    thread = threading.Thread(target=lambda: started.update(sandbox=sandbox_module.Sandbox(1, Limits())))
    thread.start()
    thread.join()
    time.sleep(0.5)
    with started["sandbox"] as sandbox:
        server = sandbox._servers[0, False]
        first = server.process
        assert first.poll() is None, "the sandbox died with the thread that started it"
        report = sandbox.run([{"cell": 1, "source": "x = 1"}], [])
        assert server.process is first         # not restarted behind the scenes
    assert report.stopped is None and not report.grader_error
    assert [event["event"] for event in report.events] == ["ready", "cell start", "cell", "done"]
