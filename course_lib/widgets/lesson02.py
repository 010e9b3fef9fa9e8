"""Lesson 02's explorer, heavy-ball and Nesterov momentum on the narrow valley, and its look-ahead picture.

``MomentumOnValleyExplorer``: the path of ``optim.SGD(lr, momentum, nesterov)``
next to plain gradient descent with the same lr, and the loss of both against
the step. Its controls: ``lr, momentum, nesterov, steps``. The loss panel's
legend gives each run's predicted rate (the factor by which the distance to
the minimum shrinks per step, from the eigenvalues of the update on the
quadratic), or the step at which it diverged; the suptitle gives the optimal
beta* and alpha* of lesson 02, so a student can set the sliders to them and
watch the rate drop. Both come from ``course_lib.theory.momentum_rates``, the
runs from ``course_lib.theory.momentum_runs``, the diverging step from
``course_lib.theory.outcomes``.

``lookahead_step_figure(theta, v, lr, momentum)`` draws one step of the heavy ball
and of Nesterov from the same state (theta_{t-1}, v_{t-1}) in Sutskever's velocity
form: the momentum part they share, where each takes its gradient, and where each
step ends.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .. import plots
from ..i18n import _
from ..theory.momentum_rates import optimal_heavy_ball, predicted_rate
from ..theory.momentum_runs import VALLEY, valley_run
from ..theory.outcomes import diverged_at
from .limits import step_axis_end
from .scene import Scene

RUNS = ("SGD", "Momentum", "Nesterov")   # drawn in this order; SGD is plain gradient descent here


def _label(name: str, path: np.ndarray, steps: int, rate: float) -> str:
    step = diverged_at(path, steps)
    return (_("{name}: rate {rate} per step").format(name=name, rate=f"{rate:.3f}") if step is None
            else _("{name}: diverged at step {step}").format(name=name, step=step))


class MomentumOnValleyExplorer(Scene):
    """Momentum (or Nesterov) and plain GD, same lr, on the narrow valley: paths (left), losses (right).

    Text is what a move costs most to draw, so only what changes is redrawn: the
    path panel's title (the effective step) and the loss panel's legend (the
    rates). The path panel's legend names the two runs; it changes only with
    ``nesterov``, and lies below the paths, so it can stay in the background.
    """

    figsize = (11.5, 4.2)

    def build(self):
        self.ax_path, self.ax_loss = ax_path, ax_loss = self.fig.subplots(
            1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
        plots.plot_landscape(VALLEY, ax=ax_path, levels=20, resolution=110)
        # the minimum's star lies above the paths, as in a full draw: it must be drawn after them
        for i, star in enumerate(c for c in ax_path.collections if c.get_zorder() >= plots.MINIMUM_STYLE["zorder"]):
            self.moving(f"minimum {i}", star)
        ax_path.set_autoscale_on(False)
        self.paths, self.losses = {}, {}
        for key in RUNS:
            style = plots.style_for(key)
            self.paths[key] = self.moving(f"path {key}", ax_path.plot(
                [], [], marker="o", markersize=2.5, linewidth=1.3, zorder=3, **style)[0])
            self.losses[key] = self.moving(f"loss {key}", ax_loss.plot([], [], **style)[0])
        self.moving("start", ax_path.plot(*VALLEY.start, "o", markersize=9, markerfacecolor="none",
                                          markeredgecolor="black", zorder=4)[0])
        self.shown_runs = None   # the pair of runs the legends are made for
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(1e-12, 1e3)
        ax_loss.set_xlabel(_("step t"))
        ax_loss.set_ylabel(_("loss {f} (minimum 0)").format(f=r"$f(\theta_t)$"))
        ax_loss.set_title(_("Loss per step (legend: rate per step, from the roots)"), fontsize=10)
        self.moving("path title", ax_path.title)
        alpha_star, beta_star = optimal_heavy_ball(VALLEY.L, VALLEY.mu)
        self.fig.suptitle(_("{landscape} ({kappa}): the optimal heavy ball is {beta} with {alpha}").format(
            landscape=VALLEY.name, kappa=rf"$\kappa$ = {VALLEY.condition_number:.0f}",
            beta=rf"$\beta^*$ = {beta_star:.3f}", alpha=rf"$\alpha^*$ = {alpha_star:.3f}"), fontsize=11)
        # fixed margins: tight_layout would cost more than the rest of a move
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.86, wspace=0.22)

    def update(self, lr=0.1, momentum=0.9, nesterov=False, steps=60):
        steps = int(steps)
        nesterov = bool(nesterov) and momentum > 0   # torch refuses Nesterov without momentum
        name = "Nesterov" if nesterov else "Momentum"
        curvatures = (VALLEY.mu, VALLEY.L)
        runs = {"SGD": valley_run(float(lr), 0.0, False, steps),
                name: valley_run(float(lr), float(momentum), nesterov, steps)}
        rates = {"SGD": predicted_rate(lr, 0.0, False, curvatures),
                 name: predicted_rate(lr, momentum, nesterov, curvatures)}
        for key in RUNS:
            self.paths[key].set_visible(key in runs)
            self.losses[key].set_visible(key in runs)
        for key, (path, loss) in runs.items():
            faded = 0.35 if diverged_at(path, steps) is not None else 1.0   # a diverging path would hide the other
            self.paths[key].set(data=(path[:, 0], path[:, 1]), alpha=faded)
            self.losses[key].set_data(np.arange(len(path)), loss)
        if tuple(runs) != self.shown_runs:
            self._make_legends(list(runs))
        for text, (key, (path, _loss)) in zip(self.rates_legend.get_texts(), runs.items()):
            text.set_text(_label("GD" if key == "SGD" else key, path, steps, rates[key]))
        self.ax_loss.set_xlim(0, step_axis_end(steps))
        self.ax_path.set_title(_("effective step {formula} = {step}").format(
            formula=r"$\alpha/(1-\beta)$", step=f"{lr / (1 - momentum):.3g}"), fontsize=10)

    def _make_legends(self, keys):
        handles = [Line2D([], [], marker="o", markersize=2.5, linewidth=1.3, **plots.style_for(key),
                          label="GD" if key == "SGD" else key) for key in keys]
        # below the paths (zorder 3), above the contours' lines (2): a background artist in every frame
        self.ax_path.legend(handles=handles, loc="lower right", fontsize=8).set_zorder(2.5)
        self.background_changed()
        # the rates, above the losses: a moving artist, whose texts each move sets
        self.rates_legend = self.moving("rates legend", self.ax_loss.legend(
            handles=[self.losses[key] for key in keys], labels=keys, loc="upper right", fontsize=8))
        self.shown_runs = tuple(keys)


def lookahead_step_figure(theta, v, lr: float, momentum: float):
    """One step of heavy ball and of Nesterov from the same (theta_{t-1}, v_{t-1}) on the narrow valley.

    Both move by the momentum part -momentum * v to the look-ahead point; the heavy
    ball then adds -lr * grad f(theta_{t-1}), Nesterov -lr * grad f(look-ahead).
    Drawn: that shared arrow, Nesterov's gradient arrow, both end points (the heavy
    ball's gradient part is marked by its end point: on the floor it is too short
    for an arrow), the valley floor, and labels on the two points where the
    gradients are taken. Returns the figure.
    """
    theta, v = np.asarray(theta, dtype=np.float64), np.asarray(v, dtype=np.float64)
    lookahead = theta - momentum * v
    heavy_end = lookahead - lr * VALLEY.grad(theta)
    nesterov_end = lookahead - lr * VALLEY.grad(lookahead)
    floor = np.array([math.cos(math.pi / 6), math.sin(math.pi / 6)])   # the valley's flat direction
    colors = {"momentum": "0.35", "Momentum": plots.color_for("Momentum"), "Nesterov": plots.color_for("Nesterov")}

    figure, ax = plt.subplots(figsize=(8.5, 7))
    plots.plot_landscape(VALLEY, ax=ax, levels=40)
    ax.axline((0.0, 0.0), floor, color="0.25", linestyle=":", linewidth=1.2)
    for start, end, color in ((theta, lookahead, colors["momentum"]), (lookahead, nesterov_end, colors["Nesterov"])):
        ax.annotate("", xy=end, xytext=start, zorder=4, arrowprops=dict(
            arrowstyle="-|>", color=color, linewidth=2.4, mutation_scale=22, shrinkA=0, shrinkB=0))
    end_marker = dict(marker="o", markeredgecolor="black", markersize=11, zorder=5)
    ax.plot(*heavy_end, color=colors["Momentum"], **end_marker)
    ax.plot(*nesterov_end, color=colors["Nesterov"], **end_marker)
    ax.plot(*theta, "ko", markersize=7, zorder=5)
    ax.plot(*lookahead, "o", color=colors["momentum"], markersize=5, zorder=6)
    text = dict(textcoords="offset points", fontsize=10, bbox=dict(boxstyle="round", facecolor="white", alpha=0.85))
    ax.annotate(_("{theta}, on the floor:\nthe heavy ball's gradient is taken here").format(theta=r"$\theta_{t-1}$"),
                theta, xytext=(14, -30), **text)
    ax.annotate(_("look-ahead {point}:\nNesterov's gradient is taken here").format(
        point=r"$\theta_{t-1} - \beta v_{t-1}$"), lookahead, xytext=(22, 16), **text)
    points = np.array([theta, lookahead, heavy_end, nesterov_end])
    low, high = points.min(axis=0) - [0.6, 0.42], points.max(axis=0) + [0.7, 0.28]
    label_x = low[0] + 0.15
    ax.annotate(_("valley floor"), (label_x, label_x * floor[1] / floor[0]), xytext=(0, 6), textcoords="offset points",
                color="0.25", rotation=30, rotation_mode="anchor")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_aspect("equal")
    ax.set_xlabel(plots.THETA_LABELS[0])
    ax.set_ylabel(plots.THETA_LABELS[1])
    dot = dict(marker="o", linestyle="none", markeredgecolor="black", markersize=9)
    legend = [Line2D([], [], color=colors["momentum"], linewidth=2.4,
                     label=_("momentum part {formula} (both)").format(formula=r"$-\beta v_{t-1}$")),
              Line2D([], [], color=colors["Nesterov"], linewidth=2.4,
                     label=_("Nesterov's gradient part {formula}").format(
                         formula=r"$-\alpha\nabla f(\theta_{t-1} - \beta v_{t-1})$")),
              Line2D([], [], color=colors["Momentum"], **dot,
                     label=_("heavy ball's {theta} (its gradient part {formula} is tiny)").format(
                         theta=r"$\theta_t$", formula=r"$-\alpha\nabla f(\theta_{t-1})$")),
              Line2D([], [], color=colors["Nesterov"], **dot,
                     label=_("Nesterov's {theta}").format(theta=r"$\theta_t$"))]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=9)
    ax.set_title(_("One step from the same state ({alpha}, {beta}): where the gradient is taken").format(
        alpha=rf"$\alpha$ = {lr:g}", beta=rf"$\beta$ = {momentum:g}"))
    return figure


EXPLORERS = {
    "lesson02_momentum_on_valley": (MomentumOnValleyExplorer, [
        dict(lr=0.1, momentum=0.9, nesterov=False, steps=60),     # the default: momentum spirals, GD crawls
        dict(lr=0.614, momentum=0.566, nesterov=False, steps=80),  # near alpha*, beta*
        dict(lr=0.3, momentum=0.9, nesterov=True, steps=100),     # Nesterov diverges where heavy ball does not
        dict(lr=1.0, momentum=0.99, nesterov=False, steps=200),   # extreme: both diverge
        dict(lr=0.005, momentum=0.0, nesterov=True, steps=10),    # extreme: no momentum, tiny steps
        dict(lr=0.1, momentum=0.9, nesterov=True, steps=60),      # Nesterov at the default: faster than heavy ball
    ]),
}

__all__ = ["MomentumOnValleyExplorer", "lookahead_step_figure", "EXPLORERS"]
