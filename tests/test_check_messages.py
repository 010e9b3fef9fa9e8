"""What a check tells a student whose answer is wrong: what they did, and what to change.

Each test writes a small student function by hand, the way a student would (not by
wrapping the reference), runs ``course_lib.checks.check`` on it and reads the report:
the mistake it names, the case it shows, the points it gives.
"""

import dataclasses
import inspect
import math
import re

import numpy as np
import pytest

from course_lib.checks import ITEMS, StepItem, cases_for, check


# --- students who return the update instead of the new parameter ------------------------------------


def sgd_update(theta, g, state, lr=0.1):
    return -lr * g, {}


def momentum_update(theta, g, state, lr=0.01, momentum=0.9):
    b = momentum * state["b"] + g
    return -lr * b, {"t": state["t"] + 1, "b": b}


def nesterov_update(theta, g, state, lr=0.01, momentum=0.9):
    b = momentum * state["b"] + g
    return -lr * (g + momentum * b), {"t": state["t"] + 1, "b": b}


def adagrad_update(theta, g, state, lr=0.01, eps=1e-10):
    G = state["G"] + g * g
    return -lr * g / (np.sqrt(G) + eps), {"t": state["t"] + 1, "G": G}


def rmsprop_update(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
    v = beta2 * state["v"] + (1 - beta2) * g * g
    return -lr * g / (np.sqrt(v) + eps), {"t": state["t"] + 1, "v": v}


def adadelta_update(theta, g, state, beta2=0.9, eps=1e-6):
    Eg2 = beta2 * state["Eg2"] + (1 - beta2) * g * g
    dx = np.sqrt(state["Edx2"] + eps) / np.sqrt(Eg2 + eps) * g
    Edx2 = beta2 * state["Edx2"] + (1 - beta2) * dx * dx
    return -dx, {"t": state["t"] + 1, "Eg2": Eg2, "Edx2": Edx2}


def corrected_ema_change(estimate, x, state, beta=0.9):
    t = state["t"] + 1
    avg = beta * state["avg"] + (1 - beta) * x
    return avg / (1 - beta**t) - estimate, {"t": t, "avg": avg}


def _adam_direction(g, state, beta1, beta2, eps):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return t, m, v, m_hat / (np.sqrt(v_hat) + eps)


def adam_update(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
    return -lr * direction, {"t": t, "m": m, "v": v}


def adamax_update(theta, g, state, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    u = np.maximum(beta2 * state["u"], np.abs(g) + eps)
    return -lr / (1 - beta1**t) * m / u, {"t": t, "m": m, "u": u}


def amsgrad_update(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    v_max = np.maximum(state["v_max"], v)
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v_max / (1 - beta2**t)) + eps)
    return -step, {"t": t, "m": m, "v": v, "v_max": v_max}


def _radam_direction(g, state, beta1, beta2, eps, threshold=5.0, with_eps=True):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    if rho_t > threshold:
        r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        l_t = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps) if with_eps else np.sqrt((1 - beta2**t) / v)
        return t, m, v, r_t * m_hat * l_t
    return t, m, v, m_hat


def radam_update(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v, direction = _radam_direction(g, state, beta1, beta2, eps)
    return -lr * direction, {"t": t, "m": m, "v": v}


def adamw_update(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
    return -lr * weight_decay * theta - lr * direction, {"t": t, "m": m, "v": v}


def lookahead_update(theta, g, state, lr=0.1, k=5, slow_lr=0.5):
    t = state["t"] + 1
    fast = theta - lr * g
    if t % k == 0:
        slow = state["slow"] + slow_lr * (fast - state["slow"])
        return slow - theta, {"t": t, "slow": slow}
    return -lr * g, {"t": t, "slow": state["slow"]}


RETURNS_THE_UPDATE = {
    "sgd_step": sgd_update, "momentum_step": momentum_update, "nesterov_step": nesterov_update,
    "adagrad_step": adagrad_update, "rmsprop_step": rmsprop_update, "adadelta_step": adadelta_update,
    "corrected_ema_step": corrected_ema_change, "adam_step": adam_update, "adamax_step": adamax_update,
    "amsgrad_step": amsgrad_update, "radam_step": radam_update, "adamw_step": adamw_update,
    "lookahead_step": lookahead_update,
}


def test_returning_the_update_is_named_on_every_step_item_whatever_the_size_of_the_step():
    """The update computed directly keeps digits that new_theta - theta loses (float32, tiny steps):
    the mistake must be recognised from the answers a student who makes it really gives."""
    assert set(RETURNS_THE_UPDATE) == {name for name, item in ITEMS.items() if isinstance(item, StepItem)}
    unnamed = {}
    for name, student in RETURNS_THE_UPDATE.items():
        result = check(name, student)
        expected = ("returned the change instead of the new estimate" if name == "corrected_ema_step"
                    else "returned the update instead of the new parameter")
        if not (result.diagnosis or "").startswith(expected):
            unnamed[name] = result.diagnosis
    assert not unnamed, f"the update returned but not named: {unnamed}"


def test_the_update_of_an_accepted_variant_is_named_with_the_variant():
    def rmsprop_tensorflow_update(theta, g, state, lr=0.01, beta2=0.99, eps=1e-8):
        v = beta2 * state["v"] + (1 - beta2) * g * g
        return -lr * g / np.sqrt(v + eps), {"t": state["t"] + 1, "v": v}

    result = check("rmsprop_step", rmsprop_tensorflow_update)
    assert result.status == "failed"
    assert result.diagnosis.startswith("you wrote TensorFlow's epsilon placement (inside the square root) (accepted) "
                                       "and also returned the update instead of the new parameter"), result.report()


# --- a signature that does not fit the worksheet's call ------------------------------------------------


def adam_with_learning_rate(theta, g, state, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
    return theta - learning_rate * direction, {"t": t, "m": m, "v": v}


def rmsprop_with_a(theta, g, state, lr=0.01, a=0.99, eps=1e-8):
    v = a * state["v"] + (1 - a) * g * g
    return theta - lr * g / (np.sqrt(v) + eps), {"t": state["t"] + 1, "v": v}


def divergence_threshold_of_matrix(matrix):
    return 2.0 / float(np.linalg.eigvalsh(matrix)[-1])


@pytest.mark.parametrize("name,student,passed,theirs", [
    ("adam_step", adam_with_learning_rate, "lr=0.001", "learning_rate=0.001"),
    ("rmsprop_step", rmsprop_with_a, "beta2=0.99", "a=0.99"),
    ("divergence_threshold", divergence_threshold_of_matrix, "H=...", "(matrix)"),
], ids=["learning_rate for lr", "a for beta2", "matrix for H"])
def test_a_renamed_parameter_is_told_which_keyword_the_check_passed_and_what_the_signature_is(
        name, student, passed, theirs):
    diagnosis = check(name, student).diagnosis
    assert f"{name} was called with {passed}" in diagnosis, diagnosis
    assert f"but its parameters are {inspect.signature(student)}" in diagnosis and theirs in diagnosis
    assert "keep the worksheet's names" in diagnosis
    assert "fn(*args" not in diagnosis  # not the checker's own line


def rmsprop_with_torchs_alpha(theta, g, state, lr=0.01, alpha=0.99, eps=1e-8):
    v = alpha * state["v"] + (1 - alpha) * g * g
    return theta - lr * g / (np.sqrt(v) + eps), {"t": state["t"] + 1, "v": v}


def lookahead_with_the_papers_alpha(theta, g, state, lr=0.1, k=5, alpha=0.5):
    t = state["t"] + 1
    fast, slow = theta - lr * g, state["slow"]
    if t % k == 0:
        slow = slow + alpha * (fast - slow)
        fast = slow
    return fast, {"t": t, "slow": slow}


def adadelta_with_zeilers_rho(theta, g, state, rho=0.9, eps=1e-6):
    Eg2 = rho * state["Eg2"] + (1 - rho) * g * g
    dx = np.sqrt(state["Edx2"] + eps) / np.sqrt(Eg2 + eps) * g
    return theta - dx, {"t": state["t"] + 1, "Eg2": Eg2, "Edx2": rho * state["Edx2"] + (1 - rho) * dx * dx}


def contraction_factor_with_alpha(alpha, L, mu):
    return max(abs(1 - alpha * L), abs(1 - alpha * mu))


@pytest.mark.parametrize("name,student,old,new", [
    ("rmsprop_step", rmsprop_with_torchs_alpha, "alpha", "beta2"),
    ("adadelta_step", adadelta_with_zeilers_rho, "rho", "beta2"),
    ("lookahead_step", lookahead_with_the_papers_alpha, "alpha", "slow_lr"),
    ("contraction_factor", contraction_factor_with_alpha, "alpha", "lr"),
], ids=["torch's RMSprop alpha", "Zeiler's rho", "Lookahead's alpha", "alpha for the learning rate"])
def test_a_keyword_in_another_notation_is_told_the_course_name_that_replaces_it(name, student, old, new):
    """The course writes alpha only for the learning rate (lr): torch's and the papers' other names for a
    hyperparameter fail every case, with a message that names the keyword to use instead."""
    result = check(name, student)
    assert result.status == "failed" and result.points == 0, result.report()
    assert f"{name} was called with {new}=" in result.diagnosis, result.diagnosis
    assert f"keep the worksheet's names (rename {old} to {new})" in result.diagnosis, result.diagnosis


# --- what comes back, and what it does to the caller's state -----------------------------------------


def test_a_list_instead_of_a_tuple_is_told_to_return_a_tuple():
    def adam_returning_a_list(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
        return [theta - lr * direction, {"t": t, "m": m, "v": v}]

    result = check("adam_step", adam_returning_a_list)
    assert result.status == "failed" and result.points == 0
    assert "adam_step returned a list of 2; return a tuple (new_theta, new_state)" in result.diagnosis


def test_new_arrays_written_into_the_callers_state_dict_are_told_to_build_a_new_dict():
    def adam_filling_the_callers_dict(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
        state["m"] = m        # new arrays, but in the dict the caller passed
        state["v"] = v
        state["t"] = t
        return theta - lr * direction, state

    result = check("adam_step", adam_filling_the_callers_dict)
    assert result.status == "failed"
    assert result.diagnosis.startswith("adam_step changed the caller's state dict (state['t'] = ..., "
                                       "state['m'] = ..., state['v'] = ...)"), result.diagnosis
    assert "build and return a new dict instead" in result.diagnosis
    assert "build new arrays" not in result.diagnosis  # the arrays were new: that advice would mislead


def test_a_renamed_state_entry_is_told_which_key_it_asked_for_and_which_keys_the_state_has():
    def adam_with_mean_and_var(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t = state["t"] + 1
        mean = beta1 * state["mean"] + (1 - beta1) * g
        var = beta2 * state["var"] + (1 - beta2) * g * g
        step = lr * (mean / (1 - beta1**t)) / (np.sqrt(var / (1 - beta2**t)) + eps)
        return theta - step, {"t": t, "mean": mean, "var": var}

    diagnosis = check("adam_step", adam_with_mean_and_var).diagnosis
    assert "adam_step asked for the state entry 'mean'" in diagnosis, diagnosis
    assert "the state has only the keys 't', 'm', 'v'" in diagnosis
    assert "use the worksheet's names" in diagnosis


def test_a_state_returned_under_other_names_is_told_which_step_lost_the_key():
    def adam_renaming_on_return(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
        return theta - lr * direction, {"t": t, "mean": m, "var": v}

    diagnosis = check("adam_step", adam_renaming_on_return).diagnosis
    assert "asked for the state entry 'm' at step 2" in diagnosis, diagnosis
    assert "the state it returned at step 1 has only the keys 't', 'mean', 'var'" in diagnosis
    assert "return the state with the worksheet's keys ('t', 'm', 'v')" in diagnosis


# --- differences the eye cannot see at six digits ------------------------------------------------------


def test_a_difference_hidden_at_six_digits_is_shown_with_its_size_and_where_it_is():
    def adam_rounded(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t, m, v, direction = _adam_direction(g, state, beta1, beta2, eps)
        return np.round(theta - lr * direction, 6), {"t": t, "m": m, "v": v}

    failure = check("adam_step", adam_rounded).first_failure
    found = re.search(r"largest difference at index \((\d+),\): expected (\S+), got (\S+) "
                      r"\(absolute (\S+), relative (\S+); the check allows a relative difference of 1e-07\)", failure)
    assert found, failure
    expected, got = float(found.group(2)), float(found.group(3))
    assert expected != got and f"{expected:.6f}" == f"{got:.6f}"   # the same at six digits, told apart here


def test_a_number_off_in_the_seventh_digit_is_shown_with_its_relative_difference():
    def first_step_nearly(x0, lr):
        return (x0 - lr * np.sign(4 * x0**3)) * (1 + 3e-6)   # 3.9000117 for 3.9

    failure = check("first_adam_step", first_step_nearly).first_failure
    assert re.search(r"difference \S+, relative 3(\.\d)?e-06; the check allows a relative difference of 1e-06",
                     failure), failure


# --- diagnoses read as sentences ----------------------------------------------------------------------


def test_a_diagnosis_continues_with_a_capital_letter_after_the_mistakes_name():
    def adam_uncorrected(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * g * g
        return theta - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}

    diagnosis = check("adam_step", adam_uncorrected).diagnosis
    assert diagnosis.startswith("forgot the bias correction. The moments m and v start at 0"), diagnosis


def test_every_mistakes_explanation_begins_a_sentence_with_a_word():
    """The rule capitalises an English first word; an explanation that begins with code (m, eps_hat,
    2 / (L + mu)) must be written to begin with a word, since capitalising code would change it."""
    from course_lib.checks._core import describe

    lowercase = [(name, mistake.name, describe(mistake)[len(mistake.name) + 2:][:40])
                 for name, item in ITEMS.items() for mistake in item.mistakes
                 if not describe(mistake)[len(mistake.name) + 2:][:1].isupper()]
    assert not lowercase, lowercase


# --- groups that cannot tell a known mistake from the reference ----------------------------------------


def test_a_function_that_never_moves_earns_nothing_from_zero_gradients():
    def adam_standing_still(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return theta.copy(), {"t": state["t"] + 1, "m": state["m"], "v": state["v"]}

    result = check("adam_step", adam_standing_still)
    assert result.points == 0, result.report()
    assert "zero gradients" not in result.groups and "zero gradients" in result.unscored
    assert "not scored" in result.report()


def test_a_group_where_a_known_mistake_gives_the_references_answers_gives_it_no_points():
    def momentum_as_an_average(theta, g, state, lr=0.01, momentum=0.9):
        b = momentum * state["b"] + (1 - momentum) * g
        return theta - lr * b, {"t": state["t"] + 1, "b": b}

    result = check("momentum_step", momentum_as_an_average)
    assert result.diagnosis.startswith("used the (1 - momentum) moving average")
    assert "zero gradients" not in result.groups
    assert "used the (1 - momentum) moving average" in result.unscored["zero gradients"]
    assert re.search(r"\[x\] zero gradients \(the same answers as '", result.report())
    assert result.points == round(3 * sum(result.groups.values()) / len(result.groups), 2) < 3

    def momentum_step(theta, g, state, lr=0.01, momentum=0.9):   # written out, as a student would
        b = momentum * state["b"] + g
        return theta - lr * b, {"t": state["t"] + 1, "b": b}

    right = check("momentum_step", momentum_step)   # a right answer loses nothing by it
    assert right.passed and right.points == 3 and "zero gradients" in right.unscored

    def adam_without_eps(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t, m, v, _ = _adam_direction(g, state, beta1, beta2, eps)
        return theta - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t)), {"t": t, "m": m, "v": v}

    nan = check("adam_step", adam_without_eps)   # failing a group that is not scored still costs
    assert nan.groups["zero gradients"] is False and nan.points < 5


# --- where the source of the failing line is not at hand -------------------------------------------------


def test_a_line_whose_source_is_not_at_hand_is_named_by_its_number_alone():
    namespace = {"np": np}
    source = ("def adam_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
              "    t = state['t'] + 1\n"
              "    return theta / 0 + {}[t], state\n")
    exec(compile(source, "<cell 6>", "exec"), namespace)  # as the grader runs a notebook's cell
    diagnosis = check("adam_step", namespace["adam_step"]).diagnosis
    assert "raised KeyError" in diagnosis and "(line 3 of cell 6)" in diagnosis, diagnosis
    assert ": )" not in diagnosis


# --- an accepted variant with a mistake on top ------------------------------------------------------------


def radam_as_in_the_paper(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Algorithm 2 of Liu et al.: threshold rho_t > 4 and no epsilon."""
    t, m, v, direction = _radam_direction(g, state, beta1, beta2, eps, threshold=4.0, with_eps=False)
    return theta - lr * direction, {"t": t, "m": m, "v": v}


def test_the_papers_radam_is_named_as_the_accepted_threshold_and_the_missing_epsilon():
    result = check("radam_step", radam_as_in_the_paper)
    assert result.diagnosis.startswith("you wrote the paper's threshold rho_t > 4 (accepted) and also left out "
                                       "epsilon. "), result.report()
    assert result.variant.startswith("the paper's threshold rho_t > 4")
    # the case shown is one where the missing epsilon shows, not the accepted threshold
    shown = result.first_failure.splitlines()[0]
    assert "epsilon" in shown and "threshold (steps 1 to 8" not in shown, result.first_failure


def test_keras_amsgrad_is_named_the_efficient_form_with_the_same_epsilon():
    def amsgrad_as_in_keras(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * g * g
        v_max = np.maximum(state["v_max"], v)
        lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        return theta - lr_t * m / (np.sqrt(v_max) + eps), {"t": t, "m": m, "v": v, "v_max": v_max}

    result = check("amsgrad_step", amsgrad_as_in_keras)
    assert result.diagnosis.startswith("the 'efficient' form with the same epsilon (Keras's AMSGrad). "), result.report()
    assert "epsilon" in result.first_failure.splitlines()[0]


def test_the_order_in_which_an_item_declares_its_mistakes_does_not_change_the_verdict(monkeypatch):
    item = ITEMS["radam_step"]
    before = check("radam_step", radam_as_in_the_paper)
    monkeypatch.setitem(ITEMS, "radam_step", dataclasses.replace(item, mistakes=tuple(reversed(item.mistakes))))
    after = check("radam_step", radam_as_in_the_paper)
    assert before.diagnosis.startswith("you wrote the paper's threshold rho_t > 4 (accepted) and also left out")
    assert (after.diagnosis, after.variant, after.points, after.first_failure) == \
        (before.diagnosis, before.variant, before.points, before.first_failure)


# --- names of case groups ---------------------------------------------------------------------------------


def test_an_item_without_epsilon_has_no_group_named_for_epsilon():
    without_eps = [name for name, item in ITEMS.items()
                   if isinstance(item, StepItem) and "eps" not in inspect.signature(item.reference).parameters]
    assert {"sgd_step", "momentum_step", "nesterov_step", "lookahead_step"} <= set(without_eps)
    named = {(name, case.group) for name in without_eps for case in cases_for(ITEMS[name], 0)
             if re.search(r"\beps|epsilon", case.group)}
    assert not named, named


# --- check() and the grader agree -----------------------------------------------------------------


def test_a_graded_function_that_uses_a_withheld_module_fails_its_check_as_it_fails_grading():
    from course_lib import optim

    def adam_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        opt = optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps)
        new, s = opt.step(theta, g, optim.AdamState(state["t"], state["m"], state["v"], None))
        return new, {"t": s.t, "m": s.m, "v": s.v}

    result = check("adam_step", adam_step)
    assert result.status == "failed" and result.points == 0
    assert result.diagnosis.startswith("adam_step uses course_lib.optim, which grading withholds")


def test_a_helper_that_uses_a_withheld_module_is_found_too():
    from course_lib.checks._core import withheld_uses
    from course_lib.optim import bias_correction

    def helper(beta, t):
        return bias_correction(beta, t)

    def ema_weights_sum(beta, t):
        return helper(beta, t)

    assert withheld_uses(ema_weights_sum) == ["course_lib.optim._base.bias_correction"]


def test_what_a_worksheet_tells_students_to_use_is_not_flagged():
    from course_lib.checks._core import withheld_uses

    def counterexample_final_x(lr, steps):
        from course_lib import optim
        return float(optim.Adam(lr=lr).lr)

    assert withheld_uses(counterexample_final_x) != []        # it does use course_lib.optim...
    assert withheld_uses(counterexample_final_x, ITEMS["counterexample_final_x"].may_use) == []


def test_a_passing_check_says_that_grading_adds_hidden_cases():
    def adam_step(theta, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}

    result = check("adam_step", adam_step)
    assert result.passed and "Grading adds hidden cases like them" in result.report()
