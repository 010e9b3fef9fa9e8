"""NumPy models with hand-written backprop, and the training loop every lesson shares.

Every model follows one contract, stated once::

    model = MLP(sizes=(64, 200, 10))                      # the architecture only
    params = model.init_params(seed=0, dtype=np.float64)  # dict name -> array: "W1", "b1", ...
    loss, grads = model.loss_and_grad(params, X, y)       # mean loss over the batch; grads mirror params
    out = model.predict(params, X)                        # class labels (classifiers) or outputs

The numbers live in ``params``, not in the model, so any optimizer of
``course_lib.optim`` can step them. The loss is a mean over the batch, so its
gradient does not grow with the batch size. Inputs are never modified, and
float32 params with float32 X give float32 grads. The tests check every
gradient against torch.autograd.

``train(model, optimizer, data, ...)`` runs the mini-batch loop and returns a
``History``; it stops cleanly when the loss becomes NaN or inf, which is what
a learning-rate sweep needs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .data import Dataset, minibatches
from .validation import FLOAT_DTYPES, nonnegative, positive_int

# --- activations and losses shared by the models ----------------------------


def relu(z):
    return np.maximum(z, 0)


def relu_grad(z, a):
    """f'(z) for ReLU: 1 where z > 0, else 0 (torch also takes 0 at z = 0)."""
    return (z > 0).astype(z.dtype)


def tanh_grad(z, a):
    """f'(z) for tanh, from its output a = tanh(z): 1 - a^2."""
    return 1 - a * a


# name -> (f, f' written with z and a = f(z), initialization gain: Var(W) = gain / fan_in)
ACTIVATIONS = {
    "relu": (relu, relu_grad, 2.0),  # He et al. (2015): ReLU zeroes half the signal, so double it
    "tanh": (np.tanh, tanh_grad, 1.0),  # LeCun: keeps the variance of z at about 1
}


def log_softmax(logits):
    """log softmax along axis 1, stable.

    Subtracting each row's max changes nothing mathematically and keeps exp
    from overflowing: the largest exponent is exp(0) = 1.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits, y):
    """Mean of -log softmax(logits)[y], and its gradient (softmax(logits) - onehot(y)) / n."""
    n = len(y)
    log_p = log_softmax(logits)
    loss = -log_p[np.arange(n), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1
    return loss, dlogits / n


def sigmoid(z):
    """1 / (1 + e^-z), with e^z / (1 + e^z) for z < 0 so that exp never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def binary_cross_entropy_with_logits(z, y):
    """Mean of -[y log s(z) + (1 - y) log(1 - s(z))] and its gradient (s(z) - y) / n.

    Written as max(z, 0) - y z + log(1 + e^-|z|), the same value without
    overflow, and without the cancellation that would round small losses to 0.
    """
    y = y.astype(z.dtype)
    loss = (np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))).mean()
    return loss, (sigmoid(z) - y) / len(z)


def dense_forward(params, X, n_layers, activation):
    """a_0 = X, z_l = a_{l-1} W_l + b_l, a_l = f(z_l); the last layer stays linear.

    Returns z_L and the cache [(a_{l-1}, z_l) for l = 1..L] that backprop needs.
    """
    f = ACTIVATIONS[activation][0]
    a, cache = X, []
    for l in range(1, n_layers + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        cache.append((a, z))
        a = f(z) if l < n_layers else z
    return a, cache


def dense_backward(params, cache, dz, activation):
    """Backprop through dense_forward, given dz = dLoss/dz_L::

        dW_l = a_{l-1}^T dz_l      db_l = sum over rows of dz_l
        dz_{l-1} = (dz_l W_l^T) * f'(z_{l-1})
    """
    f_grad = ACTIVATIONS[activation][1]
    grads = {}
    for l in range(len(cache), 0, -1):
        a_prev, _ = cache[l - 1]
        grads[f"W{l}"] = a_prev.T @ dz
        grads[f"b{l}"] = dz.sum(axis=0)
        if l > 1:
            z_prev = cache[l - 2][1]
            dz = (dz @ params[f"W{l}"].T) * f_grad(z_prev, a_prev)
    return grads


# --- the base class: the contract and its checks ----------------------------


class Model:
    """Base of every model: subclasses are frozen dataclasses holding the architecture.

    A subclass sets ``task`` ("classification", "regression" or
    "reconstruction"), and writes ``param_shapes``, ``loss_and_grad`` and
    ``predict``; ``initial_values`` defaults to zeros (fine for convex models).
    """

    task: str = ""

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    def initial_values(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {name: np.zeros(shape) for name, shape in self.param_shapes().items()}

    def init_params(self, seed: int = 0, dtype=np.float64) -> dict[str, np.ndarray]:
        """Fresh parameters from np.random.default_rng(seed).

        They are drawn in float64 and then cast, so float32 parameters are the
        float64 ones rounded: the same network in two precisions.
        """
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype}")
        values = self.initial_values(np.random.default_rng(seed))
        return {name: value.astype(dtype) for name, value in values.items()}

    def loss_and_grad(self, params, X, y):
        raise NotImplementedError

    def loss(self, params, X, y=None) -> float:
        """The loss alone (for evaluation: the gradient is computed and thrown away)."""
        return self.loss_and_grad(params, X, y)[0]

    def predict(self, params, X):
        raise NotImplementedError

    # checks shared by every model
    def check_params(self, params) -> np.dtype:
        """params must have exactly the expected names and shapes, and one float dtype; returns it."""
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of arrays (from model.init_params()), got {type(params).__name__}")
        expected = self.param_shapes()
        if set(params) != set(expected):
            missing = sorted(set(expected) - set(params))
            extra = sorted(set(params) - set(expected))
            raise ValueError(f"{self!r} needs params {list(expected)}; missing {missing}, unexpected {extra}; "
                             f"make them with model.init_params()")
        dtypes = set()
        for name, shape in expected.items():
            value = params[name]
            if not isinstance(value, np.ndarray) or value.dtype not in FLOAT_DTYPES:
                kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
                raise TypeError(f"params[{name!r}] must be a float32 or float64 array, got {kind}")
            if value.shape != shape:
                raise ValueError(f"params[{name!r}] has shape {value.shape} but {self!r} expects {shape}")
            dtypes.add(value.dtype)
        if len(dtypes) > 1:
            raise TypeError(f"params mix dtypes {sorted(map(str, dtypes))}; use one, e.g. init_params(dtype=np.float32)")
        return dtypes.pop()

    def check_X(self, X, dtype: np.dtype) -> None:
        if not isinstance(X, np.ndarray):
            raise TypeError(f"X must be a NumPy array of shape (n_samples, {self.n_features}), got {type(X).__name__}")
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, (n_samples, {self.n_features}), got shape {X.shape}; "
                             f"a single sample x is x[None, :]")
        if X.shape[1] != self.n_features:
            raise ValueError(f"X has {X.shape[1]} features but the model expects {self.n_features}")
        if X.shape[0] == 0:
            raise ValueError("X has no rows: a batch needs at least one sample")
        if X.dtype not in FLOAT_DTYPES:
            raise TypeError(f"X must be float32 or float64, got {X.dtype}; convert it with X.astype(np.float64)")
        if X.dtype != dtype:
            raise TypeError(f"X is {X.dtype} but params are {dtype}; load the data with dtype=np.{dtype} "
                            f"or make params with init_params(dtype=np.{X.dtype})")

    def check_labels(self, y, n_samples: int, n_classes: int) -> None:
        if not isinstance(y, np.ndarray) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            got = f"{y.dtype} array of shape {y.shape}" if isinstance(y, np.ndarray) else type(y).__name__
            raise TypeError(f"y must be a 1-D array of integer class labels, got {got}")
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} rows but y has {len(y)} labels")
        if y.min() < 0 or y.max() >= n_classes:
            bad = y.min() if y.min() < 0 else y.max()
            raise ValueError(f"y has label {bad} but the model has {n_classes} classes (labels 0..{n_classes - 1})")

    def check_targets(self, y, n_samples: int, dtype: np.dtype) -> None:
        if not isinstance(y, np.ndarray) or y.ndim != 1:
            got = f"shape {y.shape}" if isinstance(y, np.ndarray) else type(y).__name__
            raise TypeError(f"y must be a 1-D array of targets, got {got}; y.ravel() flattens a column")
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} rows but y has {len(y)} targets")
        if y.dtype != dtype:
            raise TypeError(f"y is {y.dtype} but params are {dtype}; convert it with y.astype(np.{dtype})")


def _check_sizes(sizes, minimum_layers: int) -> tuple[int, ...]:
    if not isinstance(sizes, (tuple, list)) or len(sizes) < minimum_layers:
        raise ValueError(f"sizes must list at least {minimum_layers} layer widths, such as (64, 200, 10), "
                         f"got {sizes!r}")
    return tuple(positive_int(f"sizes[{i}]", width) for i, width in enumerate(sizes))


def _check_activation(activation) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, got {activation!r}")


def _dense_shapes(sizes) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = (fan_in, fan_out), (fan_out,)
    return shapes


def _dense_init(sizes, activation, rng) -> dict[str, np.ndarray]:
    """W_l ~ N(0, gain / fan_in), b_l = 0, gain from ACTIVATIONS (2 for ReLU: He initialization)."""
    gain = ACTIVATIONS[activation][2]
    values = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        values[f"W{l}"] = rng.normal(0.0, math.sqrt(gain / fan_in), size=(fan_in, fan_out))
        values[f"b{l}"] = np.zeros(fan_out)
    return values


# --- the models ---------------------------------------------------------------


@dataclass(frozen=True)
class LinearRegression(Model):
    """Least squares: y_hat = X w + b.

        loss   = 0.5 * mean((y_hat - y)^2)
        grad_w = X^T (y_hat - y) / n,   grad_b = mean(y_hat - y)

    The 0.5 cancels the 2 from differentiating the square, so the gradient
    reads cleanly. torch's MSELoss has no 0.5: its value is twice this one.
    Params: "w" (n_features,), "b" (1,), both initialized to 0.
    """

    n_features: int
    task = "regression"

    def __post_init__(self):
        object.__setattr__(self, "n_features", positive_int("n_features", self.n_features))

    def param_shapes(self):
        return {"w": (self.n_features,), "b": (1,)}

    def predict(self, params, X):
        self.check_X(X, self.check_params(params))
        return X @ params["w"] + params["b"]

    def loss_and_grad(self, params, X, y):
        dtype = self.check_params(params)
        self.check_X(X, dtype)
        self.check_targets(y, len(X), dtype)
        residual = X @ params["w"] + params["b"] - y
        loss = 0.5 * np.mean(residual * residual)
        n = len(X)
        return float(loss), {"w": X.T @ residual / n, "b": residual.sum(keepdims=True) / n}


@dataclass(frozen=True)
class LogisticRegression(Model):
    """Binary classification: p(y = 1 | x) = sigmoid(x w + b), labels 0 / 1.

        loss   = mean(-[y log p + (1 - y) log(1 - p)])   (stable form: binary_cross_entropy_with_logits)
        grad_w = X^T (p - y) / n,   grad_b = mean(p - y)

    Params: "w" (n_features,), "b" (1,), both initialized to 0.
    """

    n_features: int
    task = "classification"
    n_classes = 2

    def __post_init__(self):
        object.__setattr__(self, "n_features", positive_int("n_features", self.n_features))

    def param_shapes(self):
        return {"w": (self.n_features,), "b": (1,)}

    def predict(self, params, X):
        self.check_X(X, self.check_params(params))
        return (X @ params["w"] + params["b"] > 0).astype(np.int64)

    def loss_and_grad(self, params, X, y):
        dtype = self.check_params(params)
        self.check_X(X, dtype)
        self.check_labels(y, len(X), 2)
        loss, dz = binary_cross_entropy_with_logits(X @ params["w"] + params["b"], y)
        return float(loss), {"w": X.T @ dz, "b": dz.sum(keepdims=True)}


@dataclass(frozen=True)
class SoftmaxRegression(Model):
    """Multinomial logistic regression: logits = X W + b, p = softmax(logits).

        loss   = mean(-log p_y)
        grad_W = X^T (p - onehot(y)) / n,   grad_b = mean over rows of (p - onehot(y))

    Params: "W" (n_features, n_classes), "b" (n_classes,), both initialized to 0.
    """

    n_features: int
    n_classes: int
    task = "classification"

    def __post_init__(self):
        object.__setattr__(self, "n_features", positive_int("n_features", self.n_features))
        object.__setattr__(self, "n_classes", positive_int("n_classes", self.n_classes))
        if self.n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {self.n_classes}")

    def param_shapes(self):
        return {"W": (self.n_features, self.n_classes), "b": (self.n_classes,)}

    def predict(self, params, X):
        self.check_X(X, self.check_params(params))
        return np.argmax(X @ params["W"] + params["b"], axis=1)

    def loss_and_grad(self, params, X, y):
        dtype = self.check_params(params)
        self.check_X(X, dtype)
        self.check_labels(y, len(X), self.n_classes)
        loss, dlogits = softmax_cross_entropy(X @ params["W"] + params["b"], y)
        return float(loss), {"W": X.T @ dlogits, "b": dlogits.sum(axis=0)}


@dataclass(frozen=True)
class MLP(Model):
    """A multilayer perceptron classifier: sizes=(64, 200, 10) is 64 inputs, one hidden layer of 200, 10 classes.

        a_0 = X,  a_l = f(a_{l-1} W_l + b_l) for hidden layers,  logits = a_{L-1} W_L + b_L
        loss = mean(-log softmax(logits)_y)

    f is ReLU (or tanh). Params "W1", "b1", ..., "WL", "bL"; W_l ~ N(0, 2 / fan_in)
    for ReLU (He et al., 2015; 1 / fan_in for tanh), b_l = 0.
    """

    sizes: tuple[int, ...]
    activation: str = "relu"
    task = "classification"

    def __post_init__(self):
        object.__setattr__(self, "sizes", _check_sizes(self.sizes, 2))
        _check_activation(self.activation)
        if self.sizes[-1] < 2:
            raise ValueError(f"the last size is the number of classes and must be >= 2, got {self.sizes[-1]}")

    @property
    def n_features(self) -> int:
        return self.sizes[0]

    @property
    def n_classes(self) -> int:
        return self.sizes[-1]

    def param_shapes(self):
        return _dense_shapes(self.sizes)

    def initial_values(self, rng):
        return _dense_init(self.sizes, self.activation, rng)

    def predict(self, params, X):
        self.check_X(X, self.check_params(params))
        logits, _ = dense_forward(params, X, len(self.sizes) - 1, self.activation)
        return np.argmax(logits, axis=1)

    def loss_and_grad(self, params, X, y):
        dtype = self.check_params(params)
        self.check_X(X, dtype)
        self.check_labels(y, len(X), self.n_classes)
        logits, cache = dense_forward(params, X, len(self.sizes) - 1, self.activation)
        loss, dlogits = softmax_cross_entropy(logits, y)
        grads = dense_backward(params, cache, dlogits, self.activation)
        return float(loss), {name: grads[name] for name in params}


@dataclass(frozen=True)
class Autoencoder(Model):
    """A small autoencoder: sizes=(64, 32, 64) squeezes 64 inputs through 32 hidden units and back.

        h = f(X W1 + b1), ...,  X_hat = h W_L + b_L   (output layer linear: standardized inputs are unbounded)
        loss = mean((X_hat - X)^2)    over every sample and every feature (torch's MSELoss, no 0.5)

    f is tanh by default (or ReLU). y is ignored: the target is X itself.
    Used for the Adam paper's bias-correction ablation on digits.
    Params "W1", "b1", ...; W_l ~ N(0, gain / fan_in), b_l = 0 (see ACTIVATIONS).
    """

    sizes: tuple[int, ...] = (64, 32, 64)
    activation: str = "tanh"
    task = "reconstruction"

    def __post_init__(self):
        object.__setattr__(self, "sizes", _check_sizes(self.sizes, 3))
        _check_activation(self.activation)
        if self.sizes[0] != self.sizes[-1]:
            raise ValueError(f"an autoencoder's output must have the size of its input: sizes[0]={self.sizes[0]} "
                             f"but sizes[-1]={self.sizes[-1]}")

    @property
    def n_features(self) -> int:
        return self.sizes[0]

    def param_shapes(self):
        return _dense_shapes(self.sizes)

    def initial_values(self, rng):
        return _dense_init(self.sizes, self.activation, rng)

    def predict(self, params, X):
        """The reconstruction X_hat."""
        self.check_X(X, self.check_params(params))
        return dense_forward(params, X, len(self.sizes) - 1, self.activation)[0]

    def loss_and_grad(self, params, X, y=None):
        dtype = self.check_params(params)
        self.check_X(X, dtype)
        X_hat, cache = dense_forward(params, X, len(self.sizes) - 1, self.activation)
        error = X_hat - X
        loss = np.mean(error * error)
        grads = dense_backward(params, cache, 2 * error / error.size, self.activation)
        return float(loss), {name: grads[name] for name in params}


def accuracy(model: Model, params, X, y) -> float:
    """The fraction of rows whose predicted class is y."""
    if model.task != "classification":
        raise ValueError(f"accuracy needs a classifier; {model!r} is a {model.task} model")
    predicted = model.predict(params, X)
    if not isinstance(y, np.ndarray) or y.shape != predicted.shape:
        raise ValueError(f"y must be a 1-D array with one label per row of X ({len(predicted)}), "
                         f"got {getattr(y, 'shape', type(y).__name__)}")
    return float(np.mean(predicted == y))


# --- training -----------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class History:
    """What ``train`` records.

    The epoch_* arrays have one entry per evaluation: entry 0 is before the
    first step, then one after every epoch (or every ``eval_every`` steps);
    ``eval_step`` holds the number of steps taken at each evaluation, the
    x-axis that lines them up with ``loss``.
    """

    loss: np.ndarray                        # mini-batch loss before each step (the last one may be NaN/inf)
    epoch_train_loss: np.ndarray            # loss on the whole training split
    epoch_val_loss: np.ndarray
    epoch_val_accuracy: np.ndarray | None   # None unless the model is a classifier
    eval_step: np.ndarray
    test_loss: float                        # with the final params (NaN if diverged)
    test_accuracy: float | None             # classifiers only (NaN if diverged)
    wall_time: float                        # seconds for the whole call (time.perf_counter)
    params: dict                            # the final parameters
    diverged: bool                          # stopped because a loss became NaN or inf
    timed_out: bool                         # stopped because max_seconds ran out

    def __repr__(self) -> str:
        status = "diverged" if self.diverged else "timed out" if self.timed_out else "finished"
        accuracy = f", test_accuracy={self.test_accuracy:.4f}" if self.test_accuracy is not None else ""
        return (f"History({status} after {len(self.loss)} steps, test_loss={self.test_loss:.4g}{accuracy}, "
                f"wall_time={self.wall_time:.2f}s)")


def train(model: Model, optimizer, data: Dataset, epochs: int = 10, batch_size: int = 32, seed: int = 0,
          params=None, schedule: Callable[[int], float] | None = None, eval_every="epoch",
          max_seconds: float | None = None, on_step: Callable | None = None) -> History:
    """Mini-batch training of ``model`` on ``data.X_train`` with a course_lib optimizer.

    Args:
      model: any model of this module.
      optimizer: a course_lib.optim optimizer, e.g. optim.Adam(lr=1e-3).
      data: a Dataset; the validation split is evaluated, the test split once at the end.
      epochs, batch_size: passes over the training split, and rows per step.
      seed: seeds np.random.default_rng(seed), which shuffles the mini-batches
        (through data.minibatches) and, when params is None, initializes them.
        Two calls with the same arguments return identical histories.
      params: starting parameters (default: model.init_params(seed, dtype of data.X_train)).
      schedule: optional n -> lr; step n (n = steps taken so far, from 0) uses
        optimizer.with_lr(schedule(n)), so the optimizer's own lr is ignored.
      eval_every: "epoch", or a number of steps between evaluations.
      max_seconds: optional wall-time budget; training stops after the step that exceeds it.
      on_step: optional on_step(n, params, state, grads), called after step n (from 1)
        with the new params and optimizer state and the gradients just used: for
        lessons that watch what an optimizer accumulates (v_t, effective step sizes).

    If a mini-batch loss (or an evaluation) is NaN or inf, training stops and the
    history so far is returned with diverged=True. NumPy's floating-point
    warnings are silenced inside this function: ``diverged`` reports them.
    """
    start = time.perf_counter()
    epochs = positive_int("epochs", epochs)
    batch_size = positive_int("batch_size", batch_size)
    if eval_every != "epoch":
        eval_every = positive_int("eval_every (a number of steps, or 'epoch')", eval_every)
    if max_seconds is not None:
        max_seconds = nonnegative("max_seconds", max_seconds)
    _check_model_fits_data(model, data)

    rng = np.random.default_rng(seed)
    if params is None:
        params = model.init_params(seed=seed, dtype=data.X_train.dtype)
    state = optimizer.init(params)
    classifier = model.task == "classification"
    step_loss, train_loss, val_loss, val_accuracy, eval_step = [], [], [], [], []

    def evaluate(n: int) -> bool:
        """Record the train and val losses after n steps; False if one is not finite."""
        eval_step.append(n)
        train_loss.append(model.loss(params, data.X_train, data.y_train))
        val_loss.append(model.loss(params, data.X_val, data.y_val))
        if classifier:
            val_accuracy.append(accuracy(model, params, data.X_val, data.y_val))
        return math.isfinite(train_loss[-1]) and math.isfinite(val_loss[-1])

    with np.errstate(all="ignore"):  # overflow is expected in a sweep; `diverged` reports it
        diverged, timed_out, n = not evaluate(0), False, 0
        for X_batch, y_batch, end_of_epoch in _every_batch(data, epochs, batch_size, rng, skip=diverged):
            loss, grads = model.loss_and_grad(params, X_batch, y_batch)
            step_loss.append(loss)
            if not math.isfinite(loss):
                diverged = True
                break
            step_optimizer = optimizer if schedule is None else optimizer.with_lr(schedule(n))
            params, state = step_optimizer.step(params, grads, state)
            n += 1
            if on_step is not None:
                on_step(n, params, state, grads)
            due = end_of_epoch if eval_every == "epoch" else n % eval_every == 0
            if due and not evaluate(n):
                diverged = True
                break
            if max_seconds is not None and time.perf_counter() - start > max_seconds:
                timed_out = True
                break

        if timed_out and eval_step[-1] != n:  # the curves end where training stopped
            diverged = not evaluate(n)
        test_loss = model.loss(params, data.X_test, data.y_test)
        diverged = diverged or not math.isfinite(test_loss)
        test_accuracy = None
        if classifier:
            test_accuracy = math.nan if diverged else accuracy(model, params, data.X_test, data.y_test)

    return History(
        loss=np.array(step_loss), epoch_train_loss=np.array(train_loss), epoch_val_loss=np.array(val_loss),
        epoch_val_accuracy=np.array(val_accuracy) if classifier else None, eval_step=np.array(eval_step),
        test_loss=math.nan if diverged else test_loss, test_accuracy=test_accuracy,
        wall_time=time.perf_counter() - start, params=params, diverged=diverged, timed_out=timed_out,
    )


def _every_batch(data: Dataset, epochs: int, batch_size: int, rng, skip: bool):
    """(X_batch, y_batch, end_of_epoch) for every mini-batch of every epoch (nothing if skip)."""
    if skip:
        return
    n_batches = math.ceil(len(data.X_train) / batch_size)
    for _ in range(epochs):
        batches = minibatches(data.X_train, data.y_train, batch_size, rng)
        for i, (X_batch, y_batch) in enumerate(batches, start=1):
            yield X_batch, y_batch, i == n_batches


def _check_model_fits_data(model: Model, data: Dataset) -> None:
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a course_lib.data.Dataset (e.g. data.load('digits')), got {type(data).__name__}")
    if data.n_features != model.n_features:
        raise ValueError(f"{data.name} has {data.n_features} features but {model!r} expects {model.n_features}")
    if model.task in ("classification", "regression") and data.task != model.task:
        raise ValueError(f"{model!r} is a {model.task} model but {data.name} is a {data.task} dataset")
    if model.task == "classification" and data.n_classes != model.n_classes:
        raise ValueError(f"{data.name} has {data.n_classes} classes but {model!r} predicts {model.n_classes}")


__all__ = ["Model", "LinearRegression", "LogisticRegression", "SoftmaxRegression", "MLP", "Autoencoder",
           "History", "train", "accuracy", "log_softmax", "softmax_cross_entropy", "sigmoid",
           "binary_cross_entropy_with_logits", "ACTIVATIONS"]
