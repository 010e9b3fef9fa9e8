"""Every worksheet check: the reference passes, each known mistake fails and is
diagnosed as itself, each accepted variant passes and is named, a stub reports
"not attempted", and broken functions are told what is wrong in one line."""

import time

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import ITEMS, StepItem, check

ITEM_NAMES = sorted(ITEMS)
MISTAKES = [(name, m) for name in ITEM_NAMES for m in ITEMS[name].mistakes]


def test_there_are_checks_with_enough_cases():
    assert "adam_step" in ITEMS
    for name, item in ITEMS.items():
        cases = item.cases(np.random.default_rng(0))
        minimum = 20 if isinstance(item, StepItem) else 3
        assert len(cases) >= minimum, f"{name} runs only {len(cases)} cases"


@pytest.mark.parametrize("name", ITEM_NAMES)
def test_the_reference_passes_its_own_check_with_full_points(name):
    result = check(name, ITEMS[name].reference)
    assert result.passed and result.points == result.max_points, result.report()
    assert result.diagnosis is None and result.first_failure is None


@pytest.mark.parametrize("name,mistake", [(n, m) for n, m in MISTAKES if not m.accepted],
                         ids=[f"{n}: {m.name}" for n, m in MISTAKES if not m.accepted])
def test_each_known_mistake_fails_and_is_diagnosed_by_name(name, mistake):
    result = check(name, mistake.function)
    assert result.status == "failed", result.report()
    assert result.points < result.max_points
    assert result.diagnosis is not None and result.diagnosis.startswith(mistake.name), result.report()
    assert result.first_failure  # the report shows the case with inputs, expected and got


@pytest.mark.parametrize("name,mistake", [(n, m) for n, m in MISTAKES if m.accepted],
                         ids=[f"{n}: {m.name}" for n, m in MISTAKES if m.accepted])
def test_each_accepted_variant_passes_and_is_named(name, mistake):
    result = check(name, mistake.function)
    assert result.passed and result.points == result.max_points, result.report()
    assert result.variant is not None and result.variant.startswith(mistake.name)


@pytest.mark.parametrize("name", ITEM_NAMES)
def test_an_untouched_stub_reports_not_attempted_instead_of_a_traceback(name):
    def stub(*args, **kwargs):
        raise NotImplementedError

    result = check(name, stub)
    assert result.status == "not attempted" and result.points == 0
    assert "not attempted yet" in result.report() and "Traceback" not in result.report()


STEP_NAMES = [n for n in ITEM_NAMES if isinstance(ITEMS[n], StepItem)]


def _wrap(name, change):
    reference = ITEMS[name].reference

    def student(theta, g, state, **hyper):
        return change(theta, g, state, reference(theta, g, state, **hyper))
    return student


def _mutating(theta, g, state, result):
    theta *= 1.0  # writes into the caller's array, even if the value stays the same
    theta[...] = result[0]
    return result


BROKEN = {
    "changes its inputs in place": (_mutating, "changed its inputs in place"),
    "returns only the parameter": (lambda p, g, s, r: r[0], "must return (new_theta, new_state)"),
    "returns a list": (lambda p, g, s, r: (r[0].tolist(), r[1]), "must return new_theta as a NumPy array"),
    "returns the wrong shape": (lambda p, g, s, r: (r[0].reshape(-1)[:1], r[1]), "of shape"),
    "returns float64 for float32": (lambda p, g, s, r: (r[0].astype(np.float64), r[1]), "keep the dtype"),
    "returns NaN": (lambda p, g, s, r: (r[0] * np.nan, r[1]), "NaN"),
    "drops the state": (lambda p, g, s, r: (r[0], {}), "new_state has no key"),
    "raises": (lambda p, g, s, r: 1 / 0, "raised ZeroDivisionError"),
}


# "drops the state" only applies to items that keep one (plain SGD keeps nothing)
BROKEN_CASES = [(name, how) for name in STEP_NAMES for how in BROKEN
                if how != "drops the state" or ITEMS[name].state_keys]


@pytest.mark.parametrize("name,how", BROKEN_CASES, ids=[f"{n}-{h}" for n, h in BROKEN_CASES])
def test_a_broken_step_function_is_told_what_is_wrong_in_one_line(name, how):
    change, expected = BROKEN[how]
    result = check(name, _wrap(name, change))
    assert result.status == "failed"
    assert expected in result.report(), result.report()


def test_a_function_that_never_returns_is_stopped_with_a_clear_reason(monkeypatch):
    monkeypatch.setattr(checks._runner, "SECONDS_PER_CALL", 0.2)

    def forever(theta, g, state, **hyper):
        while True:
            pass

    start = time.perf_counter()
    result = check("adam_step", forever)
    assert time.perf_counter() - start < 30
    assert result.status == "failed" and "did not return within" in result.diagnosis


def test_passing_something_that_is_not_a_function_is_explained():
    result = check("adam_step", 3.9)
    assert result.status == "error" and "pass the function itself" in result.diagnosis


def test_an_unknown_check_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="adam_step"):
        check("adam_stpe", lambda: None)


def test_partial_credit_is_the_share_of_case_groups_passed():
    inside = next(m for m in ITEMS["adam_step"].mistakes if m.name == "epsilon inside the square root")
    result = check("adam_step", inside.function)
    failed = [g for g, ok in result.groups.items() if not ok]
    assert "tiny gradients (where epsilon matters)" in failed and "first step (t = 1)" not in failed
    share = (len(result.groups) - len(failed)) / len(result.groups)
    points = ITEMS["adam_step"].points
    assert result.points == pytest.approx(round(points * share, 2)) and 0 < result.points < points


def test_the_worked_example_is_x1_equals_3_9_not_the_articles_3_9984():
    assert ITEMS["first_adam_step"].reference(x0=4.0, lr=0.1) == pytest.approx(3.9, abs=1e-9)
    result = check("first_adam_step", lambda x0, lr: x0 - lr * np.sign(4 * x0**3))
    assert result.passed, result.report()
