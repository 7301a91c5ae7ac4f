"""Scalar reverse-mode autograd with an exportable graph and a backward trace.

Each operation computes its output and, right beside it, a small closure that
returns its *local* derivatives, one per child.  Every closure captures the numbers of the
forward pass (the children's data, or the output), never reads a child's ``data`` later: the
derivative is the one at the point where the output was computed.  How each operation is
written -- its symbol in a graph node, its formula and its local derivatives in TeX -- is
declared once, in :data:`OPS` (:func:`op_info`), for the drawings to read.  :meth:`Value.backward` applies
the chain rule in one place (``child.grad += local * node.grad``) and records
every application as a :class:`TraceStep`, so a scene can animate the backward
pass exactly as the engine ran it.

Examples
--------
>>> a, b, c = Value(-3.0, label="a"), Value(2.0, label="b"), Value(10.0, label="c")
>>> e = a * b; e.label = "e"
>>> d = e + c; d.label = "d"
>>> d.data
4.0
>>> trace = d.backward()
>>> (a.grad, b.grad, c.grad)
(2.0, -3.0, 1.0)
>>> [(s.node.label, s.child.label, s.local) for s in trace]
[('d', 'e', 1.0), ('d', 'c', 1.0), ('e', 'a', 2.0), ('e', 'b', -3.0)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from numbers import Real
from string import Template

__all__ = ["OPS", "Graph", "GraphNode", "Op", "TraceStep", "Value", "op_info"]

Number = int | float
LocalGrads = Callable[[], tuple[tuple["Value", float], ...]]


@dataclass(frozen=True)
class Op:
    """How one operation is written.

    ``symbol`` is shown in a graph node (plain text); ``tex`` is the formula and ``local_tex``
    the local derivative of the output by each child, as TeX templates in the children's names
    ``$a``, ``$b`` and the output's name ``$o``.

    >>> op_info("*").local(1, ["a", "b"], "e")
    'a'
    >>> op_info("tanh").local(0, ["n"], "o")
    '1 - o^2'
    """

    symbol: str
    tex: str
    local_tex: tuple[str, ...]

    def formula(self, children: Sequence[str]) -> str:
        """The formula in TeX with the children's names."""
        return Template(self.tex).substitute(dict(zip("ab", children, strict=False)))

    def local(self, index: int, children: Sequence[str], out: str) -> str:
        """d out / d child ``index`` in TeX, with the children's and the output's names."""
        return Template(self.local_tex[index]).substitute({**dict(zip("ab", children, strict=False)), "o": out})


#: Every operation of :class:`Value` by its ``op`` name (a power ``**k`` is made by :func:`op_info`).
OPS: dict[str, Op] = {
    "+": Op("+", "$a + $b", ("1", "1")),
    "-": Op("\u2212", "$a - $b", ("1", "-1")),                  # minus sign
    "*": Op("\u00d7", r"$a \cdot $b", ("$b", "$a")),            # multiplication sign
    "/": Op("\u00f7", r"\frac{$a}{$b}", (r"\frac{1}{$b}", r"-\frac{$a}{$b^2}")),
    "neg": Op("\u2212x", "-$a", ("-1",)),
    "exp": Op("exp", "e^{$a}", ("e^{$a}",)),
    "log": Op("log", r"\log $a", (r"\frac{1}{$a}",)),
    "tanh": Op("tanh", r"\tanh $a", ("1 - $o^2",)),
    "relu": Op("relu", r"\mathrm{ReLU}($a)", (r"[$a > 0]",)),  # Iverson bracket: 1 if true, else 0
    "sigmoid": Op("\u03c3", r"\sigma($a)", ("$o(1 - $o)",)),
    "sin": Op("sin", r"\sin $a", (r"\cos $a",)),
    "cos": Op("cos", r"\cos $a", (r"-\sin $a",)),
    "abs": Op("abs", "|$a|", (r"\operatorname{sign} $a",)),
}


def op_info(op: str) -> Op:
    """The :class:`Op` of an ``op`` name as stored in :attr:`Value.op`; ``**k`` for any power k.

    >>> op_info("**3").local(0, ["x"], "y")
    '3 x^{2}'
    """
    if op in OPS:
        return OPS[op]
    if op.startswith("**"):
        k = float(op[2:])
        km1 = f"{k - 1:g}"
        local = f"{k:g}" + ("" if k - 1 == 0 else " $a" if k - 1 == 1 else f" $a^{{{km1}}}")
        return Op("^" + op[2:], f"$a^{{{k:g}}}", (local,))
    raise KeyError(f"unknown operation {op!r}; known: {', '.join(OPS)}, **k")


def _finite(x: float, what: str) -> float:
    """Return ``float(x)`` or raise a ValueError naming ``what`` if it is not finite."""
    x = float(x)
    if not math.isfinite(x):
        why = "overflows" if math.isinf(x) else "is not a number"
        raise ValueError(f"{what}: result must be a finite number, got {x!r} (the result {why})")
    return x


def _pow_local(x: float, k: float) -> float:
    """d(x**k)/dx = k * x**(k-1), with Python's OverflowError turned into a ValueError naming the op."""
    if k == 0:
        return 0.0
    try:
        return k * x ** (k - 1)
    except (OverflowError, ZeroDivisionError):
        raise ValueError(f"**{k:g}({x:g}): its derivative overflows") from None


@dataclass(frozen=True)
class TraceStep:
    """One application of the chain rule during :meth:`Value.backward`.

    ``contribution = upstream * local`` is what was added to ``child.grad``.
    """

    node: Value
    child: Value
    upstream: float
    local: float
    contribution: float

    @property
    def op(self) -> str:
        """The operation of ``node`` whose local derivative was applied."""
        return self.node.op


@dataclass(frozen=True)
class GraphNode:
    """A node of an exported graph (a snapshot: numbers, not live Values)."""

    id: int
    label: str
    data: float
    grad: float
    op: str
    depth: int
    children: tuple[int, ...]


@dataclass(frozen=True)
class Graph:
    """An exported computation graph.

    ``nodes`` are in topological order (children before parents); ``edges`` are
    ``(child_id, parent_id)`` pairs, one per use (``a * a`` gives two edges);
    ``layers[k]`` lists the ids at depth ``k``: an operation's node sits one
    layer right of its deepest child, and a leaf one layer left of its
    earliest parent (inputs feeding a late operation are drawn beside it).
    """

    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[int, int], ...]
    layers: tuple[tuple[int, ...], ...]
    output: int

    def node(self, node_id: int) -> GraphNode:
        """The node with id ``node_id``."""
        return self.nodes[node_id]

    def by_label(self, label: str) -> GraphNode:
        """The first node carrying ``label`` (raises KeyError if none)."""
        for n in self.nodes:
            if n.label == label:
                return n
        raise KeyError(f"no node labelled {label!r}; labels: {[n.label for n in self.nodes]}")


class Value:
    """A scalar in a computation graph.

    Parameters
    ----------
    data : float
        The value; must be finite.
    label : str, optional
        A name used when the graph is drawn.

    Attributes
    ----------
    data, grad : float
        The value and d(output)/d(self) after :meth:`backward`.
    op : str
        The operation that produced this value (``""`` for a leaf).
    children : tuple of Value
        The operands, one entry per use (``a * a`` has ``(a, a)``).
    trace : list of TraceStep
        The steps recorded by the last :meth:`backward` called on this value.
    """

    __slots__ = ("_local_grads", "children", "data", "grad", "label", "op", "trace")

    def __init__(
        self,
        data: Number,
        label: str = "",
        *,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        _local_grads: LocalGrads | None = None,
    ) -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data must be a number, got a Value")
        if not isinstance(data, Real):
            raise TypeError(f"Value(data): data must be a real number, got {type(data).__name__}")
        self.data: float = _finite(data, f"Value({label or 'data'})") if not _op else float(data)
        self.grad: float = 0.0
        self.label: str = label
        self.op: str = _op
        self.children: tuple[Value, ...] = _children
        self._local_grads: LocalGrads = _local_grads or (lambda: ())
        self.trace: list[TraceStep] = []

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _lift(other: Value | Number) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, Real):
            return Value(other, label=f"{float(other):g}")
        raise TypeError(f"cannot combine Value with {type(other).__name__}")

    def _make(self, data: float, children: tuple[Value, ...], op: str, local: LocalGrads) -> Value:
        data = _finite(data, f"{op}({', '.join(f'{c.data:g}' for c in children)})")
        return Value(data, _children=children, _op=op, _local_grads=local)

    # --------------------------------------------------------------- binary ops
    def __add__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        return self._make(self.data + other.data, (self, other), "+", lambda: ((self, 1.0), (other, 1.0)))

    def __sub__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        return self._make(self.data - other.data, (self, other), "-", lambda: ((self, 1.0), (other, -1.0)))

    def __mul__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        # d(a*b)/da = b and d(a*b)/db = a: each child gets the *other* child's data.
        a, b = self.data, other.data
        return self._make(a * b, (self, other), "*", lambda: ((self, b), (other, a)))

    def __truediv__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        if other.data == 0.0:
            raise ValueError(f"/: division by zero ({self.data:g} / 0)")
        a, b = self.data, other.data
        return self._make(a / b, (self, other), "/", lambda: ((self, 1.0 / b), (other, -a / (b * b))))

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, Real):
            raise TypeError("**: the exponent must be a plain number (int or float)")
        k = float(exponent)
        if not math.isfinite(k):
            raise ValueError(f"**: the exponent must be a finite number, got {k!r}")
        x = self.data
        if x < 0 and not k.is_integer():
            raise ValueError(f"**: a negative base ({x:g}) needs an integer exponent, got {k:g}")
        if x == 0 and k < 0:
            raise ValueError(f"**: zero cannot be raised to a negative power ({k:g})")
        try:
            out = x**k
        except OverflowError:
            raise ValueError(f"**{k:g}({x:g}): result overflows") from None
        return self._make(out, (self,), f"**{k:g}", lambda: ((self, _pow_local(x, k)),))

    def __radd__(self, other: Number) -> Value:
        return self._lift(other) + self

    def __rsub__(self, other: Number) -> Value:
        return self._lift(other) - self

    def __rmul__(self, other: Number) -> Value:
        return self._lift(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return self._lift(other) / self

    def __neg__(self) -> Value:
        return self._make(-self.data, (self,), "neg", lambda: ((self, -1.0),))

    # ---------------------------------------------------------------- unary ops
    def exp(self) -> Value:
        """e**x; local derivative e**x."""
        if self.data > 709.0:
            raise ValueError(f"exp({self.data:g}): result overflows")
        out = math.exp(self.data)
        return self._make(out, (self,), "exp", lambda: ((self, out),))

    def log(self) -> Value:
        """Natural log, for x > 0; local derivative 1/x."""
        x = self.data
        if x <= 0:
            raise ValueError(f"log({x:g}): log needs a positive input, got {x:g}")
        return self._make(math.log(x), (self,), "log", lambda: ((self, 1.0 / x),))

    def tanh(self) -> Value:
        """tanh(x); local derivative 1 - tanh(x)**2."""
        t = math.tanh(self.data)
        return self._make(t, (self,), "tanh", lambda: ((self, 1.0 - t * t),))

    def relu(self) -> Value:
        """max(0, x); local derivative 1 for x > 0, else 0."""
        x = self.data
        return self._make(max(0.0, x), (self,), "relu", lambda: ((self, 1.0 if x > 0 else 0.0),))

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x); local derivative s(1 - s)."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return self._make(s, (self,), "sigmoid", lambda: ((self, s * (1.0 - s)),))

    def sin(self) -> Value:
        """sin(x); local derivative cos(x)."""
        x = self.data
        return self._make(math.sin(x), (self,), "sin", lambda: ((self, math.cos(x)),))

    def cos(self) -> Value:
        """cos(x); local derivative -sin(x)."""
        x = self.data
        return self._make(math.cos(x), (self,), "cos", lambda: ((self, -math.sin(x)),))

    def abs(self) -> Value:
        """|x|; local derivative sign(x) (0 at 0)."""
        x = self.data
        return self._make(abs(x), (self,), "abs", lambda: ((self, float(x > 0) - float(x < 0)),))

    # ----------------------------------------------------------------- backward
    def topological_order(self) -> list[Value]:
        """All nodes reachable from this one, children before parents.

        Iterative (no recursion limit): a chain of 100,000 nodes is fine.
        """
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            # Reversed so children are visited left to right.
            for child in reversed(node.children):
                if id(child) not in visited:
                    stack.append((child, False))
        return order

    def backward(self) -> list[TraceStep]:
        """Fill ``grad`` of every node in the graph with d(self)/d(node).

        Grads are reset first, so calling it twice gives the same numbers, not
        doubled ones.  Returns (and stores in ``self.trace``) the chain-rule
        steps in the order they were applied.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        trace: list[TraceStep] = []
        for node in reversed(order):
            upstream = node.grad
            for child, local in node._local_grads():
                contribution = upstream * local
                if not math.isfinite(contribution):
                    raise ValueError(f"backward: the gradient through {node.op} overflows "
                                     f"(upstream {upstream:g} x local {local:g}); the inputs are too large")
                child.grad += contribution
                trace.append(TraceStep(node, child, upstream, local, contribution))
        self.trace = trace
        return trace

    # ------------------------------------------------------------------- export
    def graph(self) -> Graph:
        """Export the graph below this value as plain data for drawing.

        Examples
        --------
        >>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.label = "y"
        >>> g = y.graph()
        >>> [len(layer) for layer in g.layers]
        [1, 1, 1]
        >>> g.edges
        ((0, 1), (0, 1), (1, 2))
        """
        order = self.topological_order()
        ids = {id(n): i for i, n in enumerate(order)}
        # Depth: an operation sits one column right of its deepest child; a leaf
        # sits just left of its earliest parent (so a bias added late is drawn late).
        depth: list[int] = []
        for n in order:
            depth.append(1 + max((depth[ids[id(c)]] for c in n.children), default=-1))
        parent_depth: dict[int, int] = {}
        for i, n in enumerate(order):
            for c in n.children:
                j = ids[id(c)]
                parent_depth[j] = min(parent_depth.get(j, depth[i]), depth[i])
        for i, n in enumerate(order):
            if not n.children and i in parent_depth:
                depth[i] = parent_depth[i] - 1
        nodes = tuple(
            GraphNode(
                id=i,
                label=n.label,
                data=n.data,
                grad=n.grad,
                op=n.op,
                depth=depth[i],
                children=tuple(ids[id(c)] for c in n.children),
            )
            for i, n in enumerate(order)
        )
        edges = tuple((ids[id(c)], i) for i, n in enumerate(order) for c in n.children)
        # One pass into buckets (ids ascending within a layer): linear in the number of nodes.
        # (Scanning every node once per depth was quadratic on a chain: 412 s for 100,000 nodes.)
        buckets: list[list[int]] = [[] for _ in range(max(depth) + 1)]
        for i, d in enumerate(depth):
            buckets[d].append(i)
        layers = tuple(tuple(b) for b in buckets)
        return Graph(nodes=nodes, edges=edges, layers=layers, output=ids[id(self)])

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"


def sum_values(values: Iterable[Value | Number]) -> Value:
    """Sum an iterable of Values (a left fold of ``+``)."""
    it = iter(values)
    try:
        total = Value._lift(next(it))
    except StopIteration:
        raise ValueError("sum_values: needs at least one value") from None
    for v in it:
        total = total + v
    return total


__all__.append("sum_values")
