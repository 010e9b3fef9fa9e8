"""The plots every lesson draws: contours with optimizer paths, loss curves, animations.

Each function draws on ``ax`` when given one (so lessons can build grids of
subplots) or on a new figure, and returns what it drew on; nothing here calls
``plt.show()``, the notebook displays the returned figure itself::

    ax = plot_trajectories(land, {"SGD": path_sgd, "Adam": path_adam})
    anim = animate_trajectories(land, {"SGD": path_sgd, "Adam": path_adam})
    animation_html(anim)          # last line of a cell: plays offline, no ffmpeg

An optimizer keeps its color and line style across the whole course: ``OPTIMIZER_STYLES``,
``style_for(name)``.
"""

from __future__ import annotations

import numbers

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.colors import LogNorm, to_hex

from .i18n import N_, _

# One color and one line style per optimizer, in every figure of the course.
# The colors are Okabe and Ito's and Paul Tol's palettes, made for readers with
# color-vision deficiencies: every pair differs clearly for normal vision, and
# where a pair looks alike to protan, deutan or tritan eyes, the two differ in
# line style (tests/test_plots.py simulates the three and checks it). Yellow,
# pale and grey shades are left out: they vanish on the grey contours.
OPTIMIZER_STYLES = {
    "SGD": ("#0072B2", "-"),             # blue
    "Momentum": ("#E69F00", "-"),        # orange
    "Nesterov": ("#882255", "--"),       # wine
    "AdaGrad": ("#009E73", "-"),         # bluish green
    "RMSProp": ("#CC79A7", "-"),         # reddish purple
    "AdaDelta": ("#999933", "--"),       # olive
    "Adam": ("#D55E00", "-"),            # vermillion
    "AdamW": ("#332288", "--"),          # indigo
    "NAdam": ("#56B4E9", "--"),          # sky blue
    "AdaMax": ("#225555", "-."),         # dark teal (Tol): far from Adam's vermillion for every vision
    "AMSGrad": ("#AA4499", ":"),         # purple
    "RAdam": ("#000000", "-"),           # black: the course's destination
    "Lookahead": ("#997700", ":"),       # dark gold
    "LAMB": ("#661100", "-."),           # brown
    "Adam + warmup": ("#EE3377", "--"),  # magenta: Adam with a schedule, RAdam's rival in lesson 09
}
OPTIMIZER_COLORS = {name: color for name, (color, _) in OPTIMIZER_STYLES.items()}
OPTIMIZER_LINESTYLES = {name: linestyle for name, (_, linestyle) in OPTIMIZER_STYLES.items()}
# For labels outside the palette: dark and saturated, so they read on the grey
# contours, and unlike any optimizer's color (pale tab20 shades come after them).
SPARE_COLORS = ["#44AA99", "#BB5566", "#004488", "#997799", "#843c39", "#636363", "#006d2c", "#dd1c77"]
# Case-insensitive, so torch's spellings (Adagrad, RMSprop, Adamax) match too.
_COLORS_BY_KEY = {name.lower(): color for name, color in OPTIMIZER_COLORS.items()}
_LINESTYLES_BY_KEY = {name.lower(): style for name, style in OPTIMIZER_LINESTYLES.items()}

# Neutral, so the colored paths stand out; white at the bottom, like the
# unfilled region below the lowest log-spaced level around a minimum.
CONTOUR_CMAP = "Greys"
MINIMUM_STYLE = dict(marker="*", s=220, color="gold", edgecolors="black", linewidths=0.8, zorder=5)
SADDLE_STYLE = dict(marker="X", s=90, color="white", edgecolors="black", linewidths=0.8, zorder=5)
THETA_LABELS = (r"$\theta_1$", r"$\theta_2$")


def _default_cycle() -> list:
    return plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])


def color_for(label: str, index: int = 0) -> str:
    """The course's color for an optimizer name ("Adam", "RMSprop", ...).

    Any other label gets the color ``index`` of matplotlib's default cycle.
    """
    color = _COLORS_BY_KEY.get(str(label).strip().lower())
    if color is not None:
        return color
    cycle = _default_cycle()
    return cycle[index % len(cycle)]


def _linestyle(label) -> str:
    return _LINESTYLES_BY_KEY.get(str(label).strip().lower(), "-")


def style_for(label: str, index: int = 0) -> dict:
    """``color`` and ``linestyle`` keyword arguments for an optimizer's line::

        ax.plot(t, losses, **style_for("AdamW"), label="AdamW")

    Labels outside the palette get ``color_for``'s color and a solid line.
    """
    return {"color": color_for(label, index), "linestyle": _linestyle(label)}


def colors_for(labels) -> dict[str, str]:
    """Colors for the labels of one plot: the palette's where known, and for the
    others colors that no optimizer of the palette uses."""
    colors = {label: _COLORS_BY_KEY.get(str(label).strip().lower()) for label in labels}
    # spares avoid every palette color, so that an unknown label never looks like SGD or Adam
    reserved = {to_hex(c) for c in OPTIMIZER_COLORS.values()}
    candidates = SPARE_COLORS + [to_hex(c) for c in plt.get_cmap("tab20").colors[1::2]]
    spare = list(dict.fromkeys(c for c in candidates if c not in reserved))
    unknown = [label for label, color in colors.items() if color is None]
    for i, label in enumerate(unknown):
        colors[label] = spare[i % len(spare)]
    return colors


def _new_axes(ax, figsize=(6.0, 5.0)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _contour_levels(Z: np.ndarray, levels, log_scale: bool) -> np.ndarray:
    """Explicit levels: ``levels`` values spaced evenly, or geometrically when log_scale.

    Geometric spacing puts as many contours between 0.01 and 0.1 as between
    100 and 1000, which is what shows the valley floor of Rosenbrock or Beale.
    """
    if not isinstance(levels, numbers.Integral):
        return np.asarray(levels, dtype=np.float64)
    if isinstance(levels, bool) or levels < 2:
        raise ValueError(f"levels must be a count >= 2 or a sequence of values, got {levels!r}")
    finite = Z[np.isfinite(Z)]
    high = finite.max()
    if log_scale and high > 0:
        positive = finite[finite > 0]
        # the lowest 0.5% of the window is the minimum's neighbourhood: leave it blank
        low = max(np.percentile(positive, 0.5), high * 1e-12)
        return np.geomspace(low, high, levels)
    return np.linspace(finite.min(), high, levels)


def plot_landscape(landscape, ax=None, levels=30, resolution: int = 200):
    """Contours of ``landscape`` over its window, its minima as stars; returns the Axes.

    ``levels`` is a number of contour levels (log-spaced when
    ``landscape.log_scale``) or a sequence of level values.
    """
    ax = _new_axes(ax)
    xs = np.linspace(*landscape.xlim, resolution)
    ys = np.linspace(*landscape.ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = landscape(np.stack([X, Y], axis=-1))
    level_values = _contour_levels(Z, levels, landscape.log_scale)
    norm = LogNorm(level_values[0], level_values[-1]) if landscape.log_scale and level_values[0] > 0 else None
    ax.contourf(X, Y, Z, levels=level_values, cmap=CONTOUR_CMAP, norm=norm, alpha=0.5)
    ax.contour(X, Y, Z, levels=level_values, colors="0.35", linewidths=0.5, alpha=0.7)
    for minimum in landscape.minima:
        ax.scatter(*minimum, **MINIMUM_STYLE)
    for point in getattr(landscape, "saddle_points", ()):
        ax.scatter(*point, **SADDLE_STYLE)
    ax.set_xlim(landscape.xlim)
    ax.set_ylim(landscape.ylim)
    ax.set_aspect("equal", adjustable="box")  # the gradient is then seen perpendicular to the contours
    ax.set_xlabel(THETA_LABELS[0])
    ax.set_ylabel(THETA_LABELS[1])
    ax.set_title(_(landscape.name))   # a name in the catalogue (a description, marked with N_) is translated
    return ax


def _check_trajectories(trajectories) -> dict[str, np.ndarray]:
    if not isinstance(trajectories, dict) or not trajectories:
        raise TypeError(
            "trajectories must be a non-empty dict label -> path of shape (n, 2), "
            f"such as {{'SGD': path}}; got {type(trajectories).__name__}"
        )
    paths = {}
    for label, path in trajectories.items():
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"trajectories[{label!r}] must have shape (n, 2) with n >= 1, got {path.shape}")
        paths[label] = path
    return paths


def _keep_window(ax, landscape) -> None:
    # A divergent path reaches 1e6: if the axes autoscaled to it the landscape
    # would shrink to a dot. Fixed limits also hold for whatever a lesson draws next.
    ax.set_xlim(landscape.xlim)
    ax.set_ylim(landscape.ylim)
    ax.set_autoscale_on(False)


def plot_trajectories(landscape, trajectories, ax=None, levels=30, resolution: int = 200,
                      markersize: float = 3.0, legend_loc: str = "best"):
    """The landscape's contours with each path of ``trajectories`` (label -> (n, 2) array).

    Each path is a line with a marker per iterate, its start a large open
    circle; the axes stay on the landscape's window even when a path leaves
    it. Returns the Axes.
    """
    paths = _check_trajectories(trajectories)
    ax = plot_landscape(landscape, ax=ax, levels=levels, resolution=resolution)
    colors = colors_for(paths)
    for label, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], marker="o", linestyle=_linestyle(label), color=colors[label], markersize=markersize,
                linewidth=1.4, label=label, zorder=3)
        ax.plot(*path[0], "o", markersize=3 * markersize, markerfacecolor="none",
                markeredgecolor=colors[label], markeredgewidth=1.5, zorder=4)
    _keep_window(ax, landscape)
    ax.legend(loc=legend_loc)
    return ax


def _loss_values(history) -> np.ndarray:
    values = getattr(history, "loss", history)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"a loss history must be a 1-D sequence, got shape {values.shape}")
    return values


def plot_losses(histories, ax=None, logy: bool = True, xlabel: str | None = None, ylabel: str | None = None,
                title: str | None = None):
    """Loss curves: ``histories`` maps a label to a 1-D sequence of losses, or to
    an object whose ``.loss`` is one (a training history). Returns the Axes.

    The y axis is logarithmic when ``logy`` and every finite value is positive;
    the inf or nan of a diverged run is left out of that check (matplotlib
    does not draw it either). The axis labels are "step" and "loss" (in the
    reader's language) unless ``xlabel`` or ``ylabel`` is given.
    """
    if not isinstance(histories, dict) or not histories:
        raise TypeError(f"histories must be a non-empty dict label -> losses, got {type(histories).__name__}")
    ax = _new_axes(ax, figsize=(6.5, 4.0))
    values = {label: _loss_values(history) for label, history in histories.items()}
    colors = colors_for(values)
    for label, losses in values.items():
        ax.plot(np.arange(len(losses)), losses, color=colors[label], linestyle=_linestyle(label), linewidth=1.5,
                label=label)
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    if logy and finite.size and np.all(finite > 0):
        ax.set_yscale("log")
    ax.set_xlabel(_("step") if xlabel is None else xlabel)
    ax.set_ylabel(_("loss") if ylabel is None else ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend()
    return ax


def _frame_indices(longest: int, max_frames: int) -> list[int]:
    """At most max_frames step indices from 0 to longest - 1, ends included."""
    count = min(max_frames, longest)
    return np.unique(np.round(np.linspace(0, longest - 1, count)).astype(int)).tolist()


def animate_trajectories(landscape, trajectories, interval: int = 80, max_frames: int = 60,
                         figsize=(5.5, 4.5), dpi: int = 72, levels=20, resolution: int = 120):
    """A FuncAnimation of the paths growing over the landscape's contours.

    Long paths are subsampled to at most ``max_frames`` frames (the last shows
    every path whole), and the figure is small (``dpi``), so that the HTML a
    notebook stores stays light. Show it with ``animation_html(anim)``.
    """
    paths = _check_trajectories(trajectories)
    if isinstance(max_frames, bool) or not isinstance(max_frames, numbers.Integral) or max_frames < 1:
        raise ValueError(f"max_frames must be a whole number >= 1, got {max_frames!r}")
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    # every frame redraws the contours: fewer levels on a coarser grid keep it quick
    plot_landscape(landscape, ax=ax, levels=levels, resolution=resolution)
    colors = colors_for(paths)
    lines = {}
    for label, path in paths.items():
        ax.plot(*path[0], "o", markersize=9, markerfacecolor="none", markeredgecolor=colors[label],
                markeredgewidth=1.5, zorder=4)
        (lines[label],) = ax.plot([], [], marker="o", linestyle=_linestyle(label), color=colors[label], markersize=2.5, linewidth=1.4,
                                  label=label, zorder=3)
    _keep_window(ax, landscape)
    ax.legend(loc="best")
    fig.tight_layout()
    frames = _frame_indices(max(len(p) for p in paths.values()), max_frames)

    def draw(step):
        for label, path in paths.items():
            lines[label].set_data(path[: step + 1, 0], path[: step + 1, 1])
        ax.set_title(_("{landscape}, step {step}").format(landscape=landscape.name, step=step))
        return list(lines.values())

    return FuncAnimation(fig, draw, frames=frames, interval=interval, repeat=False, blit=False)


def animation_html(anim):
    """The animation as self-contained HTML: a JavaScript player with the frames
    embedded as JPEG images, so it plays offline and needs no ffmpeg.

    Closes the animation's figure, which would otherwise also be shown as a
    still image under the player.
    """
    from IPython.display import HTML

    # JPEG frames: a third of the size of PNG for these contour plots
    with plt.rc_context({"animation.frame_format": "jpeg"}):
        html = anim.to_jshtml()
    plt.close(anim._fig)  # matplotlib keeps an animation's figure only in this attribute
    return HTML(_player_in_language(html))


# The words of matplotlib's player: its buttons' tooltips (title= and aria-label=) and the labels of
# its repetition modes, which a reader sees; in the language i18n.use chose
PLAYER_WORDS = (N_("Decrease speed"), N_("First frame"), N_("Previous frame"), N_("Play backwards"), N_("Pause"),
                N_("Play"), N_("Next frame"), N_("Last frame"), N_("Increase speed"), N_("Repetition mode"),
                N_("Once"), N_("Loop"), N_("Reflect"))


def _player_in_language(html: str) -> str:
    for word in PLAYER_WORDS:
        shown = _(word)
        if shown != word:
            html = (html.replace(f'title="{word}" aria-label="{word}"', f'title="{shown}" aria-label="{shown}"')
                    .replace(f'">{word}</label>', f'">{shown}</label>'))
    return html


__all__ = [
    "OPTIMIZER_STYLES", "OPTIMIZER_COLORS", "OPTIMIZER_LINESTYLES", "color_for", "colors_for", "style_for",
    "plot_landscape", "plot_trajectories", "plot_losses", "animate_trajectories", "animation_html",
]
