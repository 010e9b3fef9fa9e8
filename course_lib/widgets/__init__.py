"""Interactive explorers: sliders whose every move redraws a figure.

Each lesson's explorer is a plain function in ``lessonNN.py`` that takes the
slider values as keyword arguments and returns a matplotlib Figure; the
lesson wraps it with ``explorer``::

    from course_lib.widgets import explorer, log_slider
    from course_lib.widgets.lesson01 import gd_on_quadratic
    explorer(gd_on_quadratic, lr=log_slider(0.01, 1.0, 0.1), condition_number=...)

Explorers only draw. The quantities a lesson derives and an explorer shows
(step bounds, convergence rates, RAdam's first rectified step, ...) live in
``course_lib.theory``, one module per idea, where the lessons and the tests
import them too; the problems the explorers run on live in ``course_lib.landscapes``.

ipywidgets hides an exception raised inside its callback, so a broken
explorer would look fine in CI: the tests call every lesson's callback
directly with several slider values (``EXPLORERS`` in each module), and
``explorer`` itself prints any error where the figure would be.
"""

from __future__ import annotations

import importlib
import pkgutil

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display


def log_slider(low: float, high: float, value: float, description: str = "", steps: int = 40):
    """A slider that moves in equal ratios: right for learning rates and epsilons."""
    import math
    return widgets.FloatLogSlider(value=value, base=10, min=math.log10(low), max=math.log10(high),
                                  step=(math.log10(high) - math.log10(low)) / steps, description=description,
                                  continuous_update=False, readout_format=".3g")


def slider(low: float, high: float, value: float, step: float, description: str = ""):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, readout_format=".3g")


def int_slider(low: int, high: int, value: int, step: int = 1, description: str = ""):
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=False)


def dropdown(options, value=None, description: str = ""):
    options = list(options)
    return widgets.Dropdown(options=options, value=options[0] if value is None else value, description=description)


def explorer(callback, **controls) -> widgets.Widget:
    """Controls above a figure that ``callback(**values)`` redraws on every change.

    controls: name -> an ipywidgets control (see the helpers above), one per
    keyword argument of callback. The callback returns a matplotlib Figure.
    """
    for name, control in controls.items():
        if not control.description:
            control.description = name
        control.style = {"description_width": "initial"}

    def redraw(**values):
        shown = render(callback, values)
        display(shown)
        if isinstance(shown, plt.Figure):
            plt.close(shown)  # shown once, in the output area, not again below the cell

    out = widgets.interactive_output(redraw, controls)  # draws once now, then on every change
    rows = [widgets.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
    return widgets.VBox([*rows, out])


# Titles at a fixed height. By default matplotlib measures every axes' tick labels
# again on each draw, to lift a title above ticks placed on top of the axes; no
# explorer puts ticks there, so the search only costs time (10-18 % of a redraw in
# an interleaved comparison on four explorers). tests/test_widgets.py checks that
# every explorer's image is unchanged, pixel for pixel.
FIXED_TITLES = {"axes.titley": 1.0}


def render(callback, values: dict):
    """callback(**values), or, if it raises, a message saying so (what the explorer shows)."""
    try:
        with plt.rc_context(FIXED_TITLES):  # read when the axes are made, so it applies to this figure only
            return callback(**values)
    except Exception as error:  # shown where the figure would be: ipywidgets would hide it
        return f"This explorer failed with {type(error).__name__}: {error}"


def all_explorers() -> dict:
    """Every lesson's EXPLORERS: name -> (callback, [sample slider values...]), for the tests."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("lesson"):
            found.update(importlib.import_module(f"{__name__}.{module.name}").EXPLORERS)
    return found


__all__ = ["explorer", "render", "log_slider", "slider", "int_slider", "dropdown", "all_explorers"]
