"""What tuning Adam's learning rate buys in lesson 12's race (course_lib.theory.tuning_gain), and what the
race explorer reads from it: the race's own runs, never a new training per move."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.theory import tuning_gain as tg  # noqa: E402
from course_lib.theory.race import LINEUP, RaceRun, Tuning, race_data, race_run, tune_lr  # noqa: E402


def fake_run(lr, val_accuracy, loss=None, val_loss=None, stopped=False):
    val_accuracy = np.asarray(val_accuracy, dtype=float)
    return RaceRun("Adam", lr, np.ones(2 * len(val_accuracy)) if loss is None else np.asarray(loss, dtype=float),
                   np.full(len(val_accuracy), 0.5) if val_loss is None else np.asarray(val_loss, dtype=float),
                   val_accuracy, 2.3, {}, stopped, 0.0)


def test_an_epoch_of_the_race_is_the_training_split_in_mini_batches_of_64():
    assert tg.steps_per_epoch() == math.ceil(len(race_data().y_train) / 64)
    assert len(race_run("SGD", 0.1, epochs=1).loss) == tg.steps_per_epoch()


def test_the_first_epoch_of_a_longer_run_is_the_one_epoch_run():
    short, long = race_run("SGD", 0.1, epochs=1), race_run("SGD", 0.1, epochs=3)
    cut = tg.first_epochs(long, 1)
    assert np.array_equal(cut.loss, short.loss) and np.array_equal(cut.val_loss, short.val_loss)
    assert np.array_equal(cut.val_accuracy, short.val_accuracy)
    assert cut.initial_val_loss == short.initial_val_loss and cut.stopped == short.stopped == False  # noqa: E712
    assert cut.params is None and tg.first_epochs(long, 3) is long


def test_a_run_cut_before_its_blow_up_did_not_stop_and_one_cut_after_did():
    # 2 steps an epoch; the loss became inf at step 4 (epoch 2): race_run then has NaN scores from epoch 2 on
    run = fake_run(0.1, [0.6, np.nan, np.nan], loss=[2.0, 1.5, 1.2, np.inf], val_loss=[1.0, np.nan, np.nan],
                   stopped=True)
    first = tg.first_epochs(run, 1, per_epoch=2)
    assert not first.stopped and not first.diverged and list(first.loss) == [2.0, 1.5]
    second = tg.first_epochs(run, 2, per_epoch=2)
    assert second.stopped and second.diverged and len(second.loss) == 4


def test_first_epochs_refuses_more_epochs_than_the_run_has():
    with pytest.raises(ValueError, match="between 1 and the run's 2"):
        tg.first_epochs(fake_run(0.1, [0.5, 0.6]), 3)


def test_the_gain_is_the_chosen_run_against_the_run_at_the_default_and_trains_nothing(monkeypatch):
    monkeypatch.setattr(tg, "race_run", lambda *a, **k: pytest.fail("tuning_gain must not train"))
    lrs = np.array([1e-3, 10 ** -2.5, 1e-2, 10 ** -1.5])
    runs = [fake_run(lr, [0.4, acc]) for lr, acc in zip(lrs, [0.5, 0.8, 0.9, 0.7])]
    tuning = Tuning("Adam", lrs, np.full(4, 0.5), np.array([0.5, 0.8, 0.9, 0.7]), np.zeros(4, bool), runs)
    gain = tg.tuning_gain(tuning, 1e-3)
    assert gain.default is runs[0] and gain.tuned is runs[2]
    assert gain.default_lr == 1e-3 and gain.tuned_lr == 1e-2 and gain.accuracy_gain == pytest.approx(0.4)
    with pytest.raises(ValueError, match="does not contain the default lr 0.002"):
        tg.tuning_gain(tuning, 2e-3)


def test_adams_grid_starts_at_its_default_and_steps_half_a_decade():
    assert tg.ADAM_GRID[0] == LINEUP["Adam"].default_lr
    assert np.allclose(np.diff(np.log10(tg.ADAM_GRID)), 0.5) and len(tg.ADAM_GRID) == 6


def test_at_the_races_budget_the_explorers_adam_runs_are_the_races():
    race = tune_lr("Adam", tg.ADAM_GRID, epochs=tg.RACE_EPOCHS)
    gain = tg.adam_tuning_gain(tg.RACE_EPOCHS)
    assert gain.tuned_lr == race.best_lr and gain.default_lr == 1e-3
    for ours, theirs in ((gain.default, race.runs[0]), (gain.tuned, race.best_run)):
        assert np.array_equal(ours.loss, theirs.loss) and np.array_equal(ours.val_accuracy, theirs.val_accuracy)
    assert gain.accuracy_gain == race.best_run.val_accuracy[-1] - race.runs[0].val_accuracy[-1]


@pytest.mark.parametrize("epochs", [1, 4])
def test_at_another_budget_the_runs_are_those_of_race_run_at_the_same_two_learning_rates(epochs):
    gain, race = tg.adam_tuning_gain(epochs), tg.adam_tuning_gain(tg.RACE_EPOCHS)
    for ours, at_race in ((gain.default, race.default), (gain.tuned, race.tuned)):
        fresh = race_run("Adam", at_race.lr, epochs=epochs)
        assert np.array_equal(ours.loss, fresh.loss) and np.array_equal(ours.val_accuracy, fresh.val_accuracy)
        shared = min(epochs, tg.RACE_EPOCHS)   # and a longer run begins with the race's run
        assert np.array_equal(ours.val_accuracy[:shared], at_race.val_accuracy[:shared])


def test_ticking_tuned_adam_or_moving_back_trains_nothing(monkeypatch):
    from course_lib.widgets import lesson12

    scene = lesson12.RaceExplorer()
    scene.show(optimizer="SGD", lr=0.1, epochs=2, tuned_adam=False)

    def no_training(*args, **kwargs):
        pytest.fail("a move that changes no run must not train")

    monkeypatch.setattr(lesson12, "race_run", no_training)
    monkeypatch.setattr(tg, "race_run", no_training)
    monkeypatch.setattr(tg, "tune_lr", no_training)
    scene.show(optimizer="SGD", lr=0.1, epochs=2, tuned_adam=True)
    assert scene.acc_tuned.get_visible() and "tuning bought Adam" in scene.ax_acc.get_title()
    gain = tg.adam_tuning_gain(2)
    assert f"{100 * gain.accuracy_gain:+.1f} points" in scene.ax_acc.get_title()
    scene.show(optimizer="SGD", lr=0.1, epochs=2, tuned_adam=False)
    assert not scene.acc_tuned.get_visible()


def test_spread_labels_keeps_them_a_gap_apart_inside_the_bounds_and_moves_no_lone_label():
    from course_lib.widgets.lesson12 import spread_labels

    assert list(spread_labels(np.array([0.2, 0.8]), gap=0.05)) == [0.2, 0.8]
    placed = spread_labels(np.array([0.97, 0.96, 0.10]), gap=0.05, low=0.03, high=0.97)
    assert placed[2] == 0.10 and placed[0] == pytest.approx(0.97) and placed[1] == pytest.approx(0.92)
    same = spread_labels(np.array([0.5, 0.5, 0.5]), gap=0.05)
    assert np.allclose(np.sort(np.diff(np.sort(same))), 0.05)
