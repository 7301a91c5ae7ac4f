"""A derivative as a sensitivity: nudge an input, watch the output; the chain rule as a product of rates.

The SGD talk (seed 000) explains ``dL/dx`` as "if I nudge x by a tiny h, how much does the
output move?" -- about ``grad * h`` -- and the chain rule with a car twice as fast as a
bicycle that is four times as fast as a walker: the car is ``2 * 4 = 8`` times as fast as
the walker.  Both are computed here with :class:`gdcore.autograd.Value`, so the scenes show
the engine's numbers.

Examples
--------
>>> from gdcore.autograd import Value
>>> def tree(v):
...     e = Value(v["a"], label="a") * Value(v["b"], label="b")
...     return e + Value(v["c"], label="c")
>>> n = nudge(tree, {"a": -3.0, "b": 2.0, "c": 10.0}, "a", 0.001)
>>> round(n.before, 6), round(n.after, 6), n.grad, round(n.delta / n.h, 6)
(4.0, 4.002, 2.0, 2.0)
>>> r = chained_rates([4.0, 2.0])
>>> r.speeds, r.rate
([1.0, 4.0, 8.0], 8.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from gdcore.autograd import Value

__all__ = ["Nudge", "nudge", "ChainedRates", "chained_rates"]


@dataclass(frozen=True)
class Nudge:
    """The output of a graph before and after ``input += h``, and the gradient's prediction."""

    name: str
    value: float
    h: float
    before: float
    after: float
    grad: float

    @property
    def delta(self) -> float:
        """How far the output really moved."""
        return self.after - self.before

    @property
    def predicted(self) -> float:
        """``grad * h``: how far the gradient says it moves (to first order)."""
        return self.grad * self.h


def _leaf(out: Value, name: str) -> Value:
    for v in out.topological_order():
        if v.label == name and not v.children:
            return v
    raise KeyError(f"nudge: no input labelled {name!r} in the graph")


def nudge(build: Callable[[Mapping[str, float]], Value], inputs: Mapping[str, float], name: str,
          h: float) -> Nudge:
    """Run ``build(inputs)`` forward and backward, then forward again with ``inputs[name] + h``.

    ``build`` makes a fresh graph from a dict of input values, labelling its leaves by their
    keys.  The gradient is ``backward()``'s (not a difference quotient), so comparing
    ``delta`` with ``predicted`` checks backprop against the nudge.
    """
    if name not in inputs:
        raise KeyError(f"nudge: {name!r} is not one of the inputs {sorted(inputs)}")
    if not h:
        raise ValueError("nudge: h must be non-zero")
    out = build(inputs)
    out.backward()
    grad = _leaf(out, name).grad
    moved = dict(inputs)
    moved[name] = inputs[name] + h
    after = build(moved).data
    return Nudge(name, float(inputs[name]), float(h), float(out.data), float(after), float(grad))


@dataclass(frozen=True)
class ChainedRates:
    """Speeds along a chain ``s[k+1] = rates[k] * s[k]`` from ``s[0] = 1``, and ds[-1]/ds[0]."""

    rates: list[float]
    speeds: list[float]
    rate: float


def chained_rates(rates: Sequence[float]) -> ChainedRates:
    """Chain ``rates`` with Values (walker -> bicycle -> car) and read the overall rate from backward()."""
    if not rates:
        raise ValueError("chained_rates: need at least one rate")
    first = Value(1.0, label="s0")
    node = first
    speeds = [1.0]
    for k, r in enumerate(rates):
        node = Value(float(r), label=f"r{k}") * node
        speeds.append(node.data)
    node.backward()
    return ChainedRates([float(r) for r in rates], speeds, float(first.grad))
