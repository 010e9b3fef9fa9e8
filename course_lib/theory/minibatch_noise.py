"""Mini-batch SGD on a two-weight linear regression, and how noisy its gradient is (lesson 01).

The problem: diabetes progression regressed on two standardized features, bmi
and s5, without a bias, f(w) = 1/2 mean((X w - y)^2) over the training split. It
is a quadratic in the two weights, so its landscape can be drawn and its minimizer
w* solved for; lesson 01's explorer runs mini-batch SGD on it next to full-batch
gradient descent.

- ``diabetes_two_weights()``: the problem, as a landscape with X, y and w*.
- ``minibatch_sgd_path(X, y, start, lr, batch_size, steps, seed)``: SGD with a new shuffle every
  epoch, one step per batch of ``batch_size`` rows (the last batch of an epoch may be smaller).
- ``full_batch_gd_path(X, y, start, lr, steps)``: gradient descent, the same update with B = N.
- ``gradient_spread(X, y, w)``: sigma^2 = mean_i ||grad l_i(w) - grad f(w)||^2, the variance of
  one example's gradient.
- ``minibatch_gradient_variance(sigma2, n, batch_size)``: E||g_B - grad f||^2 =
  sigma^2 / B * (N - B) / (N - 1) for a batch of B distinct rows out of N: about 1 / B, and 0 at B = N.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import data as course_data
from ..i18n import N_
from ..landscapes import Landscape

DIVERGED = 1e6   # a weight this large has left for good: the run stops there, as landscapes.trajectory does


@dataclass(frozen=True, eq=False)
class TwoWeightRegression:
    """f(w) = 1/2 mean((X w - y)^2) as a landscape, its data and its exact minimizer."""

    landscape: Landscape
    X: np.ndarray          # (N, 2): the standardized bmi and s5 of the training split
    y: np.ndarray          # (N,)
    w_star: np.ndarray     # the least-squares weights, where grad f = 0

    @property
    def f_star(self) -> float:
        return float(self.landscape(self.w_star))


@functools.lru_cache(maxsize=1)
def diabetes_two_weights() -> TwoWeightRegression:
    """Linear regression of diabetes progression on bmi and s5, no bias (both standardized, seed 0)."""
    ds = course_data.load_diabetes(seed=0)
    columns = [ds.feature_names.index("bmi"), ds.feature_names.index("s5")]
    X, y = ds.X_train[:, columns], ds.y_train
    n = len(X)
    hessian = X.T @ X / n
    b = X.T @ y / n
    w_star = np.linalg.solve(hessian, b)
    c = float(np.mean(y * y))
    h11, h12, h22 = hessian[0, 0], hessian[0, 1], hessian[1, 1]

    def f(w1, w2):  # 1/2 mean((X w - y)^2) expanded, so a whole grid costs no pass over the data
        return 0.5 * (h11 * w1 * w1 + 2 * h12 * w1 * w2 + h22 * w2 * w2) - (b[0] * w1 + b[1] * w2) + 0.5 * c

    def df(w1, w2):
        return h11 * w1 + h12 * w2 - b[0], h12 * w1 + h22 * w2 - b[1]

    land = Landscape(name=N_("Diabetes: weights of bmi and s5"), f=f, df=df, minima=(w_star,),
                     xlim=(-0.6, 1.4), ylim=(-0.6, 1.4), start=(-0.4, 1.2))
    for array in (X, y, w_star):
        array.setflags(write=False)
    return TwoWeightRegression(land, X, y, w_star)


def minibatch_sgd_path(X, y, start, lr: float, batch_size: int, steps: int, seed: int = 0) -> np.ndarray:
    """SGD on 1/2 mean((X w - y)^2): ``steps`` steps of ``batch_size`` rows each, reshuffled every epoch.

    Returns the iterates w_0 = start, w_1, ..., shape (steps + 1, 2), fewer if a weight reaches
    DIVERGED (that point is kept). Each step's gradient is the mean over its batch,
    X_b^T (X_b w - y_b) / |b|; the batches come from ``data.minibatches`` with one generator
    seeded ``seed`` for the whole run, so a longer run starts with the same path.
    """
    rng = np.random.default_rng(seed)
    w = np.array(start, dtype=np.float64)
    path = [w]
    with np.errstate(all="ignore"):
        while len(path) <= steps:
            for X_b, y_b in course_data.minibatches(X, y, batch_size, rng):
                w = w - lr * (X_b.T @ (X_b @ w - y_b) / len(X_b))
                path.append(w)
                if len(path) > steps or not np.all(np.abs(w) < DIVERGED):
                    break
            if not np.all(np.abs(w) < DIVERGED):
                break
    return np.array(path)


def full_batch_gd_path(X, y, start, lr: float, steps: int) -> np.ndarray:
    """Gradient descent on 1/2 mean((X w - y)^2): w_t = w_{t-1} - lr (H w_{t-1} - b), H = X^T X / N, b = X^T y / N.

    The same update as ``minibatch_sgd_path`` with B = N (every step sees every row), with the
    data's sums taken once. Returns the iterates, shape (steps + 1, 2), fewer if a weight reaches
    DIVERGED (that point is kept).
    """
    n = len(X)
    hessian, b = X.T @ X / n, X.T @ y / n
    w = np.array(start, dtype=np.float64)
    path = [w]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = w - lr * (hessian @ w - b)
            path.append(w)
            if not np.all(np.abs(w) < DIVERGED):
                break
    return np.array(path)


def gradient_spread(X, y, w) -> float:
    """sigma^2 = mean_i ||grad l_i(w) - grad f(w)||^2, with l_i = 1/2 (x_i . w - y_i)^2 and f their mean."""
    per_example = X * (X @ w - y)[:, None]   # row i: grad l_i(w) = x_i (x_i . w - y_i)
    return float(np.mean(np.sum((per_example - per_example.mean(axis=0)) ** 2, axis=1)))


def minibatch_gradient_variance(sigma2: float, n: int, batch_size: int) -> float:
    """E||g_B - grad f||^2 = sigma^2 / B * (N - B) / (N - 1): the mean of B rows drawn without replacement."""
    return sigma2 / batch_size * (n - batch_size) / (n - 1)


@functools.lru_cache(maxsize=64)
def diabetes_runs(batch_size: int, lr: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(mini-batch SGD path, full-batch gradient descent path) on ``diabetes_two_weights()``, seed 0.

    batch_size is clipped to [1, N]. Cached: the arrays are read-only.
    """
    problem = diabetes_two_weights()
    batch_size = int(min(max(batch_size, 1), len(problem.X)))
    sgd = minibatch_sgd_path(problem.X, problem.y, problem.landscape.start, lr, batch_size, int(steps))
    gd = full_batch_gd_path(problem.X, problem.y, problem.landscape.start, lr, int(steps))
    for path in (sgd, gd):
        path.setflags(write=False)
    return sgd, gd


__all__ = ["TwoWeightRegression", "diabetes_two_weights", "minibatch_sgd_path", "full_batch_gd_path",
           "gradient_spread", "minibatch_gradient_variance", "diabetes_runs", "DIVERGED"]
