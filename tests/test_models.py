"""course_lib.models: hand-written backprop checked against torch.autograd, and the training loop.

The torch forward passes below are written from the math in the models'
docstrings, independently of the NumPy code; only the parameter values are shared.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import data, models, optim
from course_lib.models import MLP, Autoencoder, LinearRegression, LogisticRegression, SoftmaxRegression

pytestmark = pytest.mark.filterwarnings("error")  # any warning (overflow in exp, ...) fails a test


# --- torch oracles -------------------------------------------------------------


def torch_linear_regression(p, X, y):
    return 0.5 * ((X @ p["w"] + p["b"] - y) ** 2).mean()


def torch_logistic_regression(p, X, y):
    return F.binary_cross_entropy_with_logits(X @ p["w"] + p["b"], y.double())


def torch_softmax_regression(p, X, y):
    return F.cross_entropy(X @ p["W"] + p["b"], y)


def torch_dense(p, X, n_layers, activation):
    f = {"relu": torch.relu, "tanh": torch.tanh}[activation]
    a = X
    for l in range(1, n_layers + 1):
        z = a @ p[f"W{l}"] + p[f"b{l}"]
        a = f(z) if l < n_layers else z
    return a


def torch_mlp(sizes, activation):
    return lambda p, X, y: F.cross_entropy(torch_dense(p, X, len(sizes) - 1, activation), y)


def torch_autoencoder(sizes, activation):
    return lambda p, X, y: F.mse_loss(torch_dense(p, X, len(sizes) - 1, activation), X)


def torch_loss_and_grad(torch_loss, params, X, y):
    p = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    loss = torch_loss(p, torch.tensor(X), torch.tensor(y))
    loss.backward()
    return loss.item(), {name: tensor.grad.numpy() for name, tensor in p.items()}


# --- cases: (model, torch oracle, how to draw targets) ---------------------------


def class_labels(n_classes):
    return lambda rng, n: rng.integers(0, n_classes, size=n)


def real_targets(rng, n):
    return rng.normal(size=n)


CASES = {
    "linear_regression": (LinearRegression(7), torch_linear_regression, real_targets),
    "logistic_regression": (LogisticRegression(7), torch_logistic_regression, class_labels(2)),
    "softmax_regression": (SoftmaxRegression(7, 4), torch_softmax_regression, class_labels(4)),
    "mlp_relu": (MLP((7, 16, 4)), torch_mlp((7, 16, 4), "relu"), class_labels(4)),
    "mlp_two_hidden_tanh": (MLP((7, 12, 9, 3), activation="tanh"), torch_mlp((7, 12, 9, 3), "tanh"),
                            class_labels(3)),
    "autoencoder_tanh": (Autoencoder((7, 3, 7)), torch_autoencoder((7, 3, 7), "tanh"), real_targets),
    "autoencoder_relu_deep": (Autoencoder((7, 5, 3, 5, 7), activation="relu"),
                              torch_autoencoder((7, 5, 3, 5, 7), "relu"), real_targets),
}


def random_problem(model, draw_y, n, seed, scale=1.0):
    """Random (not initial) params, so no gradient is trivially zero; scale multiplies them."""
    rng = np.random.default_rng(seed)
    params = {name: scale * rng.normal(size=value.shape) for name, value in model.init_params().items()}
    X = rng.normal(size=(n, model.n_features))
    return params, X, draw_y(rng, n)


def assert_matches_torch(model, torch_loss, params, X, y):
    loss, grads = model.loss_and_grad(params, X, y)
    expected_loss, expected_grads = torch_loss_and_grad(torch_loss, params, X, y)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-10)
    assert list(grads) == list(params)
    for name in params:
        assert grads[name].shape == params[name].shape, name
        np.testing.assert_allclose(grads[name], expected_grads[name], rtol=1e-10, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("n", [1, 2, 33])
def test_loss_and_grad_match_torch_autograd_in_float64(case, n):
    model, torch_loss, draw_y = CASES[case]
    for seed in range(3):
        assert_matches_torch(model, torch_loss, *random_problem(model, draw_y, n, seed))


def torch_logits(case, params, X):
    p, X = {name: torch.tensor(value) for name, value in params.items()}, torch.tensor(X)
    if case == "logistic_regression":
        return (X @ p["w"] + p["b"]).numpy()
    if case == "softmax_regression":
        return (X @ p["W"] + p["b"]).numpy()
    model = CASES[case][0]
    return torch_dense(p, X, len(model.sizes) - 1, model.activation).numpy()


@pytest.mark.parametrize("case", ["logistic_regression", "softmax_regression", "mlp_relu", "mlp_two_hidden_tanh"])
def test_classification_losses_stay_finite_and_match_torch_for_logits_in_the_thousands(case):
    model, torch_loss, draw_y = CASES[case]
    params, X, y = random_problem(model, draw_y, 16, seed=4, scale=500.0)
    assert np.abs(torch_logits(case, params, X)).max() > 1000  # exp(710) already overflows float64
    loss, grads = model.loss_and_grad(params, X, y)  # module-wide: an overflow warning fails the test
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in grads.values())
    assert_matches_torch(model, torch_loss, params, X, y)


def test_logistic_loss_keeps_relative_precision_for_confident_correct_predictions():
    # z = +-40 with the right label: the loss is log(1 + e^-40) = 4.25e-18, not 0
    model = LogisticRegression(1)
    params = {"w": np.array([40.0]), "b": np.array([0.0])}
    loss, _ = model.loss_and_grad(params, np.array([[1.0], [-1.0]]), np.array([1, 0]))
    np.testing.assert_allclose(loss, np.log1p(np.exp(-40.0)), rtol=1e-12)


# --- the contract: dtype, purity, errors -----------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_float32_params_and_inputs_give_float32_grads_close_to_float64(case):
    model, _, draw_y = CASES[case]
    params, X, y = random_problem(model, draw_y, 10, seed=5)
    if y.dtype.kind == "f":
        y32 = y.astype(np.float32)
    else:
        y32 = y
    params32 = {name: value.astype(np.float32) for name, value in params.items()}
    loss32, grads32 = model.loss_and_grad(params32, X.astype(np.float32), y32)
    loss64, grads64 = model.loss_and_grad(params, X, y)
    np.testing.assert_allclose(loss32, loss64, rtol=1e-4)
    for name in params:
        assert grads32[name].dtype == np.float32, name
        np.testing.assert_allclose(grads32[name], grads64[name], rtol=1e-3, atol=1e-5)
    out = model.predict(params32, X.astype(np.float32))
    assert out.dtype == (np.float32 if model.task != "classification" else np.int64)


@pytest.mark.parametrize("case", CASES)
def test_init_params_is_seeded_and_float32_is_the_rounded_float64(case):
    model = CASES[case][0]
    first, again = model.init_params(seed=3), model.init_params(seed=3)
    as32 = model.init_params(seed=3, dtype=np.float32)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
        np.testing.assert_array_equal(as32[name], first[name].astype(np.float32))
        assert as32[name].dtype == np.float32
    if isinstance(model, (MLP, Autoencoder)):
        assert not np.array_equal(model.init_params(seed=4)["W1"], first["W1"])


def test_mlp_uses_he_initialization_and_zero_biases():
    params = MLP((400, 300, 10)).init_params(seed=0)
    np.testing.assert_allclose(params["W1"].std(), np.sqrt(2 / 400), rtol=0.02)
    np.testing.assert_allclose(params["W2"].std(), np.sqrt(2 / 300), rtol=0.05)
    assert not params["b1"].any() and not params["b2"].any()


@pytest.mark.parametrize("case", CASES)
def test_loss_and_grad_and_predict_never_modify_their_inputs(case):
    model, _, draw_y = CASES[case]
    params, X, y = random_problem(model, draw_y, 8, seed=6)
    copies = ({k: v.copy() for k, v in params.items()}, X.copy(), y.copy())
    for array in (*params.values(), X, y):
        array.setflags(write=False)  # an in-place write would raise
    model.loss_and_grad(params, X, y)
    model.predict(params, X)
    for name in params:
        np.testing.assert_array_equal(params[name], copies[0][name])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(y, copies[2])


@pytest.mark.parametrize("case", CASES)
def test_wrong_input_shapes_and_dtypes_raise_errors_that_name_the_problem(case):
    model, _, draw_y = CASES[case]
    params, X, y = random_problem(model, draw_y, 5, seed=7)
    with pytest.raises(ValueError, match="X has 6 features but the model expects 7"):
        model.loss_and_grad(params, X[:, :6], y)
    with pytest.raises(ValueError, match="X has 6 features but the model expects 7"):
        model.predict(params, X[:, :6])
    with pytest.raises(ValueError, match="2-D"):
        model.loss_and_grad(params, X[0], y)
    with pytest.raises(TypeError, match="float32 but params are float64"):
        model.loss_and_grad(params, X.astype(np.float32), y)
    first = next(iter(params))
    with pytest.raises(ValueError, match=f"params\\['{first}'\\] has shape"):
        model.loss_and_grad({**params, first: params[first][:-1]}, X, y)
    with pytest.raises(ValueError, match="missing"):
        model.loss_and_grad({k: v for k, v in params.items() if k != first}, X, y)
    if not isinstance(model, Autoencoder):  # the autoencoder ignores y
        with pytest.raises(ValueError, match="5 rows but y has 4"):
            model.loss_and_grad(params, X, y[:4])


def test_mlp_message_for_the_digits_off_by_one_feature():
    model = MLP((64, 200, 10))
    with pytest.raises(ValueError, match="X has 63 features but the model expects 64"):
        model.loss_and_grad(model.init_params(), np.zeros((4, 63)), np.zeros(4, dtype=np.int64))


@pytest.mark.parametrize("model, bad_label", [(SoftmaxRegression(3, 4), 4), (MLP((3, 5, 4)), -1),
                                              (LogisticRegression(3), 2)])
def test_labels_outside_the_model_classes_raise(model, bad_label):
    y = np.array([0, 1, bad_label])
    with pytest.raises(ValueError, match=f"label {bad_label}"):
        model.loss_and_grad(model.init_params(), np.zeros((3, 3)), y)


def test_float_labels_for_a_classifier_raise_type_error():
    model = SoftmaxRegression(3, 2)
    with pytest.raises(TypeError, match="integer class labels"):
        model.loss_and_grad(model.init_params(), np.zeros((2, 3)), np.array([0.0, 1.0]))


@pytest.mark.parametrize("make", [lambda: MLP((64,)), lambda: MLP((64, 0, 10)), lambda: MLP((64, 10, 1)),
                                  lambda: MLP((64, 10), activation="sigmoid"), lambda: Autoencoder((64, 32, 10)),
                                  lambda: Autoencoder((64, 64)), lambda: SoftmaxRegression(5, 1),
                                  lambda: LinearRegression(0)])
def test_impossible_architectures_are_rejected(make):
    with pytest.raises(ValueError):
        make()


def test_predict_returns_argmax_labels_and_linear_outputs():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    softmax = SoftmaxRegression(2, 3)
    params = {"W": np.array([[0.0, 5.0, 1.0], [3.0, 0.0, 4.0]]), "b": np.zeros(3)}
    np.testing.assert_array_equal(softmax.predict(params, X), [1, 2])
    linear = LinearRegression(2)
    np.testing.assert_allclose(linear.predict({"w": np.array([2.0, -1.0]), "b": np.array([0.5])}, X), [2.5, -0.5])
    logistic = LogisticRegression(2)
    np.testing.assert_array_equal(logistic.predict({"w": np.array([2.0, -1.0]), "b": np.array([0.0])}, X), [1, 0])


# --- train ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return data.load_digits(seed=0)


@pytest.fixture(scope="module")
def diabetes():
    return data.load_diabetes(seed=0)


@pytest.mark.parametrize("optimizer", [optim.Adam(lr=2e-3), optim.SGD(lr=0.05, momentum=0.9)],
                         ids=["Adam", "SGD-momentum"])
def test_mlp_64_200_10_on_digits_lowers_val_loss_and_beats_90_percent_test_accuracy(digits, optimizer):
    history = models.train(MLP((64, 200, 10)), optimizer, digits, epochs=4, batch_size=32, seed=0)
    assert not history.diverged and not history.timed_out
    assert history.epoch_val_loss[-1] < 0.3 * history.epoch_val_loss[0]
    assert history.epoch_train_loss[-1] < history.epoch_train_loss[0]
    assert history.test_accuracy > 0.90
    # test_accuracy is what accuracy() gives on the final params
    assert history.test_accuracy == models.accuracy(MLP((64, 200, 10)), history.params,
                                                    digits.X_test, digits.y_test)
    assert len(history.loss) == 4 * int(np.ceil(len(digits.y_train) / 32))
    np.testing.assert_array_equal(history.eval_step, np.arange(5) * int(np.ceil(len(digits.y_train) / 32)))
    assert len(history.epoch_val_accuracy) == 5 and history.epoch_val_accuracy[-1] > 0.9
    assert history.wall_time > 0


def test_same_seed_gives_identical_histories_and_another_seed_does_not(digits):
    def run(seed):
        return models.train(MLP((64, 32, 10)), optim.Adam(lr=1e-3), digits, epochs=1, batch_size=64, seed=seed)

    first, again, other = run(0), run(0), run(1)
    np.testing.assert_array_equal(first.loss, again.loss)
    np.testing.assert_array_equal(first.epoch_val_loss, again.epoch_val_loss)
    for name in first.params:
        np.testing.assert_array_equal(first.params[name], again.params[name])
    assert first.test_loss == again.test_loss
    assert not np.array_equal(first.loss, other.loss)


def test_given_params_are_the_starting_point_and_are_not_modified(digits):
    model = MLP((64, 16, 10))
    start = model.init_params(seed=5)
    copy = {k: v.copy() for k, v in start.items()}
    history = models.train(model, optim.SGD(lr=0.0), digits, epochs=1, params=start)
    for name in start:
        np.testing.assert_array_equal(start[name], copy[name])
        np.testing.assert_array_equal(history.params[name], copy[name])  # lr = 0: nothing moves


@pytest.mark.parametrize("lr", [1e3, 1e6])
def test_huge_learning_rate_sets_diverged_and_stops_without_warnings(diabetes, lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked RuntimeWarning (overflow) would fail here
        history = models.train(LinearRegression(10), optim.SGD(lr=lr), diabetes, epochs=50, batch_size=16)
    steps_per_epoch = int(np.ceil(len(diabetes.y_train) / 16))
    assert history.diverged
    assert len(history.loss) < 50 * steps_per_epoch  # it stopped early
    assert not np.isfinite(history.loss[-1]) and np.isfinite(history.loss[:-1]).all()
    assert np.isnan(history.test_loss)


def test_huge_learning_rate_on_the_mlp_sets_diverged_without_warnings(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = models.train(MLP((64, 32, 10)), optim.SGD(lr=1e8), digits, epochs=20)
    assert history.diverged and np.isnan(history.test_accuracy)


def test_a_sensible_learning_rate_does_not_report_divergence(diabetes):
    history = models.train(LinearRegression(10), optim.SGD(lr=0.05), diabetes, epochs=20, batch_size=16)
    assert not history.diverged
    assert history.epoch_val_loss[-1] < 0.7 * history.epoch_val_loss[0]
    assert history.epoch_val_accuracy is None and history.test_accuracy is None


def test_schedule_returning_zero_leaves_params_unchanged(digits):
    model = MLP((64, 16, 10))
    history = models.train(model, optim.Adam(lr=0.1), digits, epochs=1, schedule=lambda n: 0.0)
    start = model.init_params(seed=0)
    for name in start:
        np.testing.assert_array_equal(history.params[name], start[name])


def test_schedule_is_called_with_the_number_of_steps_taken_before_each_step(digits):
    calls = []

    def schedule(n):
        calls.append(n)
        return 1e-3

    history = models.train(MLP((64, 16, 10)), optim.SGD(lr=123.0), digits, epochs=2, batch_size=100,
                           schedule=schedule)
    assert calls == list(range(len(history.loss)))
    assert not history.diverged  # lr=123 would have diverged had the schedule been ignored


def test_schedule_changes_the_result_compared_with_the_constant_lr(digits):
    model = MLP((64, 16, 10))
    constant = models.train(model, optim.SGD(lr=0.1), digits, epochs=1)
    decayed = models.train(model, optim.SGD(lr=0.1), digits, epochs=1, schedule=lambda n: 0.1 / (1 + n))
    assert constant.loss[0] == decayed.loss[0] and constant.loss[1] == decayed.loss[1]  # same first steps
    assert not np.array_equal(constant.loss, decayed.loss)


def test_max_seconds_stops_training_early(digits):
    history = models.train(MLP((64, 16, 10)), optim.Adam(), digits, epochs=50, batch_size=8, max_seconds=0.0)
    assert history.timed_out and not history.diverged
    assert len(history.loss) == 1  # the budget is checked after every step
    assert history.eval_step[-1] == 1 and np.isfinite(history.test_accuracy)


def test_eval_every_steps_records_the_curves_at_those_steps(digits):
    history = models.train(MLP((64, 16, 10)), optim.Adam(), digits, epochs=1, batch_size=100, eval_every=4)
    np.testing.assert_array_equal(history.eval_step, [0, 4, 8])  # 1079 rows / 100 = 11 steps
    assert len(history.epoch_val_loss) == len(history.epoch_train_loss) == len(history.epoch_val_accuracy) == 3


def test_autoencoder_trains_on_digits_and_reports_test_reconstruction_loss(digits):
    history = models.train(Autoencoder((64, 32, 64)), optim.Adam(lr=3e-3), digits, epochs=3, batch_size=64)
    assert history.epoch_val_loss[-1] < 0.7 * history.epoch_val_loss[0]
    assert history.test_accuracy is None and history.epoch_val_accuracy is None
    np.testing.assert_allclose(history.test_loss,
                               np.mean((Autoencoder().predict(history.params, digits.X_test) - digits.X_test) ** 2))


def test_train_rejects_a_model_that_does_not_fit_the_data(digits, diabetes):
    with pytest.raises(ValueError, match="64 features"):
        models.train(MLP((30, 10, 10)), optim.SGD(), digits)
    with pytest.raises(ValueError, match="10 classes"):
        models.train(MLP((64, 10, 3)), optim.SGD(), digits)
    with pytest.raises(ValueError, match="regression"):
        models.train(SoftmaxRegression(10, 2), optim.SGD(), diabetes)
    with pytest.raises(ValueError, match="batch_size"):
        models.train(MLP((64, 10, 10)), optim.SGD(), digits, batch_size=0)


def test_accuracy_counts_correct_predictions():
    model = SoftmaxRegression(2, 2)
    params = {"W": np.array([[1.0, 0.0], [0.0, 1.0]]), "b": np.zeros(2)}
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])  # predicted 0, 1, 0, 1
    assert models.accuracy(model, params, X, np.array([0, 1, 1, 1])) == 0.75
    with pytest.raises(ValueError, match="classifier"):
        models.accuracy(LinearRegression(2), {"w": np.zeros(2), "b": np.zeros(1)}, X, np.zeros(4))


def test_train_calls_on_step_after_every_step_with_the_optimizers_state():
    from course_lib import data as data_module, models, optim

    digits = data_module.load("digits", seed=0)
    seen = []

    def record(n, params, state, grads):
        seen.append((n, state.t, float(np.abs(state.v["W"]).max()), set(grads) == set(params)))

    history = models.train(models.SoftmaxRegression(64, 10), optim.Adam(lr=0.01), digits, epochs=1,
                           batch_size=256, on_step=record)
    assert [n for n, *_ in seen] == list(range(1, len(history.loss) + 1))
    assert all(n == t and v > 0 and same_keys for n, t, v, same_keys in seen)
