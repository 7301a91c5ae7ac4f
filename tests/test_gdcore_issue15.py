"""gdcore hardening from issue 15: NumPy scalars, bool sizes, the memory budget, divergence, overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdcore import Value
from gdcore.datasets import two_moons
from gdcore.mlp import MLP, train
from gdcore.optim import SGD, Adagrad, Adam, RMSprop


@pytest.mark.parametrize("make", [
    lambda: SGD(lr=np.float32(0.1), momentum=np.float64(0.9)),
    lambda: RMSprop(lr=np.float32(0.01), alpha=np.float32(0.99)),
    lambda: Adam(lr=np.float32(0.1), betas=(np.float32(0.9), np.float64(0.999))),
    lambda: Adagrad(lr=np.int64(1)),
])
def test_optimizers_accept_numpy_scalars(make):
    # A learning rate read from a NumPy array (np.float32(0.1)) is a number; it used to be refused.
    opt = make()
    assert isinstance(opt.lr, float)
    out = opt.step(np.array([1.0]), np.array([1.0]))
    assert np.isfinite(out).all() and out[0] < 1.0


@pytest.mark.parametrize("bad", [True, np.bool_(True)])
def test_optimizers_still_refuse_bools(bad):
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        SGD(lr=bad)


def test_training_accepts_numpy_integers():
    # epochs = np.int64(4), batch_size = np.int64(16), snapshot_every = np.int64(5) as from an array.
    X, y = two_moons(64, seed=0)
    h = train(MLP([2, 4, 2], seed=0), X, y, SGD(lr=np.float32(0.1)), epochs=np.int64(4),
              batch_size=np.int64(16), loss="cross_entropy", snapshot_every=np.int64(5))
    assert h.status == "finished" and len(h.epoch_loss) == 5 and len(h.step_loss) == 16
    assert [s.step for s in h.snapshots] == [0, 5, 10, 15, 16]


@pytest.mark.parametrize("sizes", [[2, True, 2], [2, 4, np.bool_(True)], [2, 4.0, 2]])
def test_mlp_refuses_bools_and_non_integers(sizes):
    # True is an int in Python but not a layer width.
    with pytest.raises(ValueError, match="sizes must be at least two positive integers"):
        MLP(sizes)


def test_mlp_refuses_weights_over_the_memory_budget():
    # 2 x 50,000 x 50,000: 2.5e9 weights = 18.6 GB of float64, before any training.
    with pytest.raises(ValueError, match=r"2,500,300,002 weights: 19 GB .* over the budget of 4.0 GB"):
        MLP([2, 50_000, 50_000, 2])
    # [2, 16, 2] has 82 weights = 656 bytes: refused under 600 bytes, accepted under 700.
    with pytest.raises(ValueError, match=r"82 weights: 656 B .* over the budget of 600 B"):
        MLP([2, 16, 2], max_bytes=600)
    assert MLP([2, 16, 2], max_bytes=700).n_params == 82


@pytest.mark.parametrize("mode, loss, act, lr", [("minibatch", "mse", "relu", 1e6), ("batch", "mse", "tanh", 1e6),
                                                 ("stochastic", "cross_entropy", "relu", 1e300)])
def test_diverging_training_stops_with_a_status_and_no_nan_or_warning(mode, loss, act, lr):
    # A huge lr blows the weights up within a few steps until something overflows (cross-entropy's
    # log-softmax stays finite for large finite logits, so it needs a larger one); training must
    # stop, say so, keep only finite numbers and raise no RuntimeWarning (warnings are errors here).
    X, y = two_moons(40, seed=0)
    y = y if loss == "cross_entropy" else np.eye(2)[y]
    net = MLP([2, 16, 16, 2], activation=act, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = train(net, X, y, SGD(lr=lr), epochs=200, mode=mode, batch_size=8, loss=loss, snapshot_every=3)
    assert h.status == "diverged" and h.diverged_at is not None
    assert h.diverged_at <= len(h.step_loss) + 1 < 200 * 40      # stopped early
    assert np.isfinite(h.step_loss).all() and np.isfinite(h.epoch_loss).all()
    assert all(np.isfinite(p).all() for p in net.params)
    assert all(np.isfinite(s.loss) for s in h.snapshots)


def test_a_normal_run_says_finished():
    X, y = two_moons(40, seed=0)
    h = train(MLP([2, 8, 2], seed=0), X, y, Adam(lr=0.05), epochs=3, loss="cross_entropy")
    assert (h.status, h.diverged_at) == ("finished", None)


@pytest.mark.parametrize("make, words", [
    (lambda: Value(1e200) * Value(1e200), r"\*\(1e\+200, 1e\+200\): .*\(the result overflows\)"),
    (lambda: Value(1e308) + Value(1e308), r"\+\(1e\+308, 1e\+308\): .* overflows"),
    (lambda: Value(1e300) / Value(1e-300), r"/\(1e\+300, 1e-300\): .* overflows"),
    (lambda: Value(10.0) ** 400, r"\*\*400\(10\): result overflows"),
    (lambda: Value(2.0) ** float("inf"), r"\*\*: the exponent must be a finite number"),
])
def test_overflow_in_value_ops_is_a_value_error_naming_the_op(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_overflow_in_backward_names_the_op():
    # Every forward value is finite (x*y = 1, then 1e300), but d g / d y = 1e300 * x = 1e600 is not.
    x, y = Value(1e300, label="x"), Value(1e-300, label="y")
    g = (x * y) * 1e300
    assert g.data == pytest.approx(1e300)
    with pytest.raises(ValueError, match=r"backward: the gradient through \* overflows"):
        g.backward()


def test_expression_undefined_region_is_nan_without_warnings():
    # log(x) + y**2 on a grid crossing x = 0: NaN for x < 0, -inf at x = 0, finite for x > 0, and no
    # RuntimeWarning (warnings are errors here).
    from gdcore import functions
    from gdcore.expression import Expression

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = Expression("log(x) + y**2").evaluate(np.array([-1.0, 0.0, 1.0]), 2.0)
        X, _Y, Z = functions.grid(functions.get("log(x) + y**2"), n=11)
        g = functions.get("log(x) + y**2").grad(np.array([[-1.0, 0.0], [1.0, 2.0]]))
    assert np.isnan(z[0]) and z[1] == -np.inf and z[2] == 4.0
    assert np.isnan(Z[X < 0]).all() and np.isfinite(Z[X > 0]).all()
    assert np.isnan(g[0]).all() and g[1].tolist() == [1.0, 4.0]


@pytest.mark.parametrize("src, words", [
    ("1/0", "'1 / 0' is not a finite number (NumPy gives inf)"),
    ("10**400", "'10 ** 400' is not a finite number"),
    ("x**(10**10**10)", "'10 ** 10 ** 10' is not a finite number"),
    ("(-8)**(1/3)", "'(-8) ** (1 / 3)' is not a real number (NumPy gives nan; a negative base needs an integer"),
    ("sqrt(-1) + x", "'sqrt(-1)' is not a real number (NumPy gives nan)"),
])
def test_non_finite_constants_are_one_line_expression_errors(src, words):
    # Python would raise ZeroDivisionError / OverflowError on these; NumPy gives inf or nan.
    from gdcore.expression import Expression, ExpressionError

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExpressionError) as e:
            Expression(src)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_constant_expression_is_well_defined():
    # e**2 has no x or y: a flat surface of e^2 with zero gradient (the params layer refuses it as a loss).
    from gdcore.expression import Expression

    f = Expression("e**2")
    assert f.constant and f.evaluate(np.zeros((2, 3)), 0.0).shape == (2, 3)
    v, g = f.value_and_grad(1.0, 2.0)
    assert v == pytest.approx(np.e**2) and g.tolist() == [0.0, 0.0]
