"""Two-dimensional loss surfaces to watch optimizers on, Reddi et al.'s online problem, and the changing bowl.

A landscape is a function of a point theta = (theta_1, theta_2), written
(x, y) in the formulas, with its gradient written out by hand::

    land = rosenbrock()
    land(np.array([0.0, 0.0]))                 # the loss at one point: 1.0
    land.grad(np.array([0.0, 0.0]))            # its gradient: array([-2., 0.])
    land(np.stack([X, Y], axis=-1))            # a whole contour grid in one call
    path = trajectory(optim.Adam(lr=0.1), land, land.start, steps=200)

Every landscape knows its global minimizers (``minima``), a plotting window
(``xlim``, ``ylim``), a starting point that makes a good demo (``start``) and
whether its contours read best on a log scale (``log_scale``). The tests check
each hand-written gradient against torch.autograd.

``ReddiOnlineProblem`` is the one-dimensional online problem on which Adam
provably fails to converge (Reddi, Kale and Kumar, 2018) and AMSGrad does not.

The changing bowl (``run_changing_bowl``, ``steps_to_recover``) is lesson 04's
one-dimensional problem whose minimum jumps and whose curvature drops 100-fold
at step SWITCH_STEP: AdaGrad's sum of squared gradients never forgets the
steep phase, RMSProp's moving average does.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from .validation import nonnegative, positive, positive_int, real

# A trajectory is cut off beyond this distance from the origin: every window
# here is a few units wide, so such a point has diverged for any lesson's purpose.
DIVERGENCE_NORM = 1e6


def _as_points(point, what: str = "point") -> np.ndarray:
    """point as a float array whose last axis holds (theta_1, theta_2)."""
    p = np.asarray(point)
    if not np.issubdtype(p.dtype, np.floating):
        p = p.astype(np.float64)
    if p.ndim == 0 or p.shape[-1] != 2:
        raise ValueError(
            f"{what} must have shape (2,) or (..., 2), the last axis holding (theta_1, theta_2); "
            f"got shape {p.shape}. For a contour grid pass np.stack([X, Y], axis=-1)"
        )
    return p


def _frozen_point(value, what: str) -> np.ndarray:
    p = np.array(value, dtype=np.float64)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"{what} must be a finite point of shape (2,), got {value!r}")
    p.setflags(write=False)  # a landscape is a constant: nobody should move its minimum by accident
    return p


def _interval(value, what: str) -> tuple[float, float]:
    low, high = (float(v) for v in value)
    if not low < high:
        raise ValueError(f"{what} must be (low, high) with low < high, got {value!r}")
    return (low, high)


@dataclass(frozen=True, eq=False, kw_only=True)
class Landscape:
    """A loss f(x, y) with its hand-written gradient and what a plot needs to know.

    Attributes:
      name: shown as the plot's title.
      f: f(x, y) -> loss, for arrays x and y of the same shape.
      df: df(x, y) -> (df/dx, df/dy), same convention.
      minima: the global minimizers, each an array of shape (2,).
      saddle_points: the saddle points worth marking on a plot.
      xlim, ylim: the plotting window.
      start: a starting point that makes a good demo.
      log_scale: whether contour levels should be spaced logarithmically
        (for surfaces whose values span several orders of magnitude).

    Call ``landscape(point)`` for the loss and ``landscape.grad(point)`` for the
    gradient, with point of shape (2,) or (..., 2).
    """

    name: str
    f: Callable = field(repr=False)
    df: Callable = field(repr=False)
    minima: tuple = ()
    saddle_points: tuple = ()
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: np.ndarray
    log_scale: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalize once, here
        set_(self, "minima", tuple(_frozen_point(m, "each of minima") for m in self.minima))
        set_(self, "saddle_points", tuple(_frozen_point(s, "each of saddle_points") for s in self.saddle_points))
        set_(self, "start", _frozen_point(self.start, "start"))
        set_(self, "xlim", _interval(self.xlim, "xlim"))
        set_(self, "ylim", _interval(self.ylim, "ylim"))

    def __call__(self, point):
        """The loss at point (shape (2,)), or at every point of an (..., 2) array."""
        p = _as_points(point)
        return self.f(p[..., 0], p[..., 1])

    def grad(self, point) -> np.ndarray:
        """The gradient (df/dx, df/dy), with the same shape as point."""
        p = _as_points(point)
        dx, dy = self.df(p[..., 0], p[..., 1])
        # broadcast_to: a partial derivative that is a constant must still fill the grid
        return np.stack([np.broadcast_to(dx, p.shape[:-1]), np.broadcast_to(dy, p.shape[:-1])], axis=-1).astype(
            p.dtype, copy=False
        )

    @property
    def min_value(self) -> float | None:
        """f at the global minimum (None when there is none), for plots of f - f*."""
        return float(self(self.minima[0])) if self.minima else None


@dataclass(frozen=True, eq=False, kw_only=True)
class Quadratic(Landscape):
    """f(p) = 1/2 p^T A p with A symmetric positive definite; minimum at 0, f = 0.

    Its curvature is the same everywhere, which is what makes the lessons'
    derivations exact: gradient descent with step size alpha multiplies the
    error along an eigenvector of A by (1 - alpha * lambda), so it converges
    if and only if alpha < 2 / L, with L the largest eigenvalue.
    """

    hessian: np.ndarray

    def __post_init__(self) -> None:
        super().__post_init__()
        hessian = np.array(self.hessian, dtype=np.float64)
        hessian.setflags(write=False)
        object.__setattr__(self, "hessian", hessian)

    @property
    def L(self) -> float:
        """The largest curvature: the largest eigenvalue of the Hessian."""
        return float(np.linalg.eigvalsh(self.hessian)[-1])

    @property
    def mu(self) -> float:
        """The smallest curvature: the smallest eigenvalue of the Hessian."""
        return float(np.linalg.eigvalsh(self.hessian)[0])

    @property
    def condition_number(self) -> float:
        """L / mu: how much narrower the valley is across than along."""
        return self.L / self.mu


def quadratic(condition_number: float = 10.0, scale: float = 1.0, angle: float = 0.0,
              name: str = "Quadratic") -> Quadratic:
    """f(p) = 1/2 p^T A p, with A = R diag(scale, scale * condition_number) R^T.

    R rotates by ``angle`` (radians, counterclockwise): the flat direction,
    curvature mu = scale, is (cos angle, sin angle), and the steep one,
    curvature L = scale * condition_number, is perpendicular to it. The
    minimum is p = (0, 0) with f = 0, and gradient descent diverges for a
    step size alpha > 2 / L.

    The demo start is (-1.6, 0.6) in the eigenbasis (rotated with A): far
    along the flat direction, a little up the steep one.
    """
    condition_number = real("condition_number", condition_number)
    if not condition_number >= 1.0:
        raise ValueError(
            f"condition_number must be >= 1, got {condition_number}; it is L / mu, "
            f"the largest curvature over the smallest, so 1 is a round bowl"
        )
    scale = positive("scale", scale)
    angle = real("angle", angle)
    c, s = math.cos(angle), math.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    hessian = rotation @ np.diag([scale, scale * condition_number]) @ rotation.T
    hessian = 0.5 * (hessian + hessian.T)  # exactly symmetric, whatever the rounding
    (a, b), (_, d) = hessian

    def f(x, y):
        return 0.5 * (a * x * x + 2 * b * x * y + d * y * y)

    def df(x, y):
        return a * x + b * y, b * x + d * y

    return Quadratic(
        name=name, f=f, df=df, hessian=hessian,
        minima=((0.0, 0.0),), xlim=(-2.0, 2.0), ylim=(-2.0, 2.0),
        start=rotation @ np.array([-1.6, 0.6]), log_scale=False,
    )


def narrow_valley() -> Quadratic:
    """A long, narrow, tilted valley: quadratic(condition_number=50, scale=0.1, angle=pi/6).

    Curvatures mu = 0.1 along the valley floor, direction (cos 30 deg, sin 30 deg),
    and L = 5 across it, so gradient descent diverges for alpha > 2 / L = 0.4.
    Minimum (0, 0), f = 0.

    Why a quadratic rather than a curved valley (Rosenbrock is the curved one):
    the lesson can compute everything it shows. With alpha close to 2 / L plain
    gradient descent bounces from wall to wall (the error across the valley is
    multiplied by 1 - alpha * L, close to -1) while it creeps along the floor
    (factor 1 - alpha * mu, close to 1); heavy-ball momentum with
    alpha = 4 / (sqrt(L) + sqrt(mu))^2 and beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2
    shrinks both at the rate (sqrt(kappa) - 1) / (sqrt(kappa) + 1) per step, kappa = 50.
    """
    valley = quadratic(condition_number=50.0, scale=0.1, angle=math.pi / 6, name="Narrow valley")
    # log-spaced contours: with linear levels the floor is one flat band spanning the window
    return replace(valley, xlim=(-3.0, 3.0), ylim=(-2.0, 2.0), start=(-2.5, -0.5), log_scale=True)


def saddle() -> Landscape:
    """f(x, y) = x^2 + y^4 / 4 - y^2 / 2: a saddle at (0, 0) between two valleys.

    Minima (0, -1) and (0, 1), both f = -1/4; saddle point (0, 0), f = 0.

    Why this shape rather than x^2 - y^2: this one is bounded below, so the
    escape has somewhere to go and the lesson can plot where it ends. Near the
    origin it is x^2 - y^2 / 2: gradient descent shrinks x by (1 - 2 alpha) per
    step but grows y only by (1 + alpha), so from the demo start (2, 0.001),
    almost on the ridge y = 0, it runs to the saddle and stalls there (with
    alpha = 0.1, some 35 steps within 0.1 of it); started exactly on y = 0 it
    never leaves (the gradient has no y component). Gradient noise pushes it
    off the ridge, into one of the two minima; momentum only speeds the escape
    once it is off (from (2, 0) heavy ball stays on y = 0 too: lesson 01).
    """

    def f(x, y):
        return x * x + y**4 / 4 - y * y / 2

    def df(x, y):
        return 2 * x, y**3 - y

    return Landscape(
        name="Saddle", f=f, df=df, minima=((0.0, -1.0), (0.0, 1.0)), saddle_points=((0.0, 0.0),),
        xlim=(-2.5, 2.5), ylim=(-2.0, 2.0), start=(2.0, 1e-3), log_scale=False,
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2 (Rosenbrock, 1960).

    Minimum (a, a^2), f = 0, at the end of a curved, nearly flat valley along
    y = x^2 that is easy to find and slow to follow. The classic start is
    (-1.2, 1).
    """
    a = real("a", a)
    b = positive("b", b)

    def f(x, y):
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def df(x, y):
        return -2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)

    half_width = max(2.0, abs(a) + 1.0)
    return Landscape(
        name="Rosenbrock", f=f, df=df, minima=((a, a * a),),
        xlim=(-half_width, half_width), ylim=(-1.0, max(3.0, a * a + 2.0)),
        start=(-1.2, 1.0), log_scale=True,
    )


def beale() -> Landscape:
    """f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2 (Beale, 1958).

    Minimum (3, 0.5), f = 0. Flat plateaus near the axes and walls of height
    10^5 in the corners of the window [-4.5, 4.5]^2: steps scaled by the raw
    gradient either crawl or fly off, adaptive methods cope.
    """

    def f(x, y):
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    def df(x, y):
        r1, r2, r3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        return (2 * r1 * (y - 1) + 2 * r2 * (y**2 - 1) + 2 * r3 * (y**3 - 1),
                2 * r1 * x + 2 * r2 * 2 * x * y + 2 * r3 * 3 * x * y**2)

    return Landscape(
        name="Beale", f=f, df=df, minima=((3.0, 0.5),),
        xlim=(-4.5, 4.5), ylim=(-4.5, 4.5), start=(1.0, 1.5), log_scale=True,
    )


def _himmelblau(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _himmelblau_grad(x, y):
    u, w = x * x + y - 11, x + y * y - 7
    return 4 * x * u + 2 * w, 2 * u + 4 * y * w


def _himmelblau_hessian(x, y):
    dxy = 4 * x + 4 * y
    return np.array([[12 * x * x + 4 * y - 42, dxy], [dxy, 12 * y * y + 4 * x - 26]])


def _newton(grad, hessian, guess, iterations: int = 20) -> np.ndarray:
    """Polish a minimizer known to ~6 digits: Newton converges quadratically from there."""
    p = np.array(guess, dtype=np.float64)
    for _ in range(iterations):
        p = p - np.linalg.solve(hessian(*p), np.array(grad(*p)))
    return p


# The literature's 6-digit values, polished at import so that the gradient at
# each listed minimum is zero to rounding (the tests ask for < 1e-8).
_HIMMELBLAU_MINIMA = tuple(
    _newton(_himmelblau_grad, _himmelblau_hessian, guess)
    for guess in ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))
)


def himmelblau() -> Landscape:
    """f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 (Himmelblau, 1972).

    Four global minima, all with f = 0: (3, 2) exactly, and about
    (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)
    (refined by Newton's method at import). Which one an optimizer reaches
    depends on where it starts and how it moves: from the demo start (0, 0)
    plain gradient descent reaches (3, 2), heavy-ball momentum overshoots into
    the valley of (3.584428, -1.848126). A local maximum sits near
    (-0.270845, -0.923039).
    """
    return Landscape(
        name="Himmelblau", f=_himmelblau, df=_himmelblau_grad, minima=_HIMMELBLAU_MINIMA,
        xlim=(-5.0, 5.0), ylim=(-5.0, 5.0), start=(0.0, 0.0), log_scale=True,
    )


# For dropdowns: display name -> factory with its defaults.
LANDSCAPES: dict[str, Callable[[], Landscape]] = {
    "Quadratic": quadratic,
    "Narrow valley": narrow_valley,
    "Saddle": saddle,
    "Rosenbrock": rosenbrock,
    "Beale": beale,
    "Himmelblau": himmelblau,
}


def trajectory(optimizer, landscape: Landscape, start=None, steps: int = 100) -> np.ndarray:
    """Run ``optimizer`` on ``landscape`` and return the path, shape (n, 2), float64.

    Row 0 is ``start`` (the landscape's demo start when None), row k the
    point after k steps, with grads = landscape.grad(point). A run that
    diverges stops early: the first point that is not finite or lies farther
    than 1e6 from the origin ends the path (kept if it is finite), so n can be
    less than steps + 1. Overflow is expected there and raises no warning.
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    start = landscape.start if start is None else start
    point = np.array(start, dtype=np.float64)
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        raise ValueError(f"start must be a finite point of shape (2,), got {start!r}")

    path = [point]
    state = optimizer.init(point)
    with np.errstate(all="ignore"):  # the lessons diverge on purpose (alpha > 2 / L)
        for _ in range(steps):
            point, state = optimizer.step(point, landscape.grad(point), state)
            point = np.asarray(point, dtype=np.float64)
            finite = bool(np.all(np.isfinite(point)))
            if finite:
                path.append(point)
            if not finite or np.linalg.norm(point) > DIVERGENCE_NORM:
                break
    return np.array(path, dtype=np.float64)



def steps_taken(optimizer, landscape: Landscape, steps: int, start=None):
    """Yield (point, state) after each of up to ``steps`` steps of ``optimizer`` from ``start`` (the
    landscape's demo start when None), for lessons that watch the optimizer's state along the way.
    It stops before the first point that is not finite or lies farther than ``DIVERGENCE_NORM``
    from the origin. Overflow is expected there and raises no warning."""
    point = np.array(landscape.start if start is None else start, dtype=np.float64)
    state = optimizer.init(point)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            point, state = optimizer.step(point, landscape.grad(point), state)
            if not np.all(np.isfinite(point)) or np.linalg.norm(point) > DIVERGENCE_NORM:
                return
            yield point, state

# --- Reddi, Kale and Kumar (2018): where Adam does not converge --------------


@dataclass(frozen=True, eq=False)
class ReddiRun:
    """What ``ReddiOnlineProblem.run`` returns.

    x[t - 1] is x_t, the point played at step t; regret[t - 1] is R_t and
    average_regret[t - 1] is R_t / t, for t = 1..T.
    """

    x: np.ndarray
    regret: np.ndarray
    average_regret: np.ndarray


@dataclass(frozen=True)
class ReddiOnlineProblem:
    """The online problem of Reddi, Kale and Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018).

    At step t = 1, 2, 3, ... the learner plays x_t in [-1, 1], then pays

        f_t(x) = C * x   if t % 3 == 1
                 -x      otherwise,          with C > 2.

    Over each period of three steps the losses add up to (C - 2) x, which is
    smallest at x_star = -1, so a good learner drifts to -1 and its average
    regret R_T / T, with R_T = sum_{t <= T} f_t(x_t) - f_t(x_star), goes to 0.

    Adam does not (the paper's Theorem 1): with beta1 = 0, beta2 = 1 / (1 + C^2)
    and alpha_t = alpha / sqrt(t), alpha < sqrt(1 - beta2), the large gradient
    C arrives once per period and is forgotten by v before the next one, so
    the two steps of gradient -1 move x up by more than the one step of
    gradient C moves it down. x settles at +1, where the regret grows by
    2C - 4 every period. AMSGrad keeps max(v) and so remembers C^2: its steps
    for the -1 gradients stay small and x goes to -1.
    """

    C: float = 3.0
    x_star = -1.0  # the best fixed point in hindsight, for every C > 2

    def __post_init__(self) -> None:
        C = real("C", self.C)
        if not C > 2.0:
            raise ValueError(
                f"C must be > 2, got {C}: the three losses of a period add up to (C - 2) x, "
                f"so only for C > 2 is the best point x_star = -1"
            )
        object.__setattr__(self, "C", C)

    def _slope(self, t) -> float:
        if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
            raise ValueError(f"t counts the steps from 1, got {t!r}")
        return self.C if t % 3 == 1 else -1.0

    def loss(self, x, t: int):
        """f_t(x): C * x when t % 3 == 1, else -x."""
        return self._slope(t) * x

    def grad(self, x, t: int) -> np.ndarray:
        """f_t'(x), an array shaped like x: C when t % 3 == 1, else -1."""
        x = np.asarray(x)
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        return np.full(x.shape, self._slope(t), dtype=dtype)

    def project(self, x):
        """The closest point of the feasible set [-1, 1]: clip."""
        return np.clip(x, -1.0, 1.0)

    def regret(self, xs) -> np.ndarray:
        """R_t = sum_{s <= t} f_s(x_s) - f_s(x_star) for t = 1..T, given x_1..x_T."""
        xs = np.asarray(xs, dtype=np.float64)
        if xs.ndim != 1:
            raise ValueError(f"xs must be the 1-D sequence x_1..x_T, got shape {xs.shape}")
        slopes = np.array([self._slope(t) for t in range(1, len(xs) + 1)])
        return np.cumsum(slopes * (xs - self.x_star))

    def run(self, optimizer, steps: int, x0: float = 0.0, lr: float | None = None, schedule=None) -> ReddiRun:
        """Projected online optimization for ``steps`` steps from x_1 = x0.

        At step t: pay f_t(x_t), compute g_t = f_t'(x_t), set the learning rate
        (``lr`` once for all steps, or ``schedule(t - 1)``, the number of steps
        already taken, as in ``course_lib.schedules``; the paper's alpha / sqrt(t)
        is ``lambda n: alpha / math.sqrt(n + 1)``), take the optimizer's step,
        and project onto [-1, 1]. The optimizer's state (m, v, max v) is kept
        across the projection: only the point is moved back.
        """
        steps = positive_int("steps", steps)
        x0 = real("x0", x0)
        if not -1.0 <= x0 <= 1.0:
            raise ValueError(f"x0 must lie in the feasible set [-1, 1], got {x0}")
        if lr is not None and schedule is not None:
            raise ValueError("pass lr (a constant) or schedule (a function of the step), not both")
        if lr is not None:
            optimizer = optimizer.with_lr(nonnegative("lr", lr))

        x = np.array(x0, dtype=np.float64)
        state = optimizer.init(x)
        xs = np.empty(steps)
        for t in range(1, steps + 1):
            xs[t - 1] = x
            g = self.grad(x, t)
            if schedule is not None:
                optimizer = optimizer.with_lr(schedule(t - 1))
            x, state = optimizer.step(x, g, state)
            x = np.asarray(self.project(x), dtype=np.float64)
        regret = self.regret(xs)
        return ReddiRun(x=xs, regret=regret, average_regret=regret / np.arange(1, steps + 1))


# --- lesson 04's changing bowl: a problem whose minimum jumps during the run -----
#
#     f_t(theta) = s_t / 2 * (theta - c_t)^2,
#     (c_t, s_t) = STEEP (+1, 10)  for t <= SWITCH_STEP   (a steep bowl)
#                  FLAT (-1, 0.1)  for t >  SWITCH_STEP   (the minimum jumps, the bowl is 100 times flatter)
#
# In the steep phase the gradients are up to 100 times larger than in the flat
# one. AdaGrad's accumulator keeps them for ever, so after the switch its steps
# stay tiny; RMSProp's moving average forgets them in about 1 / (1 - alpha)
# steps and its steps grow back. Shared by lesson 04 and worksheet 04:
#
#     run = run_changing_bowl(optim.RMSprop(lr=0.1, beta2=0.9).step, state, steps=600)
#     steps_to_recover(run)      # steps after the switch until |theta - c_t| < 0.05

SWITCH_STEP = 200   # the bowl changes after this many steps
BOWL_STEPS = 600    # a run: 200 steep steps, then 400 flat ones
STEEP = (1.0, 10.0)   # (center c, curvature s) for t <= SWITCH_STEP
FLAT = (-1.0, 0.1)    # and after
RECOVERY_TOLERANCE = 0.05


def changing_bowl(t: int) -> tuple[float, float]:
    """(c_t, s_t): the minimum and curvature of f_t(theta) = s_t / 2 (theta - c_t)^2 at step t (from 1)."""
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t counts the steps from 1, got {t!r}")
    return STEEP if t <= SWITCH_STEP else FLAT


def changing_bowl_grad(theta: np.ndarray, t: int) -> np.ndarray:
    """g_t = s_t (theta - c_t), the gradient of f_t at theta."""
    center, curvature = changing_bowl(t)
    return curvature * (theta - center)


@dataclass(frozen=True, eq=False)
class BowlRun:
    """What ``run_changing_bowl`` returns; entry t - 1 belongs to step t = 1..steps.

    theta[t - 1] is the point after step t, center[t - 1] the minimum c_t of
    that step's objective, distance[t - 1] = |theta_t - c_t|, and states[t - 1]
    the optimizer's state after step t.
    """

    theta: np.ndarray
    center: np.ndarray
    distance: np.ndarray
    states: list


def run_changing_bowl(step, state, steps: int = BOWL_STEPS, theta0: float = 0.0) -> BowlRun:
    """Follow the changing bowl from theta0 with any update rule.

    step(theta, g, state) -> (theta, state): a course_lib optimizer's
    ``opt.step``, or a worksheet's rule, e.g.
    ``lambda th, g, s: rmsprop_step(th, g, s, lr=0.1)``; ``state`` is its
    state before the first step. theta is an array of shape (1,).
    """
    theta = np.array([float(theta0)])
    thetas, centers, states = np.empty(steps), np.empty(steps), []
    with np.errstate(all="ignore"):  # a large lr may diverge: the plot shows it
        for t in range(1, steps + 1):
            theta, state = step(theta, changing_bowl_grad(theta, t), state)
            theta = np.asarray(theta, dtype=np.float64).reshape(1)
            thetas[t - 1], centers[t - 1] = theta[0], changing_bowl(t)[0]
            states.append(state)
    return BowlRun(thetas, centers, np.abs(thetas - centers), states)


def steps_to_recover(run: BowlRun, tolerance: float = RECOVERY_TOLERANCE) -> int | None:
    """Steps after the switch until |theta_t - c_t| < tolerance (None if never within the run)."""
    after = run.distance[SWITCH_STEP:]
    close = np.flatnonzero(after < tolerance)
    return int(close[0]) + 1 if close.size else None


__all__ = [
    "Landscape", "Quadratic", "LANDSCAPES", "DIVERGENCE_NORM",
    "quadratic", "narrow_valley", "saddle", "rosenbrock", "beale", "himmelblau",
    "trajectory", "steps_taken", "ReddiOnlineProblem", "ReddiRun",
    "SWITCH_STEP", "BOWL_STEPS", "STEEP", "FLAT", "RECOVERY_TOLERANCE", "changing_bowl", "changing_bowl_grad",
    "BowlRun", "run_changing_bowl", "steps_to_recover",
]
