"""A persistent explorer figure: drawn once, then only what a move changes.

An explorer's figure has two kinds of artists. Some never depend on a control,
or change only now and then: the axes, their ticks and labels, a landscape's
contours, reference curves. Others change with every move: a path, a curve, a
title that reports a number. Redrawing the whole figure on every move costs
100-200 ms on this machine, most of it rasterizing text and contours that did
not change (``benchmarks/frame_costs.py``). A ``Scene`` draws the first kind
once into a cached background, and on each move redraws only the second kind
on top of it ("blitting", as matplotlib's own animations do).

A lesson's explorer is a subclass with two methods:

- ``build()`` makes the axes and everything that stays, and registers with
  ``self.moving(name, artist)`` each artist that ``update`` will change;
- ``update(**values)`` sets the moving artists for the controls' values
  (``set_data``, ``set_text``, ``set_visible``; or a new artist registered under
  the same name, which replaces and removes the old one).

What decides whether the cached background is still good: every axes' limits,
scales, visibility and labels, and ``self.background_version``, which an
``update`` bumps with ``background_changed()`` after changing anything else
that is not a moving artist (a landscape's contours, a static line). An update
that keeps its axes' limits fixed is a fast frame; one that moves them is a
full redraw, so explorers fix their limits where they can.

Blitting draws the moving artists after, so above, every background artist. A
background artist meant to lie on top of a moving one (a legend, an annotation)
must be a moving artist itself: ``tests/test_widgets.py`` compares every frame
with a full redraw of the same figure, pixel for pixel inside the axes, and
fails when one is not.

The figure is a plain ``matplotlib.figure.Figure`` with an Agg canvas, not a
pyplot figure: Jupyter's inline backend would otherwise show it again below
the cell, and pyplot would keep every explorer's figure open.
"""

from __future__ import annotations

import struct
import zlib

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Titles at a fixed height. By default matplotlib measures every axes' tick labels
# again on each draw, to lift a title above ticks placed on top of the axes; no
# explorer puts ticks there, so the search only costs time. A Scene's titles are
# moving artists drawn without the axes, so they must not depend on that search.
FIXED_TITLES = {"axes.titley": 1.0}
DPI = 100   # the inline backend's: an explorer's picture has the size a plt figure had
# zlib level 1: the PNG of a 1150 x 460 explorer is about as small as at the default
# level 6 (rows of flat colour compress either way) and encodes several times faster.
PNG_COMPRESSION = 1


class Scene:
    """One explorer's figure. Subclasses define ``figsize``, ``build`` and ``update``."""

    figsize = (11.5, 4.6)

    def __init__(self):
        self._moving: dict[str, object] = {}
        self.background_version = 0
        self._background = None
        self._background_key = None
        with plt.rc_context(FIXED_TITLES):   # read when the axes are made
            self.fig = Figure(figsize=self.figsize, dpi=DPI)
            FigureCanvasAgg(self.fig)
            self.build()

    # -- what a lesson's explorer writes

    def build(self) -> None:
        raise NotImplementedError

    def update(self, **values) -> None:
        raise NotImplementedError

    def moving(self, name: str, artist):
        """Register ``artist`` as one that updates change; it replaces (and removes) the
        artist registered under ``name`` before. Returns the artist."""
        old = self._moving.get(name)
        if old is not None and old is not artist and _attached(old):
            old.remove()   # not a legend that ax.legend() has already replaced: removing it would detach the new one
        self._moving[name] = artist
        return artist

    def forget(self, names) -> None:
        """Remove the moving artists registered under ``names`` (those that exist)."""
        for name in names:
            artist = self._moving.pop(name, None)
            if artist is not None and _attached(artist):
                artist.remove()

    def background_changed(self) -> None:
        """Say that something drawn in the background changed: the next frame redraws it."""
        self.background_version += 1

    # -- what the explorer widget, the tests and the static site call

    def show(self, **values) -> Figure:
        """Update to ``values`` and return the figure (drawn in full when saved or shown)."""
        with plt.rc_context(FIXED_TITLES):
            self.update(**values)
        return self.fig

    def frame(self) -> np.ndarray:
        """The figure as it stands, rasterized by blitting: an (h, w, 4) uint8 RGBA view."""
        canvas = self.fig.canvas
        key = self._current_background_key()
        moving = list(self._moving.values())
        if key != self._background_key or self._background is None:
            for artist in moving:
                artist.set_animated(True)   # canvas.draw leaves animated artists out
            try:
                canvas.draw()
            finally:
                for artist in moving:
                    artist.set_animated(False)
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._background_key = key
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in sorted(moving, key=lambda a: a.get_zorder()):   # sorted is stable: ties keep their order
            if artist.get_visible() and (artist.axes is None or artist.axes.get_visible()):
                artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba())

    def png(self) -> bytes:
        """The figure as it stands (``frame``), as PNG bytes."""
        return png_bytes(self.frame())

    def full_frame(self) -> np.ndarray:
        """The figure drawn in full, every artist in z-order: what ``frame`` must equal."""
        self.fig.canvas.draw()
        self._background_key = None   # the canvas no longer holds the background alone
        return np.asarray(self.fig.canvas.buffer_rgba())

    def _current_background_key(self) -> tuple:
        axes = tuple((ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      ax.get_visible(), ax.get_xlabel(), ax.get_ylabel()) for ax in self.fig.axes)
        return (self.background_version, axes)


def png_bytes(rgba: np.ndarray) -> bytes:
    """An opaque (h, w, 4) uint8 image as an RGB PNG: no row filter, zlib at PNG_COMPRESSION.

    Written out with zlib rather than by Pillow, whose encoder spends 15-19 ms on an
    explorer's frame where this takes 5-7 ms (and gives a file 10 % smaller): a tenth of
    the 100 ms a move may take. The format is the PNG specification's simplest case: a
    signature, then IHDR (8-bit truecolour), IDAT (each row prefixed by filter type 0,
    "none", and the whole deflated) and IEND, each chunk with its CRC-32.
    ``tests/test_widgets.py`` decodes it with Pillow and compares every pixel.
    """
    if not np.all(rgba[:, :, 3] == 255):   # an explorer's figure has an opaque face; RGB would lose alpha
        raise ValueError("png_bytes needs an opaque image (alpha 255 everywhere)")
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)   # column 0: the filter type, 0
    rows[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8 bits, truecolour, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_COMPRESSION)) + chunk(b"IEND", b""))


def _attached(artist) -> bool:
    parent = artist.axes if artist.axes is not None else artist.figure
    return parent is not None and artist in parent.get_children()


def axes_edges_mask(fig: Figure, width: int = 2) -> np.ndarray:
    """Pixels within ``width`` of an axes' frame (where blitting may differ from a full draw:
    a moving line clipped at the frame is drawn over the spine instead of under it)."""
    w, h = fig.canvas.get_width_height()
    mask = np.zeros((h, w), dtype=bool)
    for ax in fig.axes:
        x0, y0, x1, y1 = ax.bbox.extents
        left, right = int(np.floor(x0)), int(np.ceil(x1))
        top, bottom = h - int(np.ceil(y1)), h - int(np.floor(y0))   # image rows count from the top
        for column in (left, right):
            mask[max(top - width, 0):bottom + width + 1, max(column - width, 0):column + width + 1] = True
        for row in (top, bottom):
            mask[max(row - width, 0):row + width + 1, max(left - width, 0):right + width + 1] = True
    return mask


__all__ = ["Scene", "FIXED_TITLES", "DPI", "png_bytes", "axes_edges_mask"]
