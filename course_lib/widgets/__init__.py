"""Interactive explorers: controls above a picture that answers as you drag.

Each lesson's explorer is a ``scene.Scene`` subclass in ``lessonNN.py``: a
persistent figure whose ``update(**values)`` takes the controls' values as
keyword arguments; the lesson wraps it with ``explorer``::

    from course_lib.widgets import explorer, log_slider
    from course_lib.widgets.lesson01 import GDOnQuadraticExplorer
    explorer(GDOnQuadraticExplorer, lr=log_slider(0.01, 1.0, 0.1), condition_number=...)

Explorers only draw. The quantities a lesson derives and an explorer shows
(step bounds, convergence rates, RAdam's first rectified step, ...) live in
``course_lib.theory``, one module per idea, where the lessons and the tests
import them too; the problems the explorers run on live in ``course_lib.landscapes``.

How a move reaches the screen, and why this way (``benchmarks/browser_latency.py``
measures both deliveries side by side in JupyterLab in Chromium, in one run):

- The picture is an ``ipywidgets.Image`` holding the scene's PNG. Its bytes
  travel as a binary buffer of the widget's own message, and the widget state
  that nbclient saves keeps the last picture, so the static site shows it. The
  other way tried, an ``Output`` widget that clears and displays a new PNG on
  each move, sends the same PNG base64-encoded inside a display message and
  makes the browser rebuild the output area. ipympl sends only what changed
  but leaves a blank figure in a static page (ipympl #359), and bqplot or
  plotly's FigureWidget draw in the browser but vanish from static pages too.
- The sliders update while dragged (``continuous_update=True``). The browser's
  widget manager sends a control's next value only after the kernel has
  finished with the previous one, merging the values that arrive meanwhile
  (@jupyter-widgets/base's message throttle, one message in flight), so a drag
  never queues stale redraws: the kernel draws the latest value each time it
  is free. The redraw runs inside the value's message for that reason.

ipywidgets hides an exception raised inside its callback, so a broken
explorer would look fine in CI: the tests call every lesson's explorer
directly with several control values (``EXPLORERS`` in each module), and
``explorer`` itself shows any error where the picture would be.
"""

from __future__ import annotations

import importlib
import io
import math
import pkgutil

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Image, display

from .scene import FIXED_TITLES, Scene


def log_slider(low: float, high: float, value: float, description: str = "", steps: int = 40):
    """A slider that moves in equal ratios: right for learning rates and epsilons.

    Its grid of exponents passes through ``value``: the browser snaps a slider to its grid, so an
    off-grid value (0.1 on 40 steps from 1e-3 to 1) would read 0.106 while the figure, drawn in the
    kernel (and on the static site) with 0.1, says 0.1. The low end moves down by less than a step
    to put value on the grid, the high end down to the last step inside the range."""
    step = (math.log10(high) - math.log10(low)) / steps
    below = math.ceil((math.log10(value) - math.log10(low)) / step - 1e-9)
    bottom = math.log10(value) - below * step
    top = bottom + math.floor((math.log10(high) - bottom) / step + 1e-9) * step
    return widgets.FloatLogSlider(value=value, base=10, min=bottom, max=top, step=step, description=description,
                                  continuous_update=True, readout_format=".3g")


def slider(low: float, high: float, value: float, step: float, description: str = ""):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=True, readout_format=".3g")


def int_slider(low: int, high: int, value: int, step: int = 1, description: str = ""):
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=True)


def dropdown(options, value=None, description: str = ""):
    options = list(options)
    return widgets.Dropdown(options=options, value=options[0] if value is None else value, description=description)


def checkbox(value: bool = False, description: str = ""):
    return widgets.Checkbox(value=value, description=description, indent=False)


DELIVERIES = ("image", "output")   # see the module's docstring; "output" is kept for the benchmark


def explorer(scene, /, *, delivery: str = "image", **controls) -> widgets.Widget:
    """Controls above a picture of ``scene`` that every change of a control redraws.

    scene: a ``Scene`` subclass (one persistent figure, redrawn by blitting), or a
    function that returns a new matplotlib Figure for the values (drawn in full).
    controls: name -> an ipywidgets control (see the helpers above), one per
    keyword argument of the scene's ``update``.
    """
    if delivery not in DELIVERIES:
        raise ValueError(f"delivery must be one of {DELIVERIES}, not {delivery!r}")
    for name, control in controls.items():
        if not control.description:
            control.description = name
        control.style = {"description_width": "initial"}
    view = View(scene, delivery)

    def redraw(change=None):
        view.show({name: control.value for name, control in controls.items()})

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    rows = [widgets.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
    return widgets.VBox([*rows, view.widget, view.message])


class View:
    """Where an explorer's picture is shown, and the message that replaces it if drawing fails."""

    def __init__(self, scene, delivery: str = "image"):
        self.scene = scene() if isinstance(scene, type) and issubclass(scene, Scene) else None
        self.function = None if self.scene is not None else scene
        self.delivery = delivery
        self.widget = widgets.Image(format="png") if delivery == "image" else widgets.Output()
        self.message = widgets.HTML(layout=widgets.Layout(display="none"))

    def show(self, values: dict) -> None:
        try:
            png = self.png(values)
        except Exception as error:   # shown where the picture would be: ipywidgets would hide it
            self.message.value = f"<pre>{failure_text(error)}</pre>"
            self.message.layout.display = None
            return
        self.message.layout.display = "none"
        if self.delivery == "image":
            self.widget.value = png
        else:
            with self.widget:
                self.widget.clear_output(wait=True)
                display(Image(png))

    def png(self, values: dict) -> bytes:
        if self.scene is not None:
            self.scene.show(**values)
            return self.scene.png()
        with plt.rc_context(FIXED_TITLES):
            figure = self.function(**values)
        try:
            out = io.BytesIO()
            figure.savefig(out, format="png")
            return out.getvalue()
        finally:
            plt.close(figure)


def failure_text(error: Exception) -> str:
    return f"This explorer failed with {type(error).__name__}: {error}"


def render(scene, values: dict):
    """The figure an explorer shows for ``values``, or, if drawing raises, the message it shows instead."""
    try:
        if isinstance(scene, type) and issubclass(scene, Scene):
            return scene().show(**values)
        with plt.rc_context(FIXED_TITLES):
            return scene(**values)
    except Exception as error:
        return failure_text(error)


def all_explorers() -> dict:
    """Every lesson's EXPLORERS: name -> (Scene subclass, [sample control values...]), for the tests."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("lesson"):
            found.update(importlib.import_module(f"{__name__}.{module.name}").EXPLORERS)
    return found


__all__ = ["explorer", "render", "View", "Scene", "log_slider", "slider", "int_slider", "dropdown", "checkbox",
           "all_explorers", "FIXED_TITLES"]
