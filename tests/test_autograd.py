"""gdcore.Value: gradients against finite differences, the seed's numbers, the trace, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from gdcore import Value

EPS = 1e-7  # finite-difference step; central-difference-free approx_fprime is accurate to ~1e-6 here


def grads_of(f, xs):
    """Autograd gradient of f (a function of Values) at the point xs."""
    vs = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    f(*vs).backward()
    return np.array([v.grad for v in vs])


def numeric(f, xs):
    return approx_fprime(np.asarray(xs, float), lambda p: f(*[Value(float(v)) for v in p]).data, EPS)


# Each op, as a function of Values, and points inside its domain.
OPS = {
    "add": (lambda a, b: a + b, [(1.5, -2.0), (-3.0, 2.0)]),
    "radd": (lambda a: 3.0 + a, [(0.7,), (-4.0,)]),
    "sub": (lambda a, b: a - b, [(1.5, -2.0), (0.1, 0.3)]),
    "rsub": (lambda a: 2.0 - a, [(0.7,), (-1.2,)]),
    "mul": (lambda a, b: a * b, [(-3.0, 2.0), (0.5, 4.0)]),
    "rmul": (lambda a: 2.5 * a, [(1.0,), (-2.0,)]),
    "div": (lambda a, b: a / b, [(1.0, 2.0), (-3.0, 0.7)]),
    "rdiv": (lambda a: 2.0 / a, [(1.3,), (-0.8,)]),
    "pow3": (lambda a: a**3, [(1.2,), (-0.9,)]),
    "pow_half": (lambda a: a**0.5, [(2.0,), (0.3,)]),
    "pow_neg": (lambda a: a**-2, [(1.5,), (-0.7,)]),
    "neg": (lambda a: -a, [(1.0,), (-2.5,)]),
    "exp": (lambda a: a.exp(), [(0.3,), (-1.7,)]),
    "log": (lambda a: a.log(), [(0.5,), (3.0,)]),
    "tanh": (lambda a: a.tanh(), [(0.3,), (-1.2,), (0.8814,)]),
    "relu": (lambda a: a.relu(), [(0.8,), (-0.6,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(0.0,), (2.3,), (-40.0,)]),
    "sin": (lambda a: a.sin(), [(0.4,), (-2.0,)]),
    "cos": (lambda a: a.cos(), [(0.4,), (2.5,)]),
    "abs": (lambda a: a.abs(), [(0.4,), (-2.0,)]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_gradient_matches_finite_differences(name):
    f, points = OPS[name]
    for xs in points:
        np.testing.assert_allclose(grads_of(f, xs), numeric(f, xs), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", [1234, 1, 2, 3, 4, 5])
def test_random_composed_expressions_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    relu_inputs: list[float] = []

    def relu(v):
        relu_inputs.append(v.data)           # where relu was evaluated, to keep away from its kink
        return v.relu()

    unary = [lambda v: v.tanh(), lambda v: v.sigmoid(), relu, lambda v: (v * v + 1.0).log(),
             lambda v: (v * 0.3).exp(), lambda v: v**2, lambda v: -v]
    with_relu = 0
    binary = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / (b * b + 1.0)]
    for _ in range(40):
        program = [(int(rng.integers(2)), int(rng.integers(7)), int(rng.integers(4)), int(rng.integers(3)),
                    int(rng.integers(3))) for _ in range(6)]

        def f(*xs, program=program):
            pool = list(xs)
            for kind, u, b, i, j in program:
                pool.append(unary[u](pool[-1 - i % len(pool)]) if kind == 0
                            else binary[b](pool[-1 - i % len(pool)], pool[-1 - j % len(pool)]))
            return pool[-1] + pool[-2]

        # relu's kink: draw the point again while any relu input is within 1e-3 of 0, where the
        # forward difference (step 1e-7) could straddle it and disagree with either one-sided slope.
        # An input of exactly 0 is kept: only an input that is 0 whatever x is (e.g. relu(log(1 + (v - v)**2)))
        # lands there, and it does not move under the difference step either (slope 0 both ways).
        for _ in range(100):
            xs = rng.uniform(-1.5, 1.5, size=3)
            relu_inputs.clear()
            f(*[Value(float(x)) for x in xs])
            if all(r == 0.0 or abs(r) > 1e-3 for r in relu_inputs):
                break
        else:
            pytest.fail(f"no point of 100 keeps program {program} away from relu's kink")
        with_relu += bool(relu_inputs)
        np.testing.assert_allclose(grads_of(f, xs), numeric(f, xs), rtol=1e-4, atol=1e-4)
    # The check covers relu: with 6 ops drawn from 7 unary (one relu) per program, most of the 40
    # programs contain one (at least 10 for every seed here).
    assert with_relu >= 10, with_relu


def seed_tree():
    """The talk's tree: e = a*b, d = e + c with a = -3, b = 2, c = 10."""
    a, b, c = Value(-3.0, label="a"), Value(2.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    return a, b, c, e, d


def test_seed_tree_numbers():
    # The talk's tree: e = a*b, d = e + c with a=-3, b=2, c=10 -> d = 4, a.grad = b = 2, b.grad = a = -3.
    a, b, c, e, d = seed_tree()
    d.backward()
    assert d.data == 4.0
    assert (d.grad, e.grad, c.grad, a.grad, b.grad) == (1.0, 1.0, 1.0, 2.0, -3.0)


def test_seed_add_and_mul_parents():
    # "-3 and 2 added give -1; multiplied give -6" (seed 000).
    a, b = Value(-3.0), Value(2.0)
    assert (a + b).data == -1.0 and (a * b).op == "*" and (a * b).data == -6.0


def test_trace_of_seed_tree_in_order():
    _a, _b, _c, _e, d = seed_tree()
    trace = d.backward()
    got = [(s.node.label, s.op, s.child.label, s.upstream, s.local, s.contribution) for s in trace]
    # + passes d.grad=1 unchanged to e and c; * gives a "b's data x e.grad" = 2, b "a's data x e.grad" = -3.
    assert got == [
        ("d", "+", "e", 1.0, 1.0, 1.0),
        ("d", "+", "c", 1.0, 1.0, 1.0),
        ("e", "*", "a", 1.0, 2.0, 2.0),
        ("e", "*", "b", 1.0, -3.0, -3.0),
    ]
    assert d.trace == trace


def test_reuse_accumulates():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0  # d(2a)/da
    (a * a).backward()
    assert a.grad == 6.0  # d(a^2)/da = 2a, not 3 (one use) and not 8 (2 + 6 left over)
    b = Value(-2.0)
    y = b * b * b + b
    y.backward()
    assert b.grad == pytest.approx(3 * 4.0 + 1)


def test_backward_twice_gives_same_gradients():
    x, w = Value(2.0), Value(-3.0)
    y = (x * w + 1.0).tanh()
    y.backward()
    first = (x.grad, w.grad)
    y.backward()
    assert (x.grad, w.grad) == first


def test_neuron_matches_micrograd_example():
    # Karpathy's neuron: n = 2*(-3) + 0*1 + 6.8813735870195432 = 0.8814, o = tanh(n) = 0.7071 (= 1/sqrt 2)
    # so 1 - o^2 = 0.5, and w1.grad = x1 * 0.5 = 1.0, x1.grad = w1 * 0.5 = -1.5, w2.grad = x2 * 0.5 = 0.
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    assert (w1.grad, x1.grad, w2.grad, x2.grad, b.grad) == pytest.approx((1.0, -1.5, 0.0, 0.5, 0.5))


def test_long_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    assert len(y.topological_order()) > 20_000


def test_graph_of_a_100k_chain_is_linear():
    # A chain x -> neg -> neg -> ... has one node per depth: 100,001 layers.  The old layering
    # scanned every node once per depth (10^10 steps here, 412 s); the bucket pass is one scan,
    # so this export finishes in about a second.  Checks the layers are right, not only fast.
    x = Value(1.0, label="x")
    y = x
    for _ in range(100_000):
        y = -y
    g = y.graph()
    assert len(g.nodes) == 100_001 and len(g.layers) == 100_001
    assert all(layer == (i,) for i, layer in enumerate(g.layers))   # node i alone at depth i
    assert g.output == 100_000 and len(g.edges) == 100_000


def test_graph_export_layers_and_edges():
    _a, _b, _c, _e, d = seed_tree()
    d.backward()
    g = d.graph()
    labels = [[g.node(i).label for i in layer] for layer in g.layers]
    # a, b feed e (depth 1); c is a leaf drawn just left of its parent d (depth 2).
    assert labels == [["a", "b"], ["e", "c"], ["d"]]
    assert g.node(g.output).label == "d" and g.by_label("a").grad == 2.0
    assert {(g.node(c).label, g.node(p).label) for c, p in g.edges} == {("a", "e"), ("b", "e"), ("e", "d"), ("c", "d")}


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Value(-1.0).log(), "log(-1)"),
        (lambda: Value(0.0).log(), "log(0)"),
        (lambda: Value(float("nan")), "finite"),
        (lambda: Value(float("inf")), "finite"),
        (lambda: Value(1000.0).exp(), "exp(1000)"),
        (lambda: Value(1.0) / 0.0, "division by zero"),
        (lambda: Value(-2.0) ** 0.5, "negative base"),
    ],
)
def test_bad_input_raises_value_error_naming_the_operation(make, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_pow_needs_a_number_exponent():
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(3.0)


def test_every_op_declares_its_symbol_formula_and_local_derivative_once():
    # Each operation a Value can record has one entry in gdcore.autograd.OPS (a power: op_info),
    # with one local derivative per child; the graph draws its symbol from there.
    from gdcore.autograd import OPS, op_info
    from scenes.kit.graph import op_symbol

    a, b = Value(0.7, label="a"), Value(1.3, label="b")
    made = [a + b, a - b, a * b, a / b, -a, a.exp(), a.log(), a.tanh(), a.relu(), a.sigmoid(), a.sin(), a.cos(),
            a.abs(), a**3]
    assert sorted({v.op for v in made} - {"**3"}) == sorted(OPS)
    for v in made:
        op = op_info(v.op)
        assert len(op.local_tex) == len(v.children)
        assert op_symbol(v.op) == op.symbol
    # The TeX says what the closures compute: d(a*b)/da is b, d(a*b)/db is a; tanh's is 1 - o^2 in
    # its output o; a power 3 has local 3 x^2; + and - have the constants 1 and -1.
    assert [op_info("*").local(i, ["a", "b"], "e") for i in (0, 1)] == ["b", "a"]
    assert op_info("tanh").local(0, ["n"], "o") == "1 - o^2"
    assert op_info("**3").local(0, ["x"], "y") == "3 x^{2}" and op_symbol("**3") == "^3"
    for name, const in (("+", (1.0, 1.0)), ("-", (1.0, -1.0))):
        v = (a + b) if name == "+" else (a - b)
        v.backward()
        assert tuple(float(t) for t in OPS[name].local_tex) == const == (a.grad, b.grad)
    with pytest.raises(KeyError, match="unknown operation"):
        op_info("nosuch")


def test_closures_capture_the_forward_pass():
    # Every local derivative is the one at the point where the output was computed: changing a
    # child's data afterwards changes nothing. c = a*b at a = 2, b = 5: dc/da = 5, dc/db = 2.
    a, b = Value(2.0), Value(5.0)
    c = a * b
    a.data, b.data = 100.0, -100.0
    c.backward()
    assert (a.grad, b.grad) == (5.0, 2.0)
    x = Value(0.5)
    y = x.tanh() + x.log() + x.sigmoid() + x**2
    x.data = 3.0
    y.backward()
    s = 1 / (1 + math.exp(-0.5))
    assert x.grad == pytest.approx((1 - math.tanh(0.5) ** 2) + 1 / 0.5 + s * (1 - s) + 2 * 0.5, rel=1e-12)
