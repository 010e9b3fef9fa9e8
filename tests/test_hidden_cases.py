"""The batch grader's hidden cases are new cases, not the worksheet's again.

For every graded item and several hidden seeds: every case group the worksheet's
own check shows (seed 0) has as many hidden cases, no hidden case repeats the
inputs of a shown case (so hard-coding the answers the check displays earns no
hidden points), and the reference answers every hidden case with finite numbers.
"""

import numpy as np
import pytest

from course_lib.checks import ITEMS, Expected, cases_for
from course_lib.checks._core import case_inputs, same_inputs

ITEM_NAMES = sorted(ITEMS)
HIDDEN_SEEDS = [0, 1, 2, 12345, 2**62 + 7]

# Groups whose only possible input is the one the worksheet shows: their hidden case must repeat it.
SINGLE_INPUT_GROUPS = {("trust_ratio", "both norms zero")}  # weight_norm = update_norm = 0


def _group_sizes(cases) -> dict:
    sizes = {}
    for case in cases:
        sizes[case.group] = sizes.get(case.group, 0) + 1
    return sizes


@pytest.fixture(scope="module")
def shown():
    return {name: cases_for(ITEMS[name], 0) for name in ITEM_NAMES}


def test_the_items_declare_exactly_the_known_single_input_groups(shown):
    declared = {(name, group) for name in ITEM_NAMES for group in getattr(ITEMS[name], "single_input_groups", ())}
    assert declared == SINGLE_INPUT_GROUPS
    for name, group in declared:
        inputs = [case_inputs(case) for case in shown[name] if case.group == group]
        assert inputs and all(same_inputs(inputs[0], other) for other in inputs)


@pytest.mark.parametrize("seed", HIDDEN_SEEDS)
@pytest.mark.parametrize("name", ITEM_NAMES)
def test_every_group_has_as_many_hidden_cases_as_the_worksheet_shows(name, seed, shown):
    hidden = cases_for(ITEMS[name], seed, hidden=True)
    assert all(case.hidden for case in hidden) and not any(case.hidden for case in shown[name])
    assert _group_sizes(hidden) == _group_sizes(shown[name])


@pytest.mark.parametrize("seed", HIDDEN_SEEDS)
@pytest.mark.parametrize("name", ITEM_NAMES)
def test_no_hidden_case_repeats_a_case_the_worksheet_shows(name, seed, shown):
    repeats = [(case.group, seen.group) for case in cases_for(ITEMS[name], seed, hidden=True)
               for seen in shown[name]
               if same_inputs(case_inputs(case), case_inputs(seen))
               and not (case.group == seen.group and (name, case.group) in SINGLE_INPUT_GROUPS)]
    assert not repeats, f"{name}, hidden seed {seed}: hidden cases repeat shown ones (hidden group, shown group): {repeats}"


def _finite(answer) -> bool:
    if isinstance(answer, list):  # a step item's run: (param, state) after each step
        return all(np.all(np.isfinite(param)) and all(np.all(np.isfinite(np.asarray(value, dtype=float)))
                                                       for value in state.values())
                   for param, state in answer)
    return bool(np.isfinite(answer))


@pytest.mark.parametrize("seed", HIDDEN_SEEDS)
@pytest.mark.parametrize("name", ITEM_NAMES)
def test_the_reference_answers_every_hidden_case_with_finite_numbers(name, seed):
    item = ITEMS[name]
    hidden = cases_for(item, seed, hidden=True)
    answers = Expected(item, hidden).reference()
    not_finite = [case.group for case, answer in zip(hidden, answers) if not _finite(answer)]
    assert not not_finite, f"{name}, hidden seed {seed}: the reference is not finite in {not_finite}"


@pytest.mark.parametrize("name", ITEM_NAMES)
def test_hidden_cases_depend_on_the_seed_and_are_the_same_for_the_same_seed(name):
    item = ITEMS[name]
    first, again, other = (cases_for(item, seed, hidden=True) for seed in (1, 1, 2))
    assert all(same_inputs(case_inputs(a), case_inputs(b)) for a, b in zip(first, again))
    assert not all(same_inputs(case_inputs(a), case_inputs(b)) for a, b in zip(first, other))
