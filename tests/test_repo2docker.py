"""What Binder and Zero to JupyterHub would build from this repository, asked of repo2docker itself.

repo2docker (pinned in pyproject.toml's test extra) renders the Dockerfile it would build without
building it (``--no-build``: no container engine is needed). The tests read that Dockerfile:
which configuration files it chose (environment.yml, so the conda build pack, which then skips
pyproject.toml: repo2docker #1265), that the conda environment is installed after the whole
repository is copied in (environment.yml's ``-e .`` installs course_lib from it), in the same
Python as the server, and that no file that would change repo2docker's choice is present.

What cannot be checked here: the image itself. No container registry and no conda-forge
channel are reachable from this machine, so conda's solve, the downloads and the image's start
are not run; the README's instructor section says so.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Files that, if present, make repo2docker build another way or run something more (its docs'
# "Configuration files"): a binder/ or .binder/ folder is read instead of the top level.
OVERRIDES = ("binder", ".binder", "Dockerfile", "Project.toml", "REQUIRE", "install.R", "default.nix", "Pipfile",
             "Pipfile.lock", "requirements.txt", "setup.py", "runtime.txt", "apt.txt", "start")


@pytest.fixture(scope="module")
def dockerfile() -> str:
    pytest.importorskip("repo2docker", reason="repo2docker is in the test extra: make test installs it")
    result = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--no-run", "--user-id", "1000",
                             "--user-name", "jovyan", str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "FROM " in result.stdout, result.stdout[-2000:]
    return result.stdout


def test_repo2docker_is_installed_where_make_test_runs():
    """The fixture above skips without it; make test must never skip it."""
    import importlib.metadata
    assert importlib.metadata.version("jupyter-repo2docker")


def test_it_builds_from_environment_yml_at_the_top_level(dockerfile):
    assert re.search(r'env update -p \$\{NB_PYTHON_PREFIX\} --file "environment\.yml"', dockerfile), dockerfile
    present = [name for name in OVERRIDES if (ROOT / name).exists()]
    assert present == [], f"these would change what repo2docker builds: {present}"


def test_the_environment_is_installed_after_the_repository_is_copied_in(dockerfile):
    """-e . in environment.yml's pip section needs the repository there; repo2docker sees the local
    requirement and moves the install after the copy (instead of before, for caching)."""
    copy = dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    install = dockerfile.index('--file "environment.yml"')
    assert copy < install


def test_course_lib_comes_from_environment_yml_not_from_pyproject():
    text = (ROOT / "environment.yml").read_text()
    pip_section = text.split("- pip:", 1)[1]
    assert re.search(r"^\s+- -e \.\s", pip_section, re.M), "course_lib must be installed by environment.yml"
    postbuild = ROOT / "postBuild"   # repo2docker runs it as a script: without set -e a failed step is ignored
    assert not postbuild.exists() or re.match(r"(#![^\n]*\n)?set -e", postbuild.read_text()), \
        "postBuild must start with set -e"


def test_the_kernel_runs_in_the_servers_python(dockerfile):
    """python=3.11: the server and the kernel share one environment, so the ipywidgets and
    JupyterLab pins of environment.yml are the ones the student's browser talks to."""
    assert re.search(r"^ENV KERNEL_PYTHON_PREFIX=\$\{NB_PYTHON_PREFIX\}$", dockerfile, re.M), \
        [line for line in dockerfile.splitlines() if "PYTHON_PREFIX" in line]
