"""gdcore.sensitivity against plain arithmetic: the nudge (Δoutput ≈ grad·h) and the chained rates."""

import math

import pytest

from gdcore.autograd import Value
from gdcore.sensitivity import chained_rates, nudge
from scenes.backprop import neuron, tree
from scenes.params import scene_params


def test_tree_nudge_moves_d_by_grad_times_h():
    p = scene_params("backprop")
    v = {k: p[k] for k in "abc"}
    h = p["nudge_h"]
    n = nudge(tree, v, "a", h)
    # By hand: d = a*b + c, so d(a + h) - d(a) = b*h exactly and dd/da = b.
    assert n.before == pytest.approx(v["a"] * v["b"] + v["c"])
    assert n.after == pytest.approx((v["a"] + h) * v["b"] + v["c"])
    assert n.grad == pytest.approx(v["b"])
    assert n.delta == pytest.approx(n.predicted, rel=1e-9)


def test_talk_example_y_2x():
    p = scene_params("backprop")
    n = nudge(lambda v: Value(p["talk_slope"], label="k") * Value(v["x"], label="x"), {"x": p["talk_x"]}, "x", 1.0)
    assert (n.before, n.after) == (p["talk_slope"] * p["talk_x"], p["talk_slope"] * (p["talk_x"] + 1))
    assert n.delta == n.grad == p["talk_slope"]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("name", ["x1", "w1", "bias"])
def test_neuron_nudge_is_first_order(activation, name):
    p = {k: v for k, v in scene_params("backprop").items() if k in ("x1", "x2", "w1", "w2", "bias")}
    act = math.tanh if activation == "tanh" else (lambda z: max(0.0, z))

    def by_hand(q):
        return act(q["x1"] * q["w1"] + q["x2"] * q["w2"] + q["bias"])

    for h in (1e-3, 1e-4):
        n = nudge(lambda v: neuron(v, activation), p, name, h)
        assert n.before == pytest.approx(by_hand(p))
        assert n.after == pytest.approx(by_hand({**p, name: p[name] + h}))
        assert abs(n.delta - n.predicted) <= 10 * h * h
    central = (by_hand({**p, name: p[name] + 1e-6}) - by_hand({**p, name: p[name] - 1e-6})) / 2e-6
    assert n.grad == pytest.approx(central, rel=1e-6, abs=1e-9)


def test_chained_rates_multiply():
    r = chained_rates([4.0, 2.0])
    assert r.speeds == [1.0, 4.0, 8.0] and r.rate == 8.0
    r = chained_rates([1.5, -2.0, 3.0])
    assert r.rate == pytest.approx(1.5 * -2.0 * 3.0) and r.speeds[-1] == pytest.approx(r.rate)


def test_nudge_refuses_unknown_input_and_zero_h():
    with pytest.raises(KeyError):
        nudge(tree, {"a": 1.0, "b": 2.0, "c": 3.0}, "z", 0.1)
    with pytest.raises(ValueError):
        nudge(tree, {"a": 1.0, "b": 2.0, "c": 3.0}, "a", 0.0)
