"""Every check's cases reach every branch of its reference, in every dtype group, and they catch the
wrong answers that hide in a branch no case used to reach.

A check is only as good as its cases: a student's function is compared with the reference on them,
so a branch of the reference that no case takes is code nobody's answer is compared on. Here each
item's reference runs on its own cases (the worksheet's, seed 0 as the notebook uses them, and the
batch grader's hidden ones, seed ``SEED``) under coverage.py's branch coverage, once per dtype group
of a step item (the float32 cases alone, the float64 cases alone: a dtype leak that only one branch
makes is caught only if the float32 cases reach that branch) and once for a value item's cases.

What is measured: the reference function's own lines, and every function it calls, directly or not,
that lives in course_lib's optimizers, checks, schedules, landscapes or hyperparameter validation
(found by watching the calls the reference makes). Three kinds of code are left out, by rule, and only these:

- guard clauses, an ``if`` whose block ends in ``raise``: they reject invalid input, which no case
  is (test_optim_contract.py and the other library tests exercise them);
- parameter trees, an ``if isinstance(x, dict):`` block: course_lib's optimizers also take a dict of
  arrays (a model's weights), and no worksheet contract does;
- the branches listed in ``FIXED_BY_THE_REFERENCE``: course_lib's optimizers have options (torch's
  ``maximize``, Adam's ``weight_decay`` and ``amsgrad``, SGD's momentum in Lookahead, ...) that an
  item's reference fixes, so no case of that item can take the other way; each entry says why.

The last tests are mutations: wrong answers that used to pass because no case reached where they are
wrong (RAdam rectifying from t > 5 instead of rho_t > 5, a float32 answer turned float64 only in
RAdam's rectified branch or at Lookahead's synchronisation, a trust ratio clipped at 10). Each must
now fail its check.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import coverage   # pinned in pyproject.toml and environment.yml
import numpy as np
import pytest

if coverage.Coverage.current() is not None:   # one measurement at a time: coverage.py runs one tracer
    pytest.skip("the tests already run under coverage.py", allow_module_level=True)

from course_lib.checks import ITEMS, Expected, StepItem, cases_for, check  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COURSE_LIB = ROOT / "course_lib"
# Where the functions a reference calls are measured: the reference's own module (checks) and the
# library code it stands on.
MEASURED = (COURSE_LIB / "optim", COURSE_LIB / "checks", COURSE_LIB / "schedules.py", COURSE_LIB / "landscapes.py",
            COURSE_LIB / "validation.py")
SEED = 12345  # the hidden cases' seed

# Branches of course_lib code that an item's reference cannot take, because the reference fixes what
# they test. Item ("*": every item) -> {(file under course_lib, the `if` line as written): (the block
# no case can enter, "body" or "else", and why)}.
FIXED_BY_THE_REFERENCE: dict[str, dict[tuple[str, str], tuple[str, str] | None]] = {
    "*": {
        ("optim/_base.py", 'if getattr(self, "maximize", False):'):
            ("body", "no worksheet's step has torch's maximize flag: the references leave it off"),
        **{(f"optim/{module}.py", "if self.weight_decay != 0:"):
           ("body", "only adamw_step has weight decay: the other references leave it at 0")
           for module in ("sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "radam")},
        ("optim/adam.py", "if self.amsgrad:"): ("body", "only amsgrad_step and the counterexample's AMSGrad keep v_max"),
    },
    "rmsprop_step": {
        ("optim/rmsprop.py", "if self.centered:"): ("body", "the worksheet's RMSProp is not the centered variant"),
        ("optim/rmsprop.py", "if self.momentum > 0:"): ("body", "the worksheet's RMSProp has no momentum"),
    },
    "amsgrad_step": {
        ("optim/adam.py", "if self.amsgrad:"): ("else", "amsgrad_step is AMSGrad: amsgrad is always on"),
    },
    "adamw_step": {
        ("optim/adam.py", "if self.weight_decay != 0:"): None,   # varied, 0 included: both ways count
        ("optim/adam.py", "if self.decoupled_weight_decay:"):
            ("else", "AdamW's decay is always decoupled (Adam's L2 decay is another algorithm)"),
    },
    "sgd_step": {
        ("optim/sgd.py", "if self.momentum != 0:"): ("body", "sgd_step is plain SGD: no momentum"),
    },
    "momentum_step": {
        ("optim/sgd.py", "if self.momentum != 0:"):
            ("else", "the worksheet's momentum is > 0; with momentum 0 torch keeps no buffer at all, "
                     "where the worksheet's state would hold b = g (momentum 0 is sgd_step, worksheet 01)"),
    },
    "nesterov_step": {
        ("optim/sgd.py", "if self.momentum != 0:"):
            ("else", "the worksheet's momentum is > 0; with momentum 0 torch keeps no buffer at all, "
                     "where the worksheet's state would hold b = g (momentum 0 is sgd_step, worksheet 01)"),
    },
    "lookahead_step": {
        ("optim/sgd.py", "if self.momentum != 0:"): ("body", "Lookahead's inner optimizer is plain SGD: no momentum"),
    },
    "counterexample_final_x": {
        ("optim/adam.py", "if self.amsgrad:"): None,   # Adam and AMSGrad both: both ways count
        ("landscapes.py", "if lr is not None:"): ("body", "the reference passes the schedule lr / sqrt(t), not a constant lr"),
        ("landscapes.py", "if schedule is not None:"): ("else", "the reference always passes a schedule"),
    },
}


# --- which lines and branches count ----------------------------------------------------------------


@dataclass(frozen=True)
class LeftOut:
    """What the rules leave out of one file: lines, branch arcs (from, to), and the `if` lines that
    no case leaves but into their body ({if line: first line of its body})."""

    lines: frozenset
    arcs: frozenset
    body_only: dict


def _block_lines(block) -> set[int]:
    return set(range(block[0].lineno, block[-1].end_lineno + 1)) if block else set()


def _if_line(text: str) -> str:
    """An `if` line in one spelling (quotes, spaces and comments aside)."""
    return "if " + ast.unparse(ast.parse(text.strip() + "\n    pass").body[0].test) + ":"


def _left_out(path: Path, fixed: dict) -> LeftOut:
    """The guard clauses and parameter-tree blocks of a file, and the blocks ``fixed`` names in it:
    fixed maps the stripped source of an `if` line to "body" or "else"."""
    source = path.read_text()
    fixed = {_if_line(line): block for line, block in fixed.items()}
    lines, arcs, body_only, found = set(), set(), {}, set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.If):
            continue
        body_start = node.body[0].lineno
        skip = []   # the blocks of this `if` that no case enters
        for block in (node.body, node.orelse):
            if block and isinstance(block[-1], ast.Raise):
                skip.append(block)
        test = node.test
        if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
                and len(test.args) == 2 and isinstance(test.args[1], ast.Name) and test.args[1].id == "dict"):
            skip.append(node.body)
        written = _if_line(f"if {ast.unparse(node.test)}:")
        if written in fixed:
            found.add(written)
            skip.append(node.body if fixed[written] == "body" else node.orelse)
            if fixed[written] == "else":   # no case leaves the `if` by any way but its body
                body_only[node.lineno] = body_start
        for block in skip:
            lines |= _block_lines(block)
            if block:
                arcs.add((node.lineno, block[0].lineno))
    missing = set(fixed) - found
    assert not missing, f"FIXED_BY_THE_REFERENCE names `if` lines that {path} does not have: {sorted(missing)}"
    return LeftOut(frozenset(lines), frozenset(arcs), body_only)


def _is_left_out(arc, left_out: LeftOut) -> bool:
    source, destination = arc
    if source in left_out.lines or destination in left_out.lines or (source, destination) in left_out.arcs:
        return True
    return source in left_out.body_only and destination != left_out.body_only[source]


def _measured_file(filename: str) -> Path | None:
    path = Path(filename).resolve()
    for place in MEASURED:
        if path == place or place in path.parents:
            return path
    return None


@dataclass
class FunctionCoverage:
    name: str                # "course_lib/optim/radam.py: RAdam.update_one"
    statements: int
    branches: int            # branch exits: a line with two ways out counts two
    missing_lines: list
    missing_branches: list   # [from line, to line] (a negative line: the function's exit)
    left_out_but_run: list   # lines or arcs the rules leave out that a case ran: a rule that is wrong

    @property
    def covered(self) -> int:
        return self.statements + self.branches - len(self.missing_lines) - len(self.missing_branches)

    @property
    def total(self) -> int:
        return self.statements + self.branches


def _fixed_for(name: str) -> dict[str, dict[str, str]]:
    """FIXED_BY_THE_REFERENCE for one item, as {file: {if line: block}}."""
    out: dict[str, dict[str, str]] = {}
    for key in ("*", name):
        for (file, written), fixed in FIXED_BY_THE_REFERENCE.get(key, {}).items():
            blocks = out.setdefault(str(COURSE_LIB / file), {})
            if fixed is None:
                blocks.pop(written, None)
            else:
                blocks[written] = fixed[0]
    return out


def _region(functions: dict, code) -> dict | None:
    """coverage.py's region of a function's code object (the JSON report's "functions": qualified names
    without <locals>, "@line" added to a repeated name). A lambda or comprehension has none: its lines
    belong to the function that defines it, which ran too."""
    if code.co_name.startswith("<"):
        return None
    name = code.co_qualname.replace(".<locals>", "")
    candidates = [region for key, region in functions.items()
                  if key.split("@")[0] == name and region["start_line"] >= code.co_firstlineno]
    return min(candidates, key=lambda region: region["start_line"]) if candidates else None


def _report(cov, files) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "coverage.json"
        cov.json_report(morfs=sorted(map(str, files)), outfile=str(out))
        return {(ROOT / name).resolve(): data for name, data in json.loads(out.read_text())["files"].items()}


def measure(item, cases) -> list[FunctionCoverage]:
    """Run the item's reference on ``cases`` under branch coverage; the coverage of the reference and of
    every course_lib function it called, directly or not (the rules above applied)."""
    called = set()

    def watch(frame, event, arg):
        if event == "call":
            called.add(frame.f_code)

    reference = item.reference

    def watched_reference(*args, **kwargs):
        previous = sys.getprofile()
        sys.setprofile(watch)
        try:
            return reference(*args, **kwargs)
        finally:
            sys.setprofile(previous)

    include = [str(place / "*") if place.is_dir() else str(place) for place in MEASURED]
    cov = coverage.Coverage(branch=True, include=include, data_file=None, config_file=False)
    cov.start()
    try:
        Expected(dataclasses.replace(item, reference=watched_reference), cases).reference()
    finally:
        cov.stop()
    called = {code for code in called | {reference.__code__} if _measured_file(code.co_filename)}
    report = _report(cov, {_measured_file(code.co_filename) for code in called})
    fixed = _fixed_for(item.name)
    rules = {path: _left_out(path, fixed.get(str(path), {})) for path in report}

    results, seen = [], set()
    for code in called:
        path = _measured_file(code.co_filename)
        region = _region(report[path]["functions"], code)
        if region is None or (path, region["start_line"]) in seen:
            continue
        seen.add((path, region["start_line"]))
        left_out = rules[path]
        executed, missing = set(region["executed_lines"]), set(region["missing_lines"])
        executed_arcs = [tuple(arc) for arc in region["executed_branches"]]
        missing_arcs = [tuple(arc) for arc in region["missing_branches"]]
        arcs = [arc for arc in executed_arcs + missing_arcs if not _is_left_out(arc, left_out)]
        exits: dict[int, int] = {}
        for source, _ in arcs:
            exits[source] = exits.get(source, 0) + 1
        branch_arcs = {arc for arc in arcs if exits[arc[0]] > 1}   # a line left one way out is no branch
        results.append(FunctionCoverage(
            name=f"{path.relative_to(ROOT)}: {code.co_qualname.replace('.<locals>', '')}",
            statements=len((executed | missing) - left_out.lines),
            branches=len(branch_arcs),
            missing_lines=sorted(missing - left_out.lines),
            missing_branches=sorted(arc for arc in missing_arcs if arc in branch_arcs),
            left_out_but_run=sorted(executed & left_out.lines) + [arc for arc in executed_arcs
                                                                  if _is_left_out(arc, left_out)]))
    return sorted(results, key=lambda f: f.name)


def dtype_groups(item) -> dict[str, list]:
    """The item's cases (the worksheet's and the hidden ones), by dtype for a step item, all together for
    a value item."""
    cases = cases_for(item, 0) + cases_for(item, SEED, hidden=True)
    if not isinstance(item, StepItem):
        return {"value cases": cases}
    groups: dict[str, list] = {}
    for case in cases:
        groups.setdefault(f"{case.param.dtype} cases", []).append(case)
    return groups


@lru_cache(maxsize=None)
def coverage_of(name: str) -> dict[str, list[FunctionCoverage]]:
    item = ITEMS[name]
    return {group: measure(item, cases) for group, cases in dtype_groups(item).items()}


def percent(functions: list[FunctionCoverage]) -> float:
    total = sum(f.total for f in functions)
    return 100.0 * sum(f.covered for f in functions) / total if total else 100.0


def _source_line(name: str, line: int) -> str:
    path = ROOT / name.split(":")[0]
    return path.read_text().splitlines()[abs(line) - 1].strip() if line else ""


def describe(functions: list[FunctionCoverage]) -> str:
    lines = []
    for f in functions:
        if not (f.missing_lines or f.missing_branches):
            continue
        lines.append(f"  {f.name}: {f.covered} of {f.total} statements and branch exits")
        for line in f.missing_lines:
            lines.append(f"    line {line} never runs: {_source_line(f.name, line)}")
        for source, destination in f.missing_branches:
            where = "the function's exit" if destination < 0 else f"line {destination}"
            lines.append(f"    line {source} never jumps to {where}: {_source_line(f.name, source)}")
    return "\n".join(lines)


# --- the coverage tests ---------------------------------------------------------------------------------


ITEM_NAMES = sorted(ITEMS)


@pytest.mark.parametrize("name", ITEM_NAMES)
def test_every_branch_of_the_reference_is_reached_by_every_dtype_group(name):
    results = coverage_of(name)
    assert set(results) in ({"value cases"}, {"float64 cases", "float32 cases"}), \
        f"{name}: every step item has float64 and float32 cases; it has {sorted(results)}"
    short = {group: functions for group, functions in results.items() if percent(functions) < 100.0}
    assert not short, f"{name}: the reference's branch coverage over its own cases is below 100 %:\n" + "\n".join(
        f"{group}: {percent(functions):.1f} %\n{describe(functions)}" for group, functions in short.items())


@pytest.mark.parametrize("name", ITEM_NAMES)
def test_the_measurement_sees_the_reference_itself(name):
    """The reference's own body is always measured (else a 100 % would mean nothing)."""
    reference = ITEMS[name].reference
    for group, functions in coverage_of(name).items():
        names = {f.name.split(": ", 1)[1] for f in functions}
        assert reference.__qualname__.replace(".<locals>", "") in names, (name, group, sorted(names))


@pytest.mark.parametrize("name", ITEM_NAMES)
def test_the_rules_leave_out_only_code_that_no_case_runs(name):
    """A guard, a parameter tree or a fixed branch that some case does run is not what the rule says it is."""
    ran = {group: [(f.name, f.left_out_but_run) for f in functions if f.left_out_but_run]
           for group, functions in coverage_of(name).items()}
    assert not any(ran.values()), f"{name}: the rules leave out code its cases run: {ran}"


def test_the_measurement_follows_the_reference_into_course_lib():
    """The branches that matter are in the library the references call, not in the references' bodies."""
    expected = {"radam_step": {"course_lib/optim/radam.py: RAdam.update_one", "course_lib/optim/radam.py: rho_t",
                               "course_lib/optim/radam.py: rectification"},
                "lookahead_step": {"course_lib/optim/lookahead.py: Lookahead.step",
                                   "course_lib/optim/sgd.py: SGD.update_one"},
                "trust_ratio": {"course_lib/optim/lamb.py: trust_ratio"},
                "warmup_cosine": {"course_lib/schedules.py: WarmupCosineLR.lr"},
                "swats_lr": {"course_lib/checks/ws11_schedules_and_switching.py: _dot"},
                "counterexample_final_x": {"course_lib/landscapes.py: ReddiOnlineProblem.run"}}
    for name, functions in expected.items():
        measured = {f.name for group in coverage_of(name).values() for f in group}
        assert functions <= measured, (name, sorted(measured))


def test_fixed_by_the_reference_names_only_items_that_exist():
    assert set(FIXED_BY_THE_REFERENCE) - {"*"} <= set(ITEMS)


def test_the_rules_leave_out_only_guards_trees_and_the_fixed_branches():
    """The rules themselves, on one file: RAdam.update_one keeps its rectified and unrectified branches,
    loses only the weight decay it never has."""
    path = COURSE_LIB / "optim" / "radam.py"
    rules = _left_out(path, {"if self.weight_decay != 0:": "body"})
    text = path.read_text().splitlines()
    left = {text[line - 1].strip() for line in rules.lines}
    assert any("decoupled_weight_decay" in line for line in left)
    assert not any("rectification(beta2, t)" in line or "self.lr * m_hat" in line for line in left)


# --- mutations that hid where no case reached --------------------------------------------------------------


def _radam(theta, g, state, lr, beta1, beta2, eps, rectified_when, rectified_dtype=None):
    """RAdam written out as a student would (torch's form), with the test for rectification and the dtype
    of the rectified step as knobs."""
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    rho_inf = 2 / (1 - beta2) - 1
    rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    if rectified_when(t, rho):
        r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        l_t = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
        if rectified_dtype is not None:
            r = rectified_dtype(r)   # np.float64(r): a NumPy float64 scalar turns a float32 product float64
        new_theta = theta - lr * r * m_hat * l_t
    else:
        new_theta = theta - lr * m_hat
    return new_theta, {"t": t, "m": m, "v": v}


def test_the_written_out_radam_is_right_so_that_its_mutations_fail_for_their_own_reason():
    def student(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _radam(theta, g, state, lr, beta1, beta2, eps, rectified_when=lambda t, rho: rho > 5)
    assert check("radam_step", student).passed


def test_radam_rectifying_from_t_above_5_instead_of_rho_t_above_5_fails():
    def student(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _radam(theta, g, state, lr, beta1, beta2, eps, rectified_when=lambda t, rho: t > 5)
    result = check("radam_step", student)
    assert result.status == "failed", result.report()


def test_radam_turning_float32_into_float64_only_in_the_rectified_branch_fails():
    def student(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _radam(theta, g, state, lr, beta1, beta2, eps, rectified_when=lambda t, rho: rho > 5,
                      rectified_dtype=np.float64)
    result = check("radam_step", student)
    assert result.status == "failed", result.report()
    _only_groups_with_float32_cases_fail("radam_step", result)


def _only_groups_with_float32_cases_fail(name, result):
    """A leak of float64 into float32 fails only groups that hold float32 cases (it is not another mistake)."""
    float32_groups = {case.group for case in cases_for(ITEMS[name], 0) if case.param.dtype == np.float32}
    failed = {group for group, ok in result.groups.items() if not ok}
    assert failed and failed <= float32_groups, (failed, float32_groups)


def _lookahead(theta, g, state, lr, k, slow_lr, sync_dtype=None):
    """Lookahead with SGD inside, as a student would write it; sync_dtype: what the synchronisation casts to."""
    t = state["t"] + 1
    fast, slow = theta - lr * g, state["slow"]
    if t % k == 0:
        slow = slow + slow_lr * (fast - slow)
        if sync_dtype is not None:
            slow = slow.astype(sync_dtype)   # e.g. a float64 buffer from np.array(..., dtype=float)
        fast = slow.copy()
    return fast, {"t": t, "slow": slow}


def test_the_written_out_lookahead_is_right_so_that_its_mutation_fails_for_its_own_reason():
    def student(theta, g, state, lr=0.1, k=5, slow_lr=0.5):
        return _lookahead(theta, g, state, lr, k, slow_lr)
    assert check("lookahead_step", student).passed


def test_lookahead_turning_float32_into_float64_only_at_the_synchronisation_fails():
    def student(theta, g, state, lr=0.1, k=5, slow_lr=0.5):
        return _lookahead(theta, g, state, lr, k, slow_lr, sync_dtype=np.float64)
    result = check("lookahead_step", student)
    assert result.status == "failed", result.report()
    _only_groups_with_float32_cases_fail("lookahead_step", result)


def test_a_trust_ratio_clipped_at_10_fails():
    def student(weight_norm, update_norm):
        if weight_norm == 0 or update_norm == 0:
            return 1.0
        return min(weight_norm / update_norm, 10.0)
    result = check("trust_ratio", student)
    assert result.status == "failed", result.report()


def test_the_mutations_are_caught_by_the_hidden_cases_too():
    """The batch grader's hidden cases catch the same mutations (they are drawn, not copied)."""
    from course_lib.checks import judge
    from course_lib.checks._runner import run_student

    def radam_t(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _radam(theta, g, state, lr, beta1, beta2, eps, rectified_when=lambda t, rho: t > 5)

    def radam_leak(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _radam(theta, g, state, lr, beta1, beta2, eps, rectified_when=lambda t, rho: rho > 5,
                      rectified_dtype=np.float64)

    def lookahead_leak(theta, g, state, lr=0.1, k=5, slow_lr=0.5):
        return _lookahead(theta, g, state, lr, k, slow_lr, sync_dtype=np.float64)

    def trust_clipped(weight_norm, update_norm):
        return 1.0 if weight_norm == 0 or update_norm == 0 else min(weight_norm / update_norm, 10.0)

    for name, student in (("radam_step", radam_t), ("radam_step", radam_leak), ("lookahead_step", lookahead_leak),
                          ("trust_ratio", trust_clipped)):
        item = ITEMS[name]
        for seed in (1, 2, SEED):
            cases = cases_for(item, seed, hidden=True)
            result = judge(item, Expected(item, cases), run_student(item.kind, student, cases, name))
            assert result.status == "failed", f"{name}, hidden seed {seed}: {student.__name__} passes"


if __name__ == "__main__":   # a table of every item's coverage: python tests/test_reference_coverage.py [names]
    for item_name in sys.argv[1:] or ITEM_NAMES:
        for group, functions in coverage_of(item_name).items():
            print(f"{item_name:24s} {group:14s} {percent(functions):6.1f} %  ({len(functions)} functions)")
            if percent(functions) < 100.0:
                print(describe(functions))
