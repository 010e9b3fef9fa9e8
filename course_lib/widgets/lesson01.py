"""Lesson 01's explorers: gradient descent on a quadratic, and mini-batch noise on real data.

Each is a ``scene.Scene``: a persistent figure whose ``update`` takes the
controls' values as keyword arguments; the lesson wraps it with
``course_lib.widgets.explorer``.

- ``GDOnQuadraticExplorer``, controls ``lr, condition_number, steps``: the path
  on a quadratic bowl whose steepest curvature is fixed at L = 1, so that the
  divergence threshold 2 / L = 2 stays put while the condition number changes
  only how flat the other direction is; beside it the loss against the bound
  f_0 r^(2t). The maths is ``course_lib.theory.gd_quadratic``.
- ``SGDBatchNoiseExplorer``, controls ``batch_size, lr, steps``: mini-batch SGD
  on a two-weight linear regression (diabetes: bmi and s5), next to full-batch
  gradient descent; the smaller the batch, the wider the path wanders. The
  runs and the gradient's variance are ``course_lib.theory.minibatch_noise``.

The learning rate is ``lr`` (alpha in the lesson's prose), as everywhere in the course.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D

from ..i18n import _
from ..plots import colors_for, plot_landscape, style_for
from ..theory.gd_quadratic import (best_lr, bowl_run, contraction_factor, divergence_threshold,
                                   flat_direction_stretch, loss_bound, unit_curvature_bowl)
from ..theory.minibatch_noise import (diabetes_runs, diabetes_two_weights, gradient_spread,
                                      minibatch_gradient_variance)
from .limits import step_axis_end
from .panels import LandscapePaths
from .scene import Scene

# Log-axis limits on a grid of every fourth power of ten, ..., 1e-6, 1e-2, 1e2, 1e6, ...: a loss curve
# must cross four decades before the axes (and the cached background) change.
LIMIT_DECADES = 4
LIMIT_OFFSET = 2


def stepped_log_limits(low: float, high: float) -> tuple[float, float]:
    """The grid values 10^(LIMIT_OFFSET + LIMIT_DECADES k) just below ``low`` and just above ``high``."""
    def grid(x, rounding):
        return 10.0 ** (LIMIT_OFFSET + LIMIT_DECADES * rounding((math.log10(x) - LIMIT_OFFSET) / LIMIT_DECADES))
    return grid(low, math.floor), grid(high, math.ceil)


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """values with the entries a log axis cannot show (<= 0, inf, nan) as nan."""
    values = np.array(values, dtype=np.float64)
    values[~(np.isfinite(values) & (values > 0))] = np.nan
    return values


class GDOnQuadraticExplorer(Scene):
    """Gradient descent with learning rate lr on f = 1/2 theta^T A theta, eigenvalues of A in [1 / kappa, 1].

    Left: the path on the contours. Right: f(theta_t) on a log scale, with the
    bound f_0 * r^(2t), r = max_i |1 - lr * lambda_i|, that the lesson derives.
    Gradient descent wears SGD's colour and line style in both panels.

    The contours are moving artists, drawn once for the round bowl and stretched by
    ``flat_direction_stretch(kappa)`` on each move: a move of kappa costs no new contours
    and no redraw of the background.
    """

    figsize = (11, 4.4)
    LEVELS = np.linspace(0.0, 4.0, 20)   # f <= 1/2 |theta|^2 L <= 4 everywhere in the window, whatever kappa
    WINDOW = (-2.0, 2.0)

    def build(self):
        self.ax_path, self.ax_loss = self.fig.subplots(1, 2)
        ax = self.ax_path
        style = style_for("SGD")
        # the round bowl over a larger window: stretched along the flat direction it still covers the axes
        round_bowl = dataclasses.replace(unit_curvature_bowl(1.0), xlim=(-3.0, 3.0), ylim=(-3.0, 3.0))
        plot_landscape(round_bowl, ax=ax, levels=self.LEVELS, resolution=181)
        fill, lines, *stars = ax.collections
        self.contours = [self.moving("contour fill", fill), self.moving("contour lines", lines)]
        for i, star in enumerate(stars):   # above the path, as in a full draw
            self.moving(f"minimum {i}", star)
        ax.set_xlim(self.WINDOW)   # a diverging path would otherwise stretch the axes to 1e6
        ax.set_ylim(self.WINDOW)
        ax.set_autoscale_on(False)
        ax.set_title(_("Gradient descent on the quadratic, {L}, {mu}").format(L=r"$L = 1$", mu=r"$\mu = 1/\kappa$"))
        self.path = self.moving("path", ax.plot([], [], marker="o", markersize=3, linewidth=1.4, **style)[0])
        self.start = self.moving("start", ax.plot([], [], "o", markersize=9, markerfacecolor="none",
                                                  markeredgecolor=style["color"], markeredgewidth=1.5)[0])

        ax = self.ax_loss
        self.loss = self.moving("loss", ax.plot([], [], marker="o", markersize=3, label=r"$f(\theta_t)$",
                                                **style)[0])
        self.bound = self.moving("bound", ax.plot([], [], "--", color="0.3",
                                                  label=r"$f_0\, r^{2t}$, $r = \max_i |1 - \alpha\lambda_i|$")[0])
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # steps are whole numbers
        ax.set_xlabel(_("step t"))
        ax.set_ylabel(_("loss {f} (minimum 0)").format(f=r"$f(\theta_t)$"))
        self.moving("loss title", ax.title)
        self.legend = self.moving("legend", ax.legend(loc="upper right"))   # above the curves
        self.suptitle = self.moving("suptitle", self.fig.suptitle(" "))
        # fixed margins: tight_layout would measure every tick label on every move
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.28)

    def update(self, lr=1.0, condition_number=10.0, steps=40):
        kappa, steps = float(condition_number), int(steps)
        land = unit_curvature_bowl(kappa)
        L, mu = land.L, land.mu
        path, losses = bowl_run(float(lr), kappa, steps)
        rate = contraction_factor(lr, L, mu)
        verdict = _("converges") if rate < 1 else _("diverges") if rate > 1 else _("neither converges nor diverges")

        matrix = np.eye(3)
        matrix[:2, :2] = flat_direction_stretch(kappa)
        stretch = Affine2D(matrix)
        for contour in self.contours:
            contour.set_transform(stretch + self.ax_path.transData)
        self.path.set_data(path[:, 0], path[:, 1])
        self.start.set_data([path[0, 0]], [path[0, 1]])

        t = np.arange(len(losses))
        bound = loss_bound(losses[0], rate, steps)
        self.loss.set_data(t, positive_or_nan(losses))
        self.bound.set_data(np.arange(len(bound)), positive_or_nan(bound))
        shown = losses[np.isfinite(losses) & (losses > 0)]
        ax = self.ax_loss
        ax.set_ylim(*stepped_log_limits(max(shown.min() / 10, 1e-16) if shown.size else 1e-16,
                                        10 * shown.max() if shown.size else 10.0))
        ax.set_xlim(0, step_axis_end(steps))
        ax.set_title(_("Loss: r = {rate} per step").format(rate=f"{rate:.3f}"))
        # converging curves fall from the top left, diverging ones climb to the top right
        self.legend.set_loc("upper right" if rate <= 1 else "lower right")
        self.suptitle.set_text(_("α = {lr}, κ = {kappa}: {verdict}.   Threshold 2/L = {threshold}, "
                                 "best α = 2/(L+μ) = {best_lr}").format(
            lr=f"{lr:.3g}", kappa=f"{kappa:.3g}", verdict=verdict, threshold=f"{divergence_threshold(L):.3g}",
            best_lr=f"{best_lr(L, mu):.3g}"))


class SGDBatchNoiseExplorer(Scene):
    """Mini-batch SGD (batch_size rows per step, a new shuffle every epoch) against full-batch GD.

    Left: both paths on the contours of the training loss. Right: the training
    loss along each path. The title gives the measured-from-the-data variance
    of the mini-batch gradient at the minimum, sigma^2 / B * (N - B) / (N - 1).
    """

    figsize = (11, 4.4)
    SGD_KEY = "mini-batch SGD"   # the panel's name for the path; its label says B

    def build(self):
        problem = diabetes_two_weights()
        self.n = len(problem.X)
        self.sigma2 = gradient_spread(problem.X, problem.y, problem.w_star)
        self.gd_label = _("full batch (B = {n})").format(n=self.n)
        self.ax_path, self.ax_loss = self.fig.subplots(1, 2)
        labels = [self.gd_label, self.SGD_KEY]
        self.paths = LandscapePaths(self, self.ax_path, labels, levels=20, resolution=120, markersize=2.0,
                                    legend_loc="lower right")
        colors = colors_for(labels)   # the same colours as the paths
        ax = self.ax_loss
        self.losses = {label: self.moving(f"loss {label}", ax.plot([], [], color=colors[label])[0])
                       for label in labels}
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # steps are whole numbers
        self.loss_floor = 1e-8 * float(problem.landscape(problem.landscape.start) - problem.f_star)
        ax.set_xlabel(_("step"))
        ax.set_ylabel(_("training loss above its minimum, {gap}").format(gap=r"$f - f^*$"))
        ax.set_title(_("Loss along each path (colours as on the left)"))
        self.suptitle = self.moving("suptitle", self.fig.suptitle(" "))
        # fixed margins: tight_layout would measure every tick label on every move
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.28)

    def update(self, batch_size=8, lr=0.1, steps=120):
        problem = diabetes_two_weights()
        batch_size = int(min(max(batch_size, 1), self.n))
        steps = int(steps)
        sgd_path, gd_path = diabetes_runs(batch_size, float(lr), steps)
        self.paths.lines[self.SGD_KEY].set_label(f"SGD, B = {batch_size}")
        self.paths.show(problem.landscape, {self.gd_label: gd_path, self.SGD_KEY: sgd_path})
        self.ax_path.set_xlabel(_("weight of bmi, {theta}").format(theta=r"$\theta_1$"))
        self.ax_path.set_ylabel(_("weight of s5, {theta}").format(theta=r"$\theta_2$"))

        highest = 0.0
        with np.errstate(all="ignore"):
            for label, path in ((self.gd_label, gd_path), (self.SGD_KEY, sgd_path)):
                gaps = positive_or_nan(problem.landscape(path) - problem.f_star)
                self.losses[label].set_data(np.arange(len(path)), gaps)
                highest = max(highest, np.nanmax(gaps, initial=0.0))
        ax = self.ax_loss
        # below the floor f - f* is rounding error; the top moves in steps of four decades
        ax.set_ylim(self.loss_floor, stepped_log_limits(1.0, max(10 * highest, 1.0))[1])
        ax.set_xlim(0, step_axis_end(steps))
        noise = minibatch_gradient_variance(self.sigma2, self.n, batch_size)
        self.suptitle.set_text(_("B = {batch} of N = {n}, α = {lr}: variance of the mini-batch gradient at the "
                                 "minimum = {noise}  (about 1/B)").format(
            batch=batch_size, n=self.n, lr=f"{lr:.3g}", noise=f"{noise:.3g}"))


EXPLORERS = {
    "lesson01_gd_on_quadratic": (GDOnQuadraticExplorer, [
        dict(lr=1.0, condition_number=10.0, steps=40),          # converges, a little zig-zag
        dict(lr=2 * 2**-0.1, condition_number=10.0, steps=40),  # one notch below 2/L: bounces inwards
        dict(lr=2 * 2**0.1, condition_number=10.0, steps=40),   # one notch above 2/L: diverges
        dict(lr=2**-5, condition_number=1.0, steps=5),          # the slider's ends: crawls in a round bowl
        dict(lr=4.0, condition_number=100.0, steps=200),        # far past the threshold, long run
        dict(lr=1.0, condition_number=100.0, steps=40),         # narrow: far from the minimum after 40 steps
    ]),
    "lesson01_sgd_batch_noise": (SGDBatchNoiseExplorer, [
        dict(batch_size=1, lr=1.0, steps=300),     # the noisiest: single examples, the largest step
        dict(batch_size=8, lr=0.1, steps=120),
        dict(batch_size=266, lr=0.01, steps=20),   # the whole training split: SGD is GD
        dict(batch_size=4, lr=2.0, steps=60),      # past 2/L (off the lesson's slider): both diverge
        dict(batch_size=64, lr=0.3, steps=120),
    ]),
}

__all__ = ["GDOnQuadraticExplorer", "SGDBatchNoiseExplorer", "EXPLORERS", "stepped_log_limits"]
