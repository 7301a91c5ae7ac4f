"""User-written 2-D losses: an expression in ``x`` and ``y``, parsed safely.

The text is parsed with :mod:`ast` and only a small whitelist is accepted --
numbers, ``x``, ``y``, ``pi``, ``e``, ``+ - * / **``, unary minus and the
functions in :data:`FUNCTIONS` -- so nothing a user writes is ever run as
Python.  The parsed tree is evaluated two ways:

- vectorized with NumPy (:meth:`Expression.evaluate`), for surfaces and contour grids;
- with :class:`gdcore.Value` (:meth:`Expression.value_and_grad`), so gradients come
  from gdcore's own autograd.

Examples
--------
>>> f = Expression("x**2 + 3*sin(y)")
>>> float(f.evaluate(1.0, 0.0))
1.0
>>> v, g = f.value_and_grad(1.0, 0.0)
>>> v, [round(float(c), 6) for c in g]
(1.0, [2.0, 3.0])
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gdcore.autograd import Value

__all__ = ["FUNCTIONS", "MAX_LENGTH", "Expression", "ExpressionError"]

MAX_LENGTH = 400
MAX_NODES = 200


class ExpressionError(ValueError):
    """The expression uses something outside the whitelist, or is malformed."""


def _np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# name -> (NumPy function, Value method)
FUNCTIONS: dict[str, tuple[Callable, Callable[[Value], Value]]] = {
    "sin": (np.sin, Value.sin),
    "cos": (np.cos, Value.cos),
    "exp": (np.exp, Value.exp),
    "log": (np.log, Value.log),
    "sqrt": (np.sqrt, lambda v: v**0.5),
    "tanh": (np.tanh, Value.tanh),
    "abs": (np.abs, Value.abs),
    "sigmoid": (_np_sigmoid, Value.sigmoid),
    "relu": (lambda z: np.maximum(z, 0.0), Value.relu),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class Expression:
    """A safely parsed expression in ``x`` and ``y``.

    Parameters
    ----------
    source : str
        For example ``"x**2 + 3*sin(y)"`` or ``"(1 - x)**2 + 100*(y - x**2)**2"``.

    Raises
    ------
    ExpressionError
        Naming what is not allowed (and what is), for anything outside the whitelist.
    """

    def __init__(self, source: str) -> None:
        if not isinstance(source, str) or not source.strip():
            raise ExpressionError("expression must be a non-empty string in x and y")
        if len(source) > MAX_LENGTH:
            raise ExpressionError(f"expression is {len(source)} characters; at most {MAX_LENGTH} allowed")
        self.source = source.strip()
        try:
            tree = ast.parse(self.source, mode="eval")
        except SyntaxError as e:
            raise ExpressionError(f"cannot parse expression {self.source!r}: {e.msg}") from None
        #: Number of parsed parts (operations, names, numbers): the work of one evaluation.
        self.n_nodes = sum(1 for _ in ast.walk(tree.body))
        if self.n_nodes > MAX_NODES:
            raise ExpressionError(f"expression is too long (more than {MAX_NODES} parts)")
        self._tree = self._check(tree.body)
        self.constant = not self._uses_variables(self._tree)

    # The whitelist: every node is checked once, here.
    def _check(self, node: ast.AST) -> ast.AST:
        allowed = (f"numbers, x, y, pi, e, + - * / **, and the functions {', '.join(sorted(FUNCTIONS))}")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants, got {node.value!r}; allowed: {allowed}")
            if not math.isfinite(node.value):
                raise ExpressionError("constants must be finite")
            return node
        if isinstance(node, ast.Name):
            if node.id in VARIABLES or node.id in CONSTANTS:
                return node
            raise ExpressionError(f"unknown name {node.id!r}; allowed: {allowed}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self._check(node.operand)
            return self._check_constant(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            self._check(node.left)
            self._check(node.right)
            if isinstance(node.op, ast.Pow) and self._uses_variables(node.right):
                raise ExpressionError("the exponent of ** must be a constant (e.g. x**2), not depend on x or y")
            return self._check_constant(node)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ExpressionError(f"unknown function {name!r}; allowed functions: {', '.join(sorted(FUNCTIONS))}")
            if len(node.args) != 1 or node.keywords:
                raise ExpressionError(f"{node.func.id}() takes exactly one argument")
            self._check(node.args[0])
            return self._check_constant(node)
        raise ExpressionError(f"{ast.unparse(node)!r} is not allowed; allowed: {allowed}")

    def _check_constant(self, node: ast.AST) -> ast.AST:
        """A part without x or y is a number: it must be a finite one under NumPy's rules.

        ``1/0``, ``10**400``, ``10**10**10`` (inf) and ``(-8)**(1/3)`` (nan: a negative base needs an
        integer exponent) are refused here, with the part named, instead of raising
        ZeroDivisionError or OverflowError (Python) or turning the whole surface into inf or nan.
        """
        if self._uses_variables(node):
            return node
        with np.errstate(all="ignore"):
            c = self._eval(node, np.float64(0.0), np.float64(0.0), np.float64, 0)
        if not np.isfinite(c):
            part = ast.unparse(node)
            pow_hint = "; a negative base needs an integer exponent" if isinstance(node, ast.BinOp) and isinstance(
                node.op, ast.Pow) else ""
            why = (f"is not a real number (NumPy gives nan{pow_hint})"
                   if np.isnan(c) else f"is not a finite number (NumPy gives {float(c)!r})")
            raise ExpressionError(f"the constant part {part!r} {why}")
        return node

    @staticmethod
    def _uses_variables(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in VARIABLES for n in ast.walk(node))

    # ------------------------------------------------------------ evaluation
    def _eval(self, node: ast.AST, x: Any, y: Any, lift: Callable[[float], Any], funcs: int) -> Any:
        """Evaluate with NumPy arrays (funcs=0) or Values (funcs=1): duck-typed, hence ``Any``."""
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, (int, float))     # the parser let only numbers through
            return lift(float(node.value))
        if isinstance(node, ast.Name):
            return x if node.id == "x" else y if node.id == "y" else lift(CONSTANTS[node.id])
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, x, y, lift, funcs)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a = self._eval(node.left, x, y, lift, funcs)
            if isinstance(node.op, ast.Pow):
                # A constant exponent, computed with NumPy's rules (inf, not OverflowError).
                with np.errstate(all="ignore"):
                    k = float(self._eval(node.right, np.float64(0.0), np.float64(0.0), np.float64, 0))
                return a**k
            b = self._eval(node.right, x, y, lift, funcs)
            op = _BINOPS[type(node.op)]
            return a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        arg = self._eval(node.args[0], x, y, lift, funcs)
        return FUNCTIONS[node.func.id][funcs](arg)

    def evaluate(self, x: ArrayLike, y: ArrayLike) -> np.ndarray:
        """The expression at arrays ``x`` and ``y`` (broadcast), vectorized, with NumPy's rules.

        Where the expression is undefined (``log`` or ``sqrt`` of a negative number, ``0/0``) the
        result is NaN; at a pole (``log(0)``, ``1/0``) or on overflow it is +-inf; no RuntimeWarning
        is raised.  A drawing should treat every non-finite value as "not defined here".

        >>> Expression("log(x) + y**2").evaluate([-1.0, 1.0], 2.0).tolist()
        [nan, 4.0]
        """
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
        with np.errstate(all="ignore"):
            out = self._eval(self._tree, xa, ya, np.float64, 0)   # constants too: NumPy's rules
        return np.broadcast_to(np.asarray(out, dtype=float), np.broadcast(xa, ya).shape).copy()

    def value_and_grad(self, x: float, y: float) -> tuple[float, np.ndarray]:
        """Value and gradient at one point, by :class:`gdcore.Value` backprop."""
        vx, vy = Value(float(x), label="x"), Value(float(y), label="y")
        out = self._eval(self._tree, vx, vy, lambda c: Value(c), 1)
        if not isinstance(out, Value):  # a constant expression
            return float(out), np.zeros(2)
        out.backward()
        return out.data, np.array([vx.grad, vy.grad])

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"
