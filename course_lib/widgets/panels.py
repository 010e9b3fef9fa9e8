"""Panels that several explorers share, built on ``scene.Scene``.

``LandscapePaths``: optimizers' paths over a landscape's contours, the panel
of most explorers. The contours are background, drawn once per landscape (a
move of lr or beta redraws only the paths); the paths, their start circles
and the minima's stars (drawn above the paths) are moving artists.
"""

from __future__ import annotations

import numpy as np

from .. import plots


class LandscapePaths:
    """Paths of ``labels`` (in this order, each in its course colour) on a landscape."""

    def __init__(self, scene, ax, labels, resolution: int = 120, markersize: float = 2.0,
                 legend_loc: str = "best", legend_fontsize=None, levels: int = 30):
        self.scene, self.ax, self.labels = scene, ax, list(labels)
        self.resolution, self.levels = resolution, levels
        self.legend_loc, self.legend_fontsize = legend_loc, legend_fontsize
        self.landscape_name = None
        self._contours: list = []
        self._star_count = 0
        colors = plots.colors_for(self.labels)
        self.lines, self.starts = {}, {}
        for label in self.labels:
            self.lines[label] = scene.moving(f"path {label}", ax.plot(
                [], [], marker="o", linestyle=plots._linestyle(label), color=colors[label], markersize=markersize,
                linewidth=1.4, label=label, zorder=3)[0])
            self.starts[label] = scene.moving(f"start {label}", ax.plot(
                [], [], "o", markersize=3 * markersize, markerfacecolor="none", markeredgecolor=colors[label],
                markeredgewidth=1.5, zorder=4)[0])

    def show(self, landscape, paths: dict) -> None:
        """Draw ``paths`` (label -> (n, 2) array, or None to hide that label) on ``landscape``."""
        if landscape.name != self.landscape_name:
            self._draw_landscape(landscape)
        for label in self.labels:
            path = paths.get(label)
            shown = path is not None and len(path) > 0
            self.lines[label].set_visible(shown)
            self.starts[label].set_visible(shown)
            if shown:
                self.lines[label].set_data(path[:, 0], path[:, 1])
                self.starts[label].set_data([path[0, 0]], [path[0, 1]])
        legend = self.ax.legend(handles=[self.lines[label] for label in self.labels if label in paths
                                         and paths[label] is not None],
                                loc=self.legend_loc, fontsize=self.legend_fontsize)
        self.scene.moving(f"legend {id(self)}", legend)   # above the paths, and "best" moves with them

    def _draw_landscape(self, landscape) -> None:
        for artist in self._contours:
            artist.remove()
        # plots.plot_landscape draws into the axes: what it adds now is this landscape's background
        before = set(self.ax.collections)
        plots.plot_landscape(landscape, ax=self.ax, levels=self.levels, resolution=self.resolution)
        added = [a for a in self.ax.collections if a not in before]
        stars = [a for a in added if a.get_zorder() >= plots.MINIMUM_STYLE["zorder"]]
        self._contours = [a for a in added if a not in stars]
        for i, star in enumerate(stars):   # above the paths, as in a full draw
            self.scene.moving(f"landscape marker {id(self)} {i}", star)
        self.scene.forget([f"landscape marker {id(self)} {i}" for i in range(len(stars), self._star_count)])
        self._star_count = len(stars)
        self.ax.set_autoscale_on(False)
        self.landscape_name = landscape.name
        self.scene.background_changed()


def finite_prefix(path: np.ndarray) -> np.ndarray:
    """The rows of a path up to its first non-finite one (a diverged run's drawable part)."""
    bad = ~np.all(np.isfinite(path), axis=1)
    return path[: int(np.argmax(bad))] if bad.any() else path
