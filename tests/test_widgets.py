"""Every lesson's explorer, drawn directly with several control values (ipywidgets would hide an
exception raised inside it), and its persistent figure checked against a full drawing."""

import io
import math

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.widgets import all_explorers, explorer, log_slider, render, slider  # noqa: E402
from course_lib.widgets.scene import Scene, axes_edges_mask  # noqa: E402

EXPLORERS = all_explorers()
SAMPLES = [(name, i, kwargs) for name, (_, samples) in EXPLORERS.items() for i, kwargs in enumerate(samples)]


def test_every_lesson_explorer_is_a_scene_with_at_least_three_settings():
    for name, (scene, samples) in EXPLORERS.items():
        assert isinstance(scene, type) and issubclass(scene, Scene), name
        assert len(samples) >= 3, name


@pytest.mark.parametrize("name,i,kwargs", SAMPLES, ids=[f"{n}-{i}" for n, i, _ in SAMPLES])
def test_explorer_draws_a_titled_labelled_figure_for_each_sample(name, i, kwargs):
    scene, _ = EXPLORERS[name]
    figure = render(scene, kwargs)
    assert isinstance(figure, matplotlib.figure.Figure), figure
    axes = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
    assert axes
    for ax in axes:
        if ax.has_data():
            assert ax.get_title() or figure._suptitle is not None, "every plot needs a title"
            assert ax.get_xlabel() and ax.get_ylabel(), "every plot needs labelled axes"


def _differing_inside(frame, full, figure):
    """Pixels where two RGBA images differ, away from the axes' frames (where blitting may draw
    a clipped line over the spine instead of under it)."""
    return np.any(frame != full, axis=-1) & ~axes_edges_mask(figure)


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_each_frame_of_a_persistent_explorer_equals_a_fresh_full_drawing(name):
    """One scene moved through every sample (and back to the first), as a student's moves do: each
    blitted frame must show what a new figure drawn in full for the same values shows, pixel for
    pixel inside the axes. A moving artist left over from an earlier move, a background artist that
    should lie above a moving one, or a stale cached background all fail here."""
    scene_class, samples = EXPLORERS[name]
    scene = scene_class()
    previous = None
    for i, values in enumerate([*samples, samples[0]]):
        scene.show(**values)
        frame = scene.frame().copy()
        fresh = scene_class()
        fresh.show(**values)
        full = fresh.full_frame()
        assert frame.shape == full.shape
        wrong = _differing_inside(frame, full, fresh.fig)
        assert not wrong.any(), (f"{name}, sample {i} after sample {i - 1}: {wrong.sum()} pixels differ from a "
                                 f"full drawing, first at (row, column) {tuple(np.argwhere(wrong)[0])}")
        if previous is not None and values != samples[i - 1]:
            assert np.any(frame != previous), f"{name}: sample {i} shows the same picture as sample {i - 1}"
        previous = frame


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_a_repeated_frame_reuses_the_cached_background(name):
    scene_class, samples = EXPLORERS[name]
    scene = scene_class()
    scene.show(**samples[0])
    first = scene.frame().copy()
    draws = []
    real_draw = scene.fig.canvas.draw
    scene.fig.canvas.draw = lambda: (draws.append(1), real_draw())
    scene.show(**samples[0])
    assert np.array_equal(scene.frame(), first)
    assert draws == [], "the same values again must not redraw the background"


def test_explorer_shows_an_image_and_an_error_instead_of_hiding_it():
    class Broken(Scene):
        def build(self):
            self.ax = self.fig.subplots()

        def update(self, alpha):
            raise ValueError(f"alpha {alpha} is no good")

    panel = explorer(Broken, alpha=log_slider(0.01, 1.0, 0.1))
    image, message = panel.children[-2:]
    assert isinstance(image, ipywidgets.Image) and isinstance(message, ipywidgets.HTML)
    assert "This explorer failed with ValueError: alpha 0.1 is no good" in message.value
    assert message.layout.display != "none"
    assert render(Broken, {"alpha": 0.1}) == "This explorer failed with ValueError: alpha 0.1 is no good"


def test_explorer_redraws_when_a_slider_moves_and_sends_a_png():
    calls = []

    class Record(Scene):
        def build(self):
            self.ax = self.fig.subplots()
            self.ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="x", ylabel="y")
            self.point = self.moving("point", self.ax.plot([], [], "o")[0])

        def update(self, x):
            calls.append(x)
            self.point.set_data([x], [x])

    control = slider(0.0, 1.0, 0.5, 0.1)
    panel = explorer(Record, x=control)
    image = panel.children[-2]
    first = image.value
    control.value = 0.7
    assert calls == [0.5, 0.7]
    assert first[:8] == image.value[:8] == b"\x89PNG\r\n\x1a\n" and image.value != first
    assert control.continuous_update, "sliders redraw while dragged"


def test_explorer_can_deliver_through_an_output_widget_for_the_benchmark():
    figures = []

    def draw(x):
        figure, ax = plt.subplots()
        figures.append(figure)
        ax.set(title=f"x = {x}", xlabel="x", ylabel="y")
        return figure

    panel = explorer(draw, delivery="output", x=slider(0.0, 1.0, 0.5, 0.1))
    assert isinstance(panel.children[-2], ipywidgets.Output)
    assert figures and not plt.fignum_exists(figures[0].number), "a function's figure is closed once shown"
    with pytest.raises(ValueError, match="delivery must be one of"):
        explorer(draw, delivery="svg", x=slider(0.0, 1.0, 0.5, 0.1))


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


def test_a_scene_png_decodes_to_exactly_its_frame():
    """scene.png_bytes writes the PNG itself (faster than Pillow's encoder): Pillow must read back
    every pixel, and a non-opaque image is refused rather than silently flattened."""
    from course_lib.widgets.scene import png_bytes

    scene_class, samples = EXPLORERS["lesson05_adam"]
    scene = scene_class()
    scene.show(**samples[0])
    frame = scene.frame().copy()
    decoded = np.asarray(PIL.Image.open(io.BytesIO(scene.png())))
    assert decoded.shape == frame.shape[:2] + (3,) and np.array_equal(decoded, frame[:, :, :3])
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    noise[..., 3] = 255
    assert np.array_equal(np.asarray(PIL.Image.open(io.BytesIO(png_bytes(noise)))), noise[..., :3])
    noise[0, 0, 3] = 128
    with pytest.raises(ValueError, match="opaque"):
        png_bytes(noise)


@pytest.mark.parametrize("low, high, value, steps", [(1e-3, 1.0, 0.1, 40), (1e-10, 100.0, 1e-8, 40),
                                                     (0.01, 0.6, 0.39, 40), (2**-5, 4.0, 1.0, 70),
                                                     (1e-4, 1.0, 1e-4, 40), (1e-3, 1.0, 1.0, 40)])
def test_a_log_sliders_value_lies_on_its_grid_inside_its_range(low, high, value, steps):
    """The browser snaps a slider to min + k * step: a value off that grid would read one number while
    the figure shows another."""
    from course_lib.widgets import log_slider

    control = log_slider(low, high, value, steps=steps)
    k = (math.log10(value) - control.min) / control.step
    assert abs(k - round(k)) < 1e-6
    assert control.value == pytest.approx(value, rel=1e-12)
    assert math.log10(low) - control.step < control.min <= math.log10(low) + 1e-9
    assert math.log10(high) - control.step < control.max <= math.log10(high) + 1e-9
    assert control.step == pytest.approx((math.log10(high) - math.log10(low)) / steps)
