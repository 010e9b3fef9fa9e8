"""The course's datasets: scikit-learn's bundled tables, split and standardized; seeded mini-batches.

Nothing is downloaded: digits, breast cancer and diabetes ship inside scikit-learn::

    data = load("digits", seed=0)                 # a Dataset with train / val / test splits
    rng = np.random.default_rng(0)                # the caller owns the randomness
    for X_batch, y_batch in minibatches(data.X_train, data.y_train, 32, rng):
        ...

Every loader does the same three things:

1. split the rows into train / val / test with ``np.random.default_rng(seed)``
   (stratified by class for classification, so each split has the same class
   proportions up to rounding);
2. standardize every feature with the mean and std of the TRAINING split only,
   then apply those same numbers to val and test: statistics taken from val or
   test would leak information about them into training;
3. keep the statistics and the row indices in the ``Dataset``, so a lesson can
   map a prediction back to original units or find the raw row.

``sparse_features_problem`` builds the synthetic problem of lesson 03 (AdaGrad).
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .validation import FLOAT_DTYPES, positive_int, real


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Train / val / test splits of one problem.

    X arrays are (n_samples, n_features) floats (float64 unless the loader was
    given another dtype). y holds int64 class labels 0..n_classes-1 for
    classification, and float targets of the same dtype as X for regression.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str                         # "classification" or "regression"
    n_classes: int | None             # None for regression
    feature_names: tuple[str, ...]
    name: str
    # Where the rows came from: X_train[i] is row train_index[i] of the source table.
    train_index: np.ndarray | None = None
    val_index: np.ndarray | None = None
    test_index: np.ndarray | None = None
    # The training split's statistics used to standardize (None: not standardized).
    feature_mean: np.ndarray | None = None
    feature_std: np.ndarray | None = None   # 1 where a feature is constant in train
    target_mean: float | None = None        # regression targets: y_original = y * target_std + target_mean
    target_std: float | None = None

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def __repr__(self) -> str:  # the default repr would print every array
        classes = f", {self.n_classes} classes" if self.n_classes is not None else ""
        return (f"Dataset({self.name!r}, {self.task}{classes}, {self.n_features} features, "
                f"train={len(self.y_train)}, val={len(self.y_val)}, test={len(self.y_test)})")


# --- the three scikit-learn datasets ----------------------------------------


def load_digits(seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2,
                dtype=np.float64) -> Dataset:
    """8x8 images of handwritten digits: 1797 samples, 64 pixel features (0..16), 10 classes.

    Several border pixels are 0 in every training image; their std is 0, so
    they are divided by 1 instead and stay exactly 0 in train.
    """
    return _from_sklearn("digits", seed, val_fraction, test_fraction, dtype)


def load_breast_cancer(seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2,
                       dtype=np.float64) -> Dataset:
    """Wisconsin breast cancer: 569 samples, 30 features, 2 classes (0 = malignant, 1 = benign)."""
    return _from_sklearn("breast_cancer", seed, val_fraction, test_fraction, dtype)


def load_diabetes(seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2,
                  dtype=np.float64) -> Dataset:
    """Diabetes progression after one year: 442 samples, 10 features, a real-valued target.

    The target (originally about 25..346) is standardized too, with the
    training split's mean and std, so that losses are O(1) and learning rates
    carry over from the classification lessons. ``target_mean`` and
    ``target_std`` turn a prediction back into original units:
    ``y_original = y * data.target_std + data.target_mean``.
    """
    return _from_sklearn("diabetes", seed, val_fraction, test_fraction, dtype)


LOADERS = {"digits": load_digits, "breast_cancer": load_breast_cancer, "diabetes": load_diabetes}


def load(name: str, **kwargs) -> Dataset:
    """load("digits", seed=1) is load_digits(seed=1); likewise "breast_cancer" and "diabetes"."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(map(repr, LOADERS))}")
    return LOADERS[name](**kwargs)


# name -> (scikit-learn loader's name, its keyword arguments, task)
_SKLEARN = {
    "digits": ("load_digits", {}, "classification"),
    "breast_cancer": ("load_breast_cancer", {}, "classification"),
    # scaled=False: the raw table; we standardize it ourselves, with train statistics only
    "diabetes": ("load_diabetes", {"scaled": False}, "regression"),
}


def _raw_table(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The source table as scikit-learn ships it: (X, y, feature names).

    Digits, which ten lessons load, is read straight from the gzipped CSV inside
    the installed scikit-learn: importing scikit-learn takes over a second (it
    pulls in SciPy), which every lesson would pay for one small file. The
    other two use scikit-learn's loaders, imported here on first use. The test
    ``test_digits_read_directly_is_scikit_learns_table`` keeps the two equal.
    """
    if name == "digits":
        package = Path(importlib.util.find_spec("sklearn").submodule_search_locations[0])
        with gzip.open(package / "datasets" / "data" / "digits.csv.gz", "rt") as rows:
            table = np.loadtxt(rows, delimiter=",")    # 64 pixel columns, then the label
        names = tuple(f"pixel_{row}_{column}" for row in range(8) for column in range(8))
        return table[:, :-1], table[:, -1].astype(np.int64), names
    loader, kwargs, _ = _SKLEARN[name]
    import sklearn.datasets
    bunch = getattr(sklearn.datasets, loader)(**kwargs)
    return bunch.data.astype(np.float64), bunch.target, tuple(str(f) for f in bunch.feature_names)


def _from_sklearn(name, seed, val_fraction, test_fraction, dtype) -> Dataset:
    dtype = _check_dtype(dtype)
    task = _SKLEARN[name][2]
    X, y, feature_names = _raw_table(name)
    classification = task == "classification"
    rng = np.random.default_rng(seed)
    train, val, test = split_indices(y, val_fraction, test_fraction, rng, stratify=classification)

    mean, std = _train_statistics(X[train])
    X_train, X_val, X_test = ((X[rows] - mean) / std for rows in (train, val, test))
    if classification:
        y = y.astype(np.int64)
        y_train, y_val, y_test = y[train], y[val], y[test]
        target_mean = target_std = None
    else:
        y = y.astype(np.float64)
        target_mean, target_std = (float(s) for s in _train_statistics(y[train]))
        y_train, y_val, y_test = ((y[rows] - target_mean) / target_std for rows in (train, val, test))
        y_train, y_val, y_test = (part.astype(dtype) for part in (y_train, y_val, y_test))
    return Dataset(
        X_train.astype(dtype), y_train, X_val.astype(dtype), y_val, X_test.astype(dtype), y_test,
        task=task, n_classes=int(y.max()) + 1 if classification else None,
        feature_names=feature_names, name=name,
        train_index=train, val_index=val, test_index=test,
        feature_mean=mean, feature_std=std, target_mean=target_mean, target_std=target_std,
    )


def _train_statistics(X_train: np.ndarray):
    """Mean and std (ddof=0) along axis 0, with std replaced by 1 where the data are constant.

    A constant feature carries no information; dividing it by 0 would turn it
    into NaN (0/0), and dividing by a rounding-sized std into noise.
    """
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    constant = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
    return mean, np.where(constant, 1.0, std)


# --- splitting --------------------------------------------------------------


def split_indices(y: np.ndarray, val_fraction: float, test_fraction: float,
                  rng: np.random.Generator, stratify: bool):
    """Row indices (train, val, test), each in shuffled order, drawn from the generator rng.

    With stratify=True the rows of each class are shuffled and cut separately:
    round(test_fraction * n_c) to test, round(val_fraction * n_c) to val, the
    rest to train, so every split keeps the class proportions up to rounding.
    """
    val_fraction, test_fraction = _check_fractions(val_fraction, test_fraction)
    groups = [np.flatnonzero(y == label) for label in np.unique(y)] if stratify else [np.arange(len(y))]
    train, val, test = [], [], []
    for rows in groups:
        rows = rng.permutation(rows)
        n_test = round(test_fraction * len(rows))
        n_val = round(val_fraction * len(rows))
        test.append(rows[:n_test])
        val.append(rows[n_test:n_test + n_val])
        train.append(rows[n_test + n_val:])
    # shuffle across classes too, so that X_train[:100] is not all zeros
    splits = tuple(rng.permutation(np.concatenate(parts)) for parts in (train, val, test))
    for split, rows in zip(("train", "validation", "test"), splits):
        if len(rows) == 0:
            raise ValueError(
                f"val_fraction={val_fraction} and test_fraction={test_fraction} leave the {split} split "
                f"empty for {len(y)} samples; use fractions such as 0.2 and 0.2"
            )
    return splits


def _check_fractions(val_fraction, test_fraction) -> tuple[float, float]:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 < real(name, value) < 1.0:
            raise ValueError(f"{name} must be in (0, 1), got {value}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1 to leave rows for training, got "
            f"{val_fraction} + {test_fraction} = {val_fraction + test_fraction}"
        )
    return float(val_fraction), float(test_fraction)


def _check_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype}")
    return dtype


# --- mini-batches -----------------------------------------------------------


def minibatches(X: np.ndarray, y: np.ndarray | None, batch_size: int, rng: np.random.Generator):
    """Yield (X_batch, y_batch) over one epoch: every row exactly once, in shuffled order.

    The last batch is smaller when batch_size does not divide the number of
    rows. ``rng`` is a ``np.random.Generator`` owned by the caller: passing the
    same generator to every epoch gives a new order each epoch, and creating it
    with the same seed repeats the whole run. y may be None (an autoencoder
    needs no targets); then the batches are (X_batch, None).
    """
    batch_size = positive_int("batch_size", batch_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a np.random.Generator, got {type(rng).__name__}; "
            f"make one with np.random.default_rng(seed)"
        )
    if y is not None and len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must have one row per sample")
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], (None if y is None else y[rows])


# --- lesson 03: rare features -----------------------------------------------


def sparse_features_problem(n_samples: int = 2000, n_features: int = 20, rare_fraction: float = 0.5,
                            rare_density: float = 0.05, task: str = "classification", seed: int = 0,
                            val_fraction: float = 0.2, test_fraction: float = 0.2,
                            dtype=np.float64) -> Dataset:
    """A linear problem where some features are frequent and others rare (lesson 03).

    The first n_features - n_rare columns are frequent: N(0, 1) in every row.
    The last n_rare = round(rare_fraction * n_features) columns are rare: N(0, 1)
    in a random fraction ``rare_density`` of the rows and exactly 0 elsewhere,
    like the words of a large vocabulary. With true weights w ~ N(0, 1):

    - task="classification": y ~ Bernoulli(sigmoid(X w)), labels 0 / 1 (logistic regression);
    - task="regression": y = X w + 0.1 * noise (linear regression).

    Why it matters: a rare feature's weight gets a nonzero gradient only in the
    few mini-batches where the feature appears. SGD gives every weight the same
    step size, so the rare weights learn about 1 / rare_density times more
    slowly. AdaGrad divides by sqrt(G), the root of the summed squared
    gradients; G stays small for a rare weight, so its step stays large
    exactly where updates are scarce.

    The features are not standardized: centering would turn the zeros into
    nonzero values, erasing the very sparsity the lesson is about.
    """
    n_samples = positive_int("n_samples", n_samples)
    n_features = positive_int("n_features", n_features)
    if not 0.0 < real("rare_fraction", rare_fraction) <= 1.0:
        raise ValueError(f"rare_fraction (the fraction of features that are rare) must be in (0, 1], "
                         f"got {rare_fraction}")
    if not 0.0 < real("rare_density", rare_density) < 1.0:
        raise ValueError(f"rare_density (how often a rare feature is nonzero) must be in (0, 1), "
                         f"got {rare_density}")
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    n_rare = round(rare_fraction * n_features)
    if n_rare == 0:
        raise ValueError(f"rare_fraction={rare_fraction} of {n_features} features rounds to no rare "
                         f"feature; raise rare_fraction or n_features")
    dtype = _check_dtype(dtype)

    rng = np.random.default_rng(seed)
    n_frequent = n_features - n_rare
    X = rng.normal(size=(n_samples, n_features))
    present = rng.random((n_samples, n_rare)) < rare_density
    X[:, n_frequent:] = np.where(present, X[:, n_frequent:], 0.0)
    w_true = rng.normal(size=n_features)
    z = X @ w_true
    if task == "classification":
        p_one = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid(z), without overflow for any z
        y = (rng.random(n_samples) < p_one).astype(np.int64)
    else:
        y = (z + 0.1 * rng.normal(size=n_samples)).astype(dtype)

    train, val, test = split_indices(y, val_fraction, test_fraction, rng,
                                     stratify=task == "classification")
    names = tuple(f"frequent_{i}" for i in range(n_frequent)) + tuple(f"rare_{i}" for i in range(n_rare))
    X = X.astype(dtype)
    return Dataset(X[train], y[train], X[val], y[val], X[test], y[test],
                   task=task, n_classes=2 if task == "classification" else None,
                   feature_names=names, name="sparse_features",
                   train_index=train, val_index=val, test_index=test)


__all__ = ["Dataset", "load", "load_digits", "load_breast_cancer", "load_diabetes",
           "minibatches", "split_indices", "sparse_features_problem"]
