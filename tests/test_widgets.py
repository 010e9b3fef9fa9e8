"""Every lesson's explorer callback, called directly with several slider values
(ipywidgets would hide an exception raised inside it)."""

import io

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.widgets import all_explorers, explorer, log_slider, render, slider  # noqa: E402

EXPLORERS = all_explorers()
SAMPLES = [(name, i, kwargs) for name, (_, samples) in EXPLORERS.items() for i, kwargs in enumerate(samples)]


def test_every_lesson_with_an_explorer_offers_at_least_three_slider_settings():
    for name, (callback, samples) in EXPLORERS.items():
        assert callable(callback) and len(samples) >= 3, name


@pytest.mark.parametrize("name,i,kwargs", SAMPLES, ids=[f"{n}-{i}" for n, i, _ in SAMPLES])
def test_explorer_callback_draws_a_titled_labelled_figure_for_each_sample(name, i, kwargs):
    callback, _ = EXPLORERS[name]
    figure = callback(**kwargs)
    try:
        assert isinstance(figure, matplotlib.figure.Figure)
        axes = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
        assert axes
        for ax in axes:
            if ax.has_data():
                assert ax.get_title() or figure._suptitle is not None, "every plot needs a title"
                assert ax.get_xlabel() and ax.get_ylabel(), "every plot needs labelled axes"
    finally:
        plt.close(figure)


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_fixed_title_height_leaves_every_explorer_image_unchanged(name):
    """render() fixes the titles' height to skip matplotlib's search for ticks above the axes;
    the PNG Jupyter shows (bbox_inches="tight", as the inline backend) must have the same pixels."""
    callback, samples = EXPLORERS[name]
    images = []
    for make in (lambda: callback(**samples[-1]), lambda: render(callback, samples[-1])):
        figure = make()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(figure)
        images.append(np.asarray(PIL.Image.open(buffer)))
    assert images[0].shape == images[1].shape and np.array_equal(images[0], images[1])


def test_explorer_builds_controls_and_shows_an_error_instead_of_hiding_it():
    def broken(alpha):
        raise ValueError(f"alpha {alpha} is no good")

    panel = explorer(broken, alpha=log_slider(0.01, 1.0, 0.1))
    assert isinstance(panel, ipywidgets.VBox) and isinstance(panel.children[-1], ipywidgets.Output)
    assert render(broken, {"alpha": 0.1}) == "This explorer failed with ValueError: alpha 0.1 is no good"


def test_explorer_redraws_when_a_slider_moves():
    calls = []

    def record(x):
        calls.append(x)
        figure, ax = plt.subplots()
        ax.set(title="t", xlabel="x", ylabel="y")
        return figure

    control = slider(0.0, 1.0, 0.5, 0.1)
    explorer(record, x=control)
    control.value = 0.7
    assert calls == [0.5, 0.7]


def test_the_race_heat_map_boxes_the_chosen_lr_and_dashes_only_the_ties_within_the_margin():
    from course_lib.theory.race import Tuning
    from course_lib.widgets.lesson12 import plot_lr_heatmap

    lrs = np.array([1e-3, 10 ** -2.5, 1e-2, 10 ** -1.5])
    # the best is the third lr (0.95); the second is one image behind, the first far behind, the last diverged
    tuning = Tuning("SGD", lrs, val_loss=np.array([0.9, 0.30, 0.2, np.nan]),
                    val_accuracy=np.array([0.50, 0.945, 0.95, np.nan]),
                    diverged=np.array([False, False, False, True]), runs=[None] * 4)
    ax = plot_lr_heatmap({"SGD": tuning}, within=0.006)
    boxes = [p for p in ax.patches if not p.get_fill()]
    solid = [round(p.get_x() + 0.44) for p in boxes if p.get_linestyle() == "solid"]
    dashed = [round(p.get_x() + 0.44) for p in boxes if p.get_linestyle() in ("--", "dashed")]
    assert solid == [2] and dashed == [1]
    plt.close("all")
    ax = plot_lr_heatmap({"SGD": tuning})
    assert [p.get_linestyle() for p in ax.patches if not p.get_fill()] == ["solid"]
    plt.close("all")
