"""course_lib.data: splits, standardization without leakage, mini-batches, the sparse problem of lesson 03.

Expected values are recomputed from scikit-learn's raw tables, not taken from the code under test.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets

from course_lib import data

pytestmark = pytest.mark.filterwarnings("error")

RAW = {  # name -> (X, y) straight from scikit-learn
    "digits": sklearn.datasets.load_digits(return_X_y=True),
    "breast_cancer": sklearn.datasets.load_breast_cancer(return_X_y=True),
    "diabetes": sklearn.datasets.load_diabetes(return_X_y=True, scaled=False),
}
CLASSIFICATION = ["digits", "breast_cancer"]
NAMES = list(RAW)


@pytest.fixture(scope="module", params=NAMES)
def name(request):
    return request.param


@pytest.fixture(scope="module")
def dataset(name):
    return data.load(name, seed=0)


def splits(d):
    return {"train": (d.X_train, d.y_train), "val": (d.X_val, d.y_val), "test": (d.X_test, d.y_test)}


def test_digits_read_directly_is_scikit_learns_table():
    X, y, feature_names = data._raw_table("digits")
    bunch = sklearn.datasets.load_digits()
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert feature_names == tuple(bunch.feature_names)


def test_loading_digits_does_not_import_scikit_learn():
    """The reason digits is read directly: a lesson should not pay a second for SciPy."""
    code = ("import sys; from course_lib import data; data.load('digits', seed=0); "
            "assert not [m for m in sys.modules if m.startswith(('sklearn', 'scipy'))], 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_split_sizes_add_up_to_the_raw_table_and_follow_the_fractions(name, dataset):
    X_raw, _ = RAW[name]
    n, n_features = X_raw.shape
    n_groups = 10 if name == "digits" else 2 if name == "breast_cancer" else 1  # rounding is per class
    sizes = {split: len(y) for split, (X, y) in splits(dataset).items()}
    for split, (X, y) in splits(dataset).items():
        assert X.shape == (sizes[split], n_features) and y.shape == (sizes[split],)
    assert sum(sizes.values()) == n
    assert abs(sizes["val"] - 0.2 * n) <= n_groups / 2 and abs(sizes["test"] - 0.2 * n) <= n_groups / 2
    other = data.load(name, val_fraction=0.1, test_fraction=0.3)
    assert abs(len(other.y_val) - 0.1 * n) <= n_groups / 2 and abs(len(other.y_test) - 0.3 * n) <= n_groups / 2


def test_indices_partition_the_rows_of_the_raw_table(name, dataset):
    every = np.concatenate([dataset.train_index, dataset.val_index, dataset.test_index])
    np.testing.assert_array_equal(np.sort(every), np.arange(len(RAW[name][0])))


def test_dtypes_and_metadata(name, dataset):
    for X, y in splits(dataset).values():
        assert X.dtype == np.float64
        assert y.dtype == (np.int64 if name in CLASSIFICATION else np.float64)
    assert dataset.name == name and dataset.n_features == RAW[name][0].shape[1]
    assert len(dataset.feature_names) == dataset.n_features
    if name in CLASSIFICATION:
        assert dataset.task == "classification" and dataset.n_classes == len(np.unique(RAW[name][1]))
    else:
        assert dataset.task == "regression" and dataset.n_classes is None


def test_float32_dtype_is_honoured_for_features_and_regression_targets():
    digits = data.load_digits(dtype=np.float32)
    diabetes = data.load_diabetes(dtype=np.float32)
    assert digits.X_train.dtype == digits.X_test.dtype == np.float32 and digits.y_train.dtype == np.int64
    assert diabetes.X_val.dtype == diabetes.y_val.dtype == np.float32


def test_same_seed_gives_the_same_split_and_another_seed_a_different_one(name):
    first, again, other = data.load(name, seed=3), data.load(name, seed=3), data.load(name, seed=4)
    for (X1, y1), (X2, y2) in zip(splits(first).values(), splits(again).values()):
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(first.train_index, other.train_index)
    assert not np.array_equal(first.X_train[:20], other.X_train[:20])


def test_loading_does_not_touch_numpy_global_random_state():
    np.random.seed(0)
    expected = np.random.random()
    np.random.seed(0)
    data.load_digits(seed=1)
    data.sparse_features_problem(seed=1)
    assert np.random.random() == expected


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("seed", [0, 1])
def test_classification_splits_are_stratified(name, seed):
    d = data.load(name, seed=seed)
    y_raw = RAW[name][1]
    overall = np.bincount(y_raw) / len(y_raw)
    for split, (_, y) in splits(d).items():
        proportions = np.bincount(y, minlength=len(overall)) / len(y)
        # each class is cut separately, so a proportion is off by at most one row
        np.testing.assert_allclose(proportions, overall, atol=1.5 / len(y), err_msg=split)


def test_train_split_is_standardized_and_constant_features_are_zero(name, dataset):
    X = dataset.X_train
    constant = RAW[name][0][dataset.train_index].std(axis=0) == 0
    if name == "digits":
        assert constant.sum() >= 3  # border pixels that are 0 in every training image
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0)[~constant], 1, rtol=1e-12)
    assert not X[:, constant].any()


def test_no_nan_or_inf_in_any_split(name, dataset):
    for split, (X, y) in splits(dataset).items():
        assert np.isfinite(X).all() and np.isfinite(y).all(), split


def test_val_and_test_are_standardized_with_train_statistics_only(name, dataset):
    X_raw = RAW[name][0]
    train_rows = X_raw[dataset.train_index]
    mean = train_rows.mean(axis=0)
    std = train_rows.std(axis=0)
    std[std == 0] = 1.0
    for split, (X, _) in splits(dataset).items():
        rows = X_raw[getattr(dataset, f"{split}_index")]
        np.testing.assert_allclose(X, (rows - mean) / std, rtol=1e-12, atol=1e-12, err_msg=split)
        np.testing.assert_allclose(X * std + mean, rows, rtol=1e-10, atol=1e-10, err_msg=split)
    # leakage would show here: the val split is not centred exactly on its own mean
    assert np.abs(dataset.X_val.mean(axis=0)).max() > 1e-3


def test_labels_follow_their_rows(name, dataset):
    y_raw = RAW[name][1]
    if name in CLASSIFICATION:
        np.testing.assert_array_equal(dataset.y_test, y_raw[dataset.test_index])
    else:
        train_targets = y_raw[dataset.train_index]
        mean, std = train_targets.mean(), train_targets.std()
        for split, (_, y) in splits(dataset).items():
            expected = (y_raw[getattr(dataset, f"{split}_index")] - mean) / std
            np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12, err_msg=split)
        np.testing.assert_allclose([dataset.target_mean, dataset.target_std], [mean, std], rtol=1e-12)
        np.testing.assert_allclose(dataset.y_train.std(), 1.0, rtol=1e-12)


@pytest.mark.parametrize("kwargs, error", [
    ({"val_fraction": 0.5, "test_fraction": 0.5}, "must be < 1"),
    ({"val_fraction": 0.7, "test_fraction": 0.4}, "must be < 1"),
    ({"val_fraction": 0.0}, "val_fraction must be in"),
    ({"test_fraction": -0.1}, "test_fraction must be in"),
    ({"test_fraction": 1.0}, "test_fraction must be in"),
    ({"val_fraction": 0.0001}, "validation split empty"),
])
def test_bad_fractions_raise_value_errors_that_name_them(kwargs, error):
    with pytest.raises(ValueError, match=error):
        data.load_diabetes(**kwargs)


def test_bad_dtype_and_unknown_name_raise():
    with pytest.raises(TypeError, match="float32 or np.float64"):
        data.load_digits(dtype=np.int32)
    with pytest.raises(ValueError, match="'digits', 'breast_cancer', 'diabetes'"):
        data.load("mnist")


# --- mini-batches ----------------------------------------------------------------


@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (10, 1), (4, 10)])
def test_minibatches_visit_every_row_exactly_once_per_epoch(n, batch_size):
    X = np.arange(2 * n, dtype=np.float64).reshape(n, 2)
    y = np.arange(n) * 10
    batches = list(data.minibatches(X, y, batch_size, np.random.default_rng(0)))
    assert [len(yb) for _, yb in batches] == [min(batch_size, n - start) for start in range(0, n, batch_size)]
    rows = np.concatenate([Xb[:, 0] // 2 for Xb, _ in batches]).astype(int)
    np.testing.assert_array_equal(np.sort(rows), np.arange(n))
    for Xb, yb in batches:  # X and y rows stay paired
        np.testing.assert_array_equal(Xb[:, 0] // 2 * 10, yb)


def test_minibatches_are_shuffled_and_controlled_by_the_generator():
    X, y = np.arange(100.0)[:, None], np.arange(100)

    def order(rng):
        return np.concatenate([yb for _, yb in data.minibatches(X, y, 16, rng)])

    rng = np.random.default_rng(7)
    epoch1, epoch2 = order(rng), order(rng)
    assert not np.array_equal(epoch1, np.arange(100))  # shuffled
    assert not np.array_equal(epoch1, epoch2)  # a new order each epoch
    np.testing.assert_array_equal(order(np.random.default_rng(7)), epoch1)  # same seed, same order


def test_minibatches_allow_y_none_for_autoencoders():
    batches = list(data.minibatches(np.zeros((5, 2)), None, 2, np.random.default_rng(0)))
    assert [len(Xb) for Xb, _ in batches] == [2, 2, 1] and all(yb is None for _, yb in batches)


@pytest.mark.parametrize("args, error", [
    ((np.zeros((4, 2)), np.zeros(4), 0, np.random.default_rng(0)), ValueError),
    ((np.zeros((4, 2)), np.zeros(4), 2.5, np.random.default_rng(0)), TypeError),
    ((np.zeros((4, 2)), np.zeros(3), 2, np.random.default_rng(0)), ValueError),
    ((np.zeros((4, 2)), np.zeros(4), 2, 0), TypeError),
])
def test_minibatches_reject_bad_arguments(args, error):
    with pytest.raises(error):
        next(data.minibatches(*args))


# --- the sparse problem of lesson 03 -------------------------------------------------


def test_sparse_problem_has_dense_frequent_features_and_mostly_zero_rare_ones():
    d = data.sparse_features_problem(n_samples=2000, n_features=20, rare_fraction=0.5, rare_density=0.05, seed=0)
    X = np.concatenate([d.X_train, d.X_val, d.X_test])
    assert X.shape == (2000, 20) and len(d.y_train) + len(d.y_val) + len(d.y_test) == 2000
    nonzero = (X != 0).mean(axis=0)
    rare = np.array([name.startswith("rare") for name in d.feature_names])
    assert rare.sum() == 10 and not rare[:10].any()  # frequent features first
    assert (nonzero[~rare] == 1).all()
    assert (nonzero[rare] > 0.02).all() and (nonzero[rare] < 0.08).all()  # about rare_density = 0.05
    assert ((d.X_train[:, rare] != 0).sum(axis=0) >= 20).all()  # every rare feature still shows up in training
    assert set(np.unique(d.y_train)) == {0, 1} and d.y_train.dtype == np.int64 and d.n_classes == 2


def test_sparse_problem_labels_depend_on_the_rare_features():
    # a logistic fit with the rare weights forced to 0 must do worse than one with them
    from sklearn.linear_model import LogisticRegression

    d = data.sparse_features_problem(n_samples=4000, rare_density=0.2, seed=1)
    rare = np.array([name.startswith("rare") for name in d.feature_names])
    full = LogisticRegression().fit(d.X_train, d.y_train).score(d.X_test, d.y_test)
    without = LogisticRegression().fit(d.X_train[:, ~rare], d.y_train).score(d.X_test[:, ~rare], d.y_test)
    assert full > without + 0.02


def test_sparse_problem_is_seeded_and_supports_regression():
    a, b = data.sparse_features_problem(seed=2), data.sparse_features_problem(seed=2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.X_train, data.sparse_features_problem(seed=3).X_train)
    reg = data.sparse_features_problem(task="regression", n_samples=300, dtype=np.float32)
    assert reg.task == "regression" and reg.n_classes is None and reg.y_train.dtype == np.float32


@pytest.mark.parametrize("kwargs", [{"rare_fraction": 0.0}, {"rare_fraction": 1.5}, {"rare_density": 1.0},
                                    {"task": "ranking"}, {"n_features": 1, "rare_fraction": 0.4}])
def test_sparse_problem_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        data.sparse_features_problem(**kwargs)
