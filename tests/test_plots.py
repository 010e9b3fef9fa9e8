"""course_lib.plots: what each lesson's figure must show, checked on the Agg backend."""

import itertools
import gc
import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.display import HTML  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from course_lib import optim  # noqa: E402
from course_lib.landscapes import himmelblau, quadratic, rosenbrock, saddle, trajectory  # noqa: E402
from course_lib.plots import (  # noqa: E402
    OPTIMIZER_COLORS, OPTIMIZER_STYLES, animate_trajectories, animation_html, color_for, plot_landscape, plot_losses,
    plot_trajectories, style_for,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


def legend_labels(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def line_labelled(ax, label):
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line


@pytest.fixture
def paths():
    land = quadratic()
    return land, {
        "SGD": trajectory(optim.SGD(lr=0.15), land, steps=40),
        "Momentum": trajectory(optim.SGD(lr=0.05, momentum=0.9), land, steps=40),
        "Adam": trajectory(optim.Adam(lr=0.1), land, steps=40),
    }


# --- plot_landscape -----------------------------------------------------------


def test_plot_landscape_returns_axes_titled_labelled_and_on_the_window():
    land = rosenbrock()
    ax = plot_landscape(land)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Rosenbrock"
    assert "theta_1" in ax.get_xlabel() and "theta_2" in ax.get_ylabel()
    assert ax.get_xlim() == land.xlim and ax.get_ylim() == land.ylim
    assert contour_sets(ax)


def test_plot_landscape_draws_on_the_axes_it_is_given():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_landscape(saddle(), ax=right) is right
    assert contour_sets(right) and not contour_sets(left)


def test_plot_landscape_marks_every_minimum_and_saddle_point():
    for land in (himmelblau(), saddle()):
        ax = plot_landscape(land)
        marked = np.concatenate([c.get_offsets() for c in ax.collections if not isinstance(c, ContourSet)])
        for point in (*land.minima, *land.saddle_points):
            assert np.min(np.linalg.norm(marked - point, axis=1)) < 1e-12
        plt.close(ax.figure)


def test_contour_levels_are_log_spaced_when_log_scale_and_evenly_spaced_otherwise():
    log_land, linear_land = rosenbrock(), quadratic()
    assert log_land.log_scale and not linear_land.log_scale

    levels = contour_sets(plot_landscape(log_land, levels=25))[0].levels
    assert len(levels) == 25 and np.all(levels > 0)
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert levels[-1] / levels[0] > 1e3  # spans decades, not a sliver

    levels = contour_sets(plot_landscape(linear_land, levels=25))[0].levels
    assert len(levels) == 25
    np.testing.assert_allclose(np.diff(levels), np.diff(levels)[0], rtol=1e-9)


def test_plot_landscape_accepts_explicit_levels():
    ax = plot_landscape(quadratic(), levels=[0.1, 1.0, 5.0])
    np.testing.assert_array_equal(contour_sets(ax)[0].levels, [0.1, 1.0, 5.0])


# --- plot_trajectories ---------------------------------------------------------


def test_plot_trajectories_draws_every_path_with_its_label_in_the_legend(paths):
    land, trajectories = paths
    ax = plot_trajectories(land, trajectories)
    assert isinstance(ax, Axes)
    assert set(legend_labels(ax)) == set(trajectories)
    for label, path in trajectories.items():
        np.testing.assert_array_equal(np.column_stack(line_labelled(ax, label).get_data()), path)


def test_plot_trajectories_uses_the_course_colors_and_distinct_colors_for_unknown_labels(paths):
    land, trajectories = paths
    trajectories = {**trajectories, "lr = 0.1": trajectories["SGD"], "lr = 0.5": trajectories["Adam"]}
    ax = plot_trajectories(land, trajectories)
    colors = {label: to_hex(line_labelled(ax, label).get_color()) for label in trajectories}
    for name in ("SGD", "Momentum", "Adam"):
        assert colors[name] == to_hex(OPTIMIZER_COLORS[name])
    assert len(set(colors.values())) == len(trajectories)


def test_plot_trajectories_keeps_the_window_when_a_path_diverges():
    land = quadratic()
    diverged = trajectory(optim.SGD(lr=1.1 * 2 / land.L), land, steps=1000)
    assert np.abs(diverged).max() > 1e6  # the test needs a path far outside the window
    ax = plot_trajectories(land, {"SGD": diverged, "Adam": trajectory(optim.Adam(lr=0.1), land, steps=20)})
    ax.figure.canvas.draw()
    assert ax.get_xlim() == land.xlim and ax.get_ylim() == land.ylim


def test_plot_trajectories_marks_each_start_point(paths):
    land, trajectories = paths
    ax = plot_trajectories(land, {"SGD": trajectories["SGD"]})
    single_points = [np.column_stack(line.get_data()) for line in ax.get_lines() if len(line.get_xdata()) == 1]
    assert any(np.array_equal(p[0], trajectories["SGD"][0]) for p in single_points)


@pytest.mark.parametrize("bad, error", [
    (np.zeros((5, 2)), TypeError),
    ({}, TypeError),
    ({"SGD": np.zeros((5, 3))}, ValueError),
])
def test_plot_trajectories_rejects_anything_but_a_dict_of_n_by_2_paths(bad, error):
    with pytest.raises(error, match="trajectories"):
        plot_trajectories(quadratic(), bad)


# --- plot_losses ---------------------------------------------------------------


def test_plot_losses_labels_everything_and_uses_log_y_for_positive_losses():
    ax = plot_losses({"SGD": [1.0, 0.5, 0.25], "Adam": np.array([1.0, 0.1, 0.01])}, title="Loss on the quadratic")
    assert isinstance(ax, Axes)
    assert set(legend_labels(ax)) == {"SGD", "Adam"}
    assert ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("step", "loss", "Loss on the quadratic")
    np.testing.assert_array_equal(line_labelled(ax, "Adam").get_ydata(), [1.0, 0.1, 0.01])


def test_plot_losses_falls_back_to_a_linear_y_axis_when_a_loss_is_not_positive_or_logy_is_off():
    assert plot_losses({"a": [1.0, 0.0]}).get_yscale() == "linear"
    assert plot_losses({"a": [1.0, -0.25]}).get_yscale() == "linear"
    assert plot_losses({"a": [1.0, 0.5]}, logy=False).get_yscale() == "linear"


def test_plot_losses_accepts_histories_with_a_loss_attribute_and_custom_labels():
    history = SimpleNamespace(loss=[3.0, 2.0, 1.0])
    ax = plot_losses({"RAdam": history}, xlabel="epoch", ylabel="training loss")
    np.testing.assert_array_equal(line_labelled(ax, "RAdam").get_ydata(), [3.0, 2.0, 1.0])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "training loss")


# --- colors ----------------------------------------------------------------------


def test_every_optimizer_of_the_course_has_its_own_color():
    names = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AdaMax",
             "AMSGrad", "RAdam", "AdamW", "NAdam", "Lookahead", "LAMB"]
    assert set(names) <= set(OPTIMIZER_COLORS)
    assert len({to_hex(OPTIMIZER_COLORS[n]) for n in names}) == len(names)


# Machado, Oliveira and Fernandes (2009): how protan, deutan and tritan eyes see a
# linear-RGB color, at full severity (dichromacy, the hardest case).
CVD_SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
NORMAL_VISION_MIN_DELTA_E = 20   # CIE76: about 2.3 is the least visible difference; 20 tells lines apart at a glance
CVD_MIN_DELTA_E = 12


def _lab(color, vision=None):
    """CIELAB (D65) of a matplotlib color, as seen with ``vision`` (None: normal vision)."""
    srgb = np.array(to_rgb(color))
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    if vision is not None:
        linear = np.clip(np.array(CVD_SIMULATIONS[vision]) @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a, b, vision=None):
    return float(np.linalg.norm(_lab(a, vision) - _lab(b, vision)))


def test_the_color_vision_simulation_tells_red_from_green_only_with_normal_vision():
    # the classic confusion pair: far apart normally, close for protan and deutan eyes
    assert _delta_e("#CC3333", "#669900") > 60
    assert _delta_e("#CC3333", "#669900", "deuteranopia") < 0.3 * _delta_e("#CC3333", "#669900")
    assert _delta_e("#0000FF", "#000000") > 30 and _delta_e("#0000FF", "#000000", "tritanopia") > 10


def test_every_pair_of_optimizers_can_be_told_apart_with_normal_and_deficient_color_vision():
    lookalikes = []
    for (a, (color_a, style_a)), (b, (color_b, style_b)) in itertools.combinations(OPTIMIZER_STYLES.items(), 2):
        if _delta_e(color_a, color_b) < NORMAL_VISION_MIN_DELTA_E:
            lookalikes.append(f"{a} / {b}: normal vision")
        for vision in CVD_SIMULATIONS:
            if style_a == style_b and _delta_e(color_a, color_b, vision) < CVD_MIN_DELTA_E:
                lookalikes.append(f"{a} / {b}: {vision}, both '{style_a}'")
    assert not lookalikes, "colors too close and line styles alike: " + "; ".join(lookalikes)


def test_style_for_gives_each_optimizer_its_color_and_line_style_and_plots_use_them(paths):
    assert style_for("AdamW") == {"color": OPTIMIZER_COLORS["AdamW"], "linestyle": "--"}
    assert style_for("radam") == {"color": "#000000", "linestyle": "-"}
    assert style_for("my optimizer")["linestyle"] == "-"
    ax = plot_losses({"AdamW": [3.0, 2.0, 1.0], "Adam": [3.0, 2.5, 2.0]})
    drawn = {line.get_label(): (to_hex(line.get_color()), line.get_linestyle()) for line in ax.get_lines()}
    assert drawn == {"AdamW": (OPTIMIZER_COLORS["AdamW"].lower(), "--"), "Adam": (OPTIMIZER_COLORS["Adam"].lower(), "-")}
    plt.close("all")


def test_color_for_matches_names_case_insensitively_and_falls_back_to_the_default_cycle():
    assert color_for("Adam") == OPTIMIZER_COLORS["Adam"]
    assert color_for("RMSprop") == OPTIMIZER_COLORS["RMSProp"]  # torch's spelling
    assert color_for("adagrad") == OPTIMIZER_COLORS["AdaGrad"]
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    assert color_for("my optimizer") == cycle[0]
    assert color_for("my optimizer", index=3) == cycle[3]


# --- animations ------------------------------------------------------------------


# These two inspect the frame sequence without rendering, which matplotlib
# reports when the animation is collected; collect it inside the test, where
# the warning is expected.
unrendered = pytest.mark.filterwarnings("ignore:Animation was deleted without rendering:UserWarning")


@unrendered
def test_animation_has_at_most_max_frames_and_ends_on_the_last_step(paths):
    land, trajectories = paths
    long = {"Adam": trajectory(optim.Adam(lr=0.05), land, steps=300), "SGD": trajectories["SGD"]}
    anim = animate_trajectories(land, long, max_frames=25)
    assert isinstance(anim, FuncAnimation)
    frames = list(anim.new_frame_seq())
    assert 2 <= len(frames) <= 25
    assert frames[0] == 0 and frames[-1] == 300
    del anim
    gc.collect()


@unrendered
def test_animation_of_a_short_path_shows_every_step():
    land = saddle()
    anim = animate_trajectories(land, {"SGD": trajectory(optim.SGD(lr=0.1), land, steps=4)}, max_frames=60)
    assert list(anim.new_frame_seq()) == [0, 1, 2, 3, 4]
    del anim
    gc.collect()


def test_animation_html_is_self_contained_html_with_one_image_per_frame_and_closes_the_figure(paths):
    land, trajectories = paths
    anim = animate_trajectories(land, trajectories, max_frames=4)
    figures_before = len(plt.get_fignums())
    html = animation_html(anim)
    assert isinstance(html, HTML)
    assert "<img" in html.data or "<script" in html.data
    assert len(re.findall(r"data:image/\w+;base64,", html.data)) == 4
    assert len(plt.get_fignums()) == figures_before - 1
