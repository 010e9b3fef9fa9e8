"""Lesson 01's explorers: gradient descent on a quadratic, and mini-batch noise on real data.

Each callback takes the slider values as keyword arguments and returns a
matplotlib Figure; the lesson wraps it with ``course_lib.widgets.explorer``.

- ``gd_on_quadratic(lr, condition_number, steps)``: the path on a quadratic
  bowl whose steepest curvature is fixed at L = 1, so that the divergence
  threshold 2 / L = 2 stays put while the condition number changes only how
  flat the other direction is.
- ``sgd_batch_noise(batch_size, lr, steps)``: mini-batch SGD on a
  two-weight linear regression (diabetes: bmi and s5), next to full-batch
  gradient descent; the smaller the batch, the wider the path wanders.

The learning rate is ``lr`` (alpha in the lesson's prose), as everywhere in the course.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from .. import data as course_data
from .. import optim
from ..landscapes import Landscape, quadratic, trajectory
from ..plots import colors_for, plot_landscape, plot_trajectories, style_for


def gd_on_quadratic(lr: float = 1.0, condition_number: float = 10.0, steps: int = 40):
    """Gradient descent with learning rate lr on f = 1/2 theta^T A theta, eigenvalues of A in [1 / kappa, 1].

    Left: the path on the contours. Right: f(theta_t) on a log scale, with the
    bound f_0 * r^(2t), r = max_i |1 - lr * lambda_i|, that the lesson derives.
    Gradient descent wears SGD's colour and line style in both panels.
    """
    kappa = float(condition_number)
    # scale = 1 / kappa puts the steep curvature at L = 1 whatever kappa is
    land = quadratic(condition_number=kappa, scale=1.0 / kappa, angle=0.5, name="Quadratic")
    L, mu = land.L, land.mu
    path = trajectory(optim.SGD(lr=lr), land, steps=int(steps))
    rate = max(abs(1 - lr * L), abs(1 - lr * mu))
    verdict = "converges" if rate < 1 else "diverges" if rate > 1 else "neither converges nor diverges"

    figure, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.4))
    style = style_for("SGD")
    plot_landscape(land, ax=ax_path, levels=20, resolution=120)
    ax_path.plot(path[:, 0], path[:, 1], marker="o", markersize=3, linewidth=1.4, label="gradient descent", **style)
    ax_path.plot(*path[0], "o", markersize=9, markerfacecolor="none", markeredgecolor=style["color"], markeredgewidth=1.5)
    ax_path.set_xlim(land.xlim)  # a diverging path would otherwise stretch the axes to 1e6
    ax_path.set_ylim(land.ylim)
    ax_path.legend(loc="lower right")
    ax_path.set_title(f"Path on the quadratic, κ = {kappa:.3g}")

    t = np.arange(len(path))
    with np.errstate(all="ignore"):
        losses = land(path)
        bound = losses[0] * rate ** (2.0 * np.arange(int(steps) + 1))
    ax_loss.semilogy(t, losses, marker="o", markersize=3, label=r"$f(\theta_t)$", **style)
    ax_loss.semilogy(np.arange(len(bound)), bound, "--", color="0.3",
                     label=r"$f_0\, r^{2t}$, $r = \max_i |1 - \alpha\lambda_i|$")
    finite = losses[np.isfinite(losses) & (losses > 0)]
    low = max(finite.min() / 10, 1e-16) if finite.size else 1e-16
    high = max(finite.max() * 10, 10 * losses[0]) if finite.size else 1.0
    ax_loss.set_ylim(low, high)
    ax_loss.set_xlim(0, int(steps))
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel(r"loss $f(\theta_t)$ (minimum 0)")
    ax_loss.set_title(f"Loss: r = {rate:.3f} per step")
    ax_loss.legend(loc="best")
    figure.suptitle(f"α = {lr:.3g}, divergence threshold 2/L = {2 / L:.3g}: {verdict}"
                    f"   (best α = 2/(L+μ) = {2 / (L + mu):.3g})")
    # fixed margins: tight_layout would measure every tick label, most of this callback's time
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.28)
    return figure


@functools.lru_cache(maxsize=1)
def _diabetes_two_features():
    """Linear regression of diabetes progression on bmi and s5, no bias (both standardized).

    f(w) = 1/2 mean((X w - y)^2) is a quadratic in the two weights; returns
    the landscape, X, y and the exact minimizer.
    """
    ds = course_data.load_diabetes(seed=0)
    columns = [ds.feature_names.index("bmi"), ds.feature_names.index("s5")]
    X, y = ds.X_train[:, columns], ds.y_train
    n = len(X)
    hessian = X.T @ X / n
    w_star = np.linalg.solve(hessian, X.T @ y / n)
    c = float(np.mean(y * y))
    b = X.T @ y / n
    h11, h12, h22 = hessian[0, 0], hessian[0, 1], hessian[1, 1]

    def f(w1, w2):  # 1/2 mean((X w - y)^2) expanded, so a whole grid costs no pass over the data
        return 0.5 * (h11 * w1 * w1 + 2 * h12 * w1 * w2 + h22 * w2 * w2) - (b[0] * w1 + b[1] * w2) + 0.5 * c

    def df(w1, w2):
        return h11 * w1 + h12 * w2 - b[0], h12 * w1 + h22 * w2 - b[1]

    land = Landscape(name="Diabetes: weights of bmi and s5", f=f, df=df, minima=(w_star,),
                     xlim=(-0.6, 1.4), ylim=(-0.6, 1.4), start=(-0.4, 1.2))
    return land, X, y, w_star


def sgd_batch_noise(batch_size: int = 8, lr: float = 0.1, steps: int = 120):
    """Mini-batch SGD (batch_size rows per step, a new shuffle every epoch) against full-batch GD.

    Left: both paths on the contours of the training loss. Right: the training
    loss along each path. The title gives the measured-from-the-data variance
    of the mini-batch gradient at the minimum, sigma^2 / B * (N - B) / (N - 1).
    """
    land, X, y, w_star = _diabetes_two_features()
    n = len(X)
    batch_size = int(min(max(batch_size, 1), n))
    rng = np.random.default_rng(0)
    w = land.start.copy()
    path = [w]
    while len(path) <= steps:
        for X_b, y_b in course_data.minibatches(X, y, batch_size, rng):
            g = X_b.T @ (X_b @ w - y_b) / len(X_b)  # gradient of the mean loss on this batch
            w = w - lr * g
            path.append(w)
            if len(path) > steps or not np.all(np.abs(w) < 1e6):
                break
        if not np.all(np.abs(w) < 1e6):
            break
    sgd_path = np.array(path)
    gd_path = trajectory(optim.SGD(lr=lr), land, steps=int(steps))

    per_example = X * (X @ w_star - y)[:, None]  # each row's gradient at the minimum (their mean is 0)
    sigma2 = float(np.mean(np.sum(per_example**2, axis=1)))
    noise = sigma2 / batch_size * (n - batch_size) / (n - 1)

    sgd_label, gd_label = f"SGD, B = {batch_size}", f"full batch (B = {n})"
    figure, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.4))
    plot_trajectories(land, {gd_label: gd_path, sgd_label: sgd_path}, ax=ax_path, levels=20,
                      resolution=120, markersize=2.0, legend_loc="lower right")
    ax_path.set_xlabel(r"weight of bmi, $\theta_1$")
    ax_path.set_ylabel(r"weight of s5, $\theta_2$")
    f_star = float(land(w_star))
    colors = colors_for([gd_label, sgd_label])  # the same colors plot_trajectories picked
    with np.errstate(all="ignore"):
        for label, path_ in ((gd_label, gd_path), (sgd_label, sgd_path)):
            ax_loss.plot(np.arange(len(path_)), land(path_) - f_star, color=colors[label], label=label)
    ax_loss.set_yscale("log")
    start_gap = float(land(land.start)) - f_star
    ax_loss.set_ylim(bottom=1e-8 * start_gap)  # below that, f - f* is rounding error
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel(r"training loss above its minimum, $f - f^*$")
    ax_loss.set_title("Loss along each path")
    ax_loss.legend(loc="best")
    figure.suptitle(f"B = {batch_size} of N = {n}, α = {lr:.3g}: variance of the mini-batch gradient at "
                    f"the minimum = {noise:.3g}  (about 1/B)")
    # fixed margins: tight_layout would measure every tick label, most of this callback's time
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.28)
    return figure


EXPLORERS = {
    "lesson01_gd_on_quadratic": (gd_on_quadratic, [
        dict(lr=1.0, condition_number=10.0, steps=40),          # converges, a little zig-zag
        dict(lr=2 * 2**-0.1, condition_number=10.0, steps=40),  # one notch below 2/L: bounces inwards
        dict(lr=2 * 2**0.1, condition_number=10.0, steps=40),   # one notch above 2/L: diverges
        dict(lr=2**-5, condition_number=1.0, steps=5),          # the slider's ends: crawls in a round bowl
        dict(lr=4.0, condition_number=100.0, steps=200),        # far past the threshold, long run
    ]),
    "lesson01_sgd_batch_noise": (sgd_batch_noise, [
        dict(batch_size=1, lr=1.0, steps=300),     # the noisiest: single examples, the largest step
        dict(batch_size=8, lr=0.1, steps=120),
        dict(batch_size=266, lr=0.01, steps=20),   # the whole training split: SGD is GD
        dict(batch_size=4, lr=2.0, steps=60),      # past 2/L (off the lesson's slider): both diverge
    ]),
}

__all__ = ["gd_on_quadratic", "sgd_batch_noise", "EXPLORERS"]
