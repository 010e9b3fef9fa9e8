"""The repository keeps the promises its README makes: the layout, the pinned
packages (the same in pyproject.toml and environment.yml), and notebooks
committed clean, with a kernel, in valid nbformat."""

import re
import subprocess
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIRS = ("notebooks", "exercises", "solutions")
# pip name -> conda-forge name, where they differ
CONDA_NAMES = {"torch": "pytorch"}


def pyproject_pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {}
    for dep in deps:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([0-9][0-9A-Za-z.+]*)", dep.strip())
        assert match, f"pyproject.toml: {dep!r} is not pinned to one exact version (name==version)"
        pins[match[1].lower()] = match[2]
    return pins


def environment_pins() -> dict[str, str]:
    """conda dependencies of environment.yml as name -> version (build strings dropped)."""
    pins, section = {}, None
    for line in (ROOT / "environment.yml").read_text().splitlines():
        line = line.split("#", 1)[0].rstrip()
        if re.match(r"^[a-z]+:", line):  # a top-level key: name, channels, dependencies
            section = line.split(":", 1)[0]
            continue
        if re.match(r"^\s*- pip:\s*$", line):
            section = "pip"
            continue
        match = re.match(r"^  - ([A-Za-z0-9_.\-]+)(?:=([^=\s]+))?(?:=\S+)?\s*$", line)
        if match and section == "dependencies":
            pins[match[1].lower()] = match[2]
        from_pip = re.match(r"^      - ([A-Za-z0-9_.\-]+)==(\S+)\s*$", line)   # what conda-forge lacks
        if from_pip and section == "pip":
            pins[from_pip[1].lower()] = from_pip[2]
    return pins


def test_every_dependency_is_pinned_and_torch_is_exactly_2_13_0():
    pins = pyproject_pins()
    for name in ("jupyterlab", "numpy", "matplotlib", "ipywidgets", "nbval", "torch", "scikit-learn", "pytest"):
        assert name in pins, f"{name} is missing from pyproject.toml"
    assert pins["torch"] == "2.13.0", "torch must be exactly 2.13.0: any newer release pulls CUDA wheels"


def test_environment_yml_pins_the_same_packages_at_the_same_versions_as_pyproject():
    conda = environment_pins()
    assert conda.pop("python", None) == "3.11"
    assert "pip" in conda and conda.pop("pip") is None
    expected = {CONDA_NAMES.get(name, name): version for name, version in pyproject_pins().items()}
    assert conda == expected


def test_environment_yml_installs_the_cpu_build_of_pytorch_and_course_lib_from_the_repo():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^  - pytorch=2\.13\.0=cpu_\*", text, re.M)
    assert re.search(r"^      - -e \.", text, re.M)
    assert "conda-forge" in text


def tracked_top_level() -> set[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked layout cannot be read")
    return {line.split("/", 1)[0] for line in out.splitlines() if line}


def test_top_level_holds_exactly_the_course_layout():
    allowed = {"notebooks", "course_lib", "exercises", "solutions", "tests", "environment.yml", "pyproject.toml",
               "Makefile", "README.md", "CONTRIBUTING.md", "LICENSE", ".ci", ".gitignore", "benchmarks"}
    required = allowed - {"benchmarks"}
    present = tracked_top_level()
    assert not present - allowed, f"unexpected top-level entries: {sorted(present - allowed)}"
    assert not required - present, f"missing top-level entries: {sorted(required - present)}"


def test_ci_runs_the_readmes_make_test_and_stops_at_the_first_error():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^set -e", ci, re.M) and re.search(r"^make test$", ci, re.M)
    readme_start = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    assert "make lab" in readme_start and "make test" in readme_start


def all_notebooks():
    return sorted(p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.ipynb"))


def check_committed_notebook(path: Path) -> list[str]:
    """What is wrong with a notebook as committed (empty when nothing)."""
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)
    except Exception as error:  # not JSON, or not nbformat
        return [f"not a valid notebook: {error}"]
    problems = []
    kernelspec = nb.metadata.get("kernelspec", {})
    if kernelspec.get("name") != "python3":
        problems.append(f"kernelspec name is {kernelspec.get('name')!r}, not 'python3'")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(f"cell {i} has stored outputs or an execution count")
    return problems


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_valid_clean_and_with_the_python3_kernel(path):
    assert check_committed_notebook(path) == []


def test_the_notebook_check_catches_outputs_a_missing_kernel_and_broken_json(tmp_path):
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    good.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(good, tmp_path / "good.ipynb")
    assert check_committed_notebook(tmp_path / "good.ipynb") == []

    with_output = nbformat.from_dict(good)
    with_output.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    with_output.cells[0].execution_count = 1
    nbformat.write(with_output, tmp_path / "output.ipynb")
    assert check_committed_notebook(tmp_path / "output.ipynb") == ["cell 0 has stored outputs or an execution count"]

    no_kernel = nbformat.from_dict(good)
    del no_kernel.metadata["kernelspec"]
    nbformat.write(no_kernel, tmp_path / "nokernel.ipynb")
    assert "kernelspec" in check_committed_notebook(tmp_path / "nokernel.ipynb")[0]

    (tmp_path / "broken.ipynb").write_text("{not json")
    assert check_committed_notebook(tmp_path / "broken.ipynb")[0].startswith("not a valid notebook")
