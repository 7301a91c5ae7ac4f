"""Test functions for optimizers, with analytic gradients and Hessians.

Every loss is vectorized: ``value`` takes points of shape ``(..., dim)`` and
returns ``(...)``; ``grad`` returns ``(..., dim)`` and ``hessian``
``(..., dim, dim)``.  A single point is a length-``dim`` array.

The registry is open: :func:`register` adds a loss of your own without
editing this package, and :func:`get` also accepts an expression in ``x`` and
``y`` (see :mod:`gdcore.expression`).

Examples
--------
>>> f = get("rosenbrock")
>>> float(f.value([1.0, 1.0])), (f.grad([1.0, 1.0]) + 0.0).tolist()
(0.0, [0.0, 0.0])
>>> X, Y, Z = grid(f, n=5)
>>> Z.shape
(5, 5)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Loss", "Minimum", "curve", "from_expression", "get", "grid", "names", "register"]

Array = np.ndarray


@dataclass(frozen=True)
class Minimum:
    """A minimum of a loss: its point, value, and whether it is global."""

    point: Array
    value: float
    is_global: bool = True

    def __iter__(self) -> Iterator[Array | float]:  # unpacks as (point, value)
        return iter((self.point, self.value))


@dataclass(eq=False)
class Loss:
    """A loss with analytic value, gradient and Hessian.

    Attributes
    ----------
    name, description, latex : str
        Identifier, one-line description for captions, formula for MathTex.
    dim : int
        1 or 2.
    minima : list of Minimum
        Known minima (each unpacks as ``(point, value)``); ``global_minima`` and
        ``local_minima`` split them.
    domain : tuple of (lo, hi)
        A plotting box, one pair per dimension.
    params : dict
        The constructor parameters (e.g. curvatures), for display.
    """

    name: str
    dim: int
    _value: Callable[[Array], Array]
    _grad: Callable[[Array], Array]
    _hessian: Callable[[Array], Array]
    minima: list[Minimum]
    domain: tuple[tuple[float, float], ...]
    description: str = ""
    latex: str = ""
    params: dict = field(default_factory=dict)

    def _check(self, x: ArrayLike) -> Array:
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(
                f"{self.name}: x must have shape (..., {self.dim}) (a length-{self.dim} point), got shape {x.shape}"
            )
        return x

    def value(self, x: ArrayLike) -> Array:
        """Loss at ``x`` of shape (..., dim), an array of shape (...): 0-d for a single point
        (``float(f.value(p))`` is the number)."""
        x = self._check(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self._value(x), dtype=float)

    def grad(self, x: ArrayLike) -> Array:
        """Gradient at ``x``, shape (..., dim)."""
        x = self._check(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self._grad(x), dtype=float)

    def hessian(self, x: ArrayLike) -> Array:
        """Hessian at ``x``, shape (..., dim, dim)."""
        x = self._check(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self._hessian(x), dtype=float)

    @property
    def global_minima(self) -> list[Minimum]:
        return [m for m in self.minima if m.is_global]

    @property
    def local_minima(self) -> list[Minimum]:
        return [m for m in self.minima if not m.is_global]

    def __repr__(self) -> str:
        return f"Loss({self.name!r}, dim={self.dim})"


def _stack(*cols: ArrayLike) -> Array:
    return np.stack(np.broadcast_arrays(*cols), axis=-1)


def _hess2(hxx: ArrayLike, hxy: ArrayLike, hyy: ArrayLike) -> Array:
    hxx, hxy, hyy = np.broadcast_arrays(hxx, hxy, hyy)
    return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)


# --------------------------------------------------------------- 2-D losses


def quadratic(a: float = 1.0, b: float = 12.0) -> Loss:
    """Ill-conditioned bowl ``0.5 * (a x^2 + b y^2)``: curvatures a and b (condition number b/a)."""
    if not (a > 0 and b > 0):
        raise ValueError(f"quadratic: curvatures a and b must be > 0, got a={a}, b={b}")
    return Loss(
        "quadratic", 2,
        lambda p: 0.5 * (a * p[..., 0] ** 2 + b * p[..., 1] ** 2),
        lambda p: _stack(a * p[..., 0], b * p[..., 1]),
        lambda p: _hess2(np.full(p.shape[:-1], a), np.zeros(p.shape[:-1]), np.full(p.shape[:-1], b)),
        [Minimum(np.zeros(2), 0.0)], ((-3.0, 3.0), (-3.0, 3.0)),
        f"an ill-conditioned bowl (curvatures {a:g} and {b:g})",
        rf"\tfrac12\left({a:g}x^2 + {b:g}y^2\right)", {"a": a, "b": b},
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Loss:
    """Rosenbrock's banana ``(a - x)^2 + b (y - x^2)^2``; minimum 0 at (a, a^2)."""
    def v(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def g(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return _stack(-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x))

    def h(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return _hess2(2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x, np.full(x.shape, 2.0 * b))

    return Loss("rosenbrock", 2, v, g, h, [Minimum(np.array([a, a * a]), 0.0)], ((-2.0, 2.0), (-1.0, 3.0)),
                "Rosenbrock's curved valley", rf"({a:g}-x)^2 + {b:g}(y-x^2)^2", {"a": a, "b": b})


def beale() -> Loss:
    """Beale's function; minimum 0 at (3, 0.5)."""
    cs = (1.5, 2.25, 2.625)

    def v(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return sum((c - x + x * y ** (k + 1)) ** 2 for k, c in enumerate(cs))

    def g(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        gx = gy = 0.0
        for k, c in enumerate(cs):
            n = k + 1
            t = c - x + x * y**n
            gx = gx + 2 * t * (y**n - 1)
            gy = gy + 2 * t * n * x * y ** (n - 1)
        return _stack(gx, gy)

    def h(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        hxx = hxy = hyy = 0.0
        for k, c in enumerate(cs):
            n = k + 1
            t = c - x + x * y**n
            tx, ty = y**n - 1, n * x * y ** (n - 1)
            tyy = n * (n - 1) * x * y ** (n - 2) if n >= 2 else 0.0 * x
            txy = n * y ** (n - 1)
            hxx = hxx + 2 * tx * tx
            hxy = hxy + 2 * (ty * tx + t * txy)
            hyy = hyy + 2 * (ty * ty + t * tyy)
        return _hess2(hxx, hxy, hyy)

    return Loss("beale", 2, v, g, h, [Minimum(np.array([3.0, 0.5]), 0.0)], ((-4.5, 4.5), (-4.5, 4.5)),
                "Beale's function: flat plateaus and steep walls",
                r"(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2")


def himmelblau() -> Loss:
    """Himmelblau's function ``(x^2+y-11)^2 + (x+y^2-7)^2``: four global minima of value 0."""
    def v(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def g(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        u, w = x * x + y - 11, x + y * y - 7
        return _stack(4 * x * u + 2 * w, 2 * u + 4 * y * w)

    def h(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return _hess2(12 * x * x + 4 * y - 42, 4 * (x + y), 12 * y * y + 4 * x - 26)

    pts = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    mins = [Minimum(_polish(v, g, h, np.array(q)), 0.0) for q in pts]
    return Loss("himmelblau", 2, v, g, h, mins, ((-5.0, 5.0), (-5.0, 5.0)),
                "Himmelblau's function: four equal minima", r"(x^2+y-11)^2+(x+y^2-7)^2")


def booth() -> Loss:
    """Booth's function ``(x + 2y - 7)^2 + (2x + y - 5)^2``; minimum 0 at (1, 3)."""
    def v(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def g(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        u, w = x + 2 * y - 7, 2 * x + y - 5
        return _stack(2 * u + 4 * w, 4 * u + 2 * w)

    def h(p: Array) -> Array:
        s = p.shape[:-1]
        return _hess2(np.full(s, 10.0), np.full(s, 8.0), np.full(s, 10.0))

    return Loss("booth", 2, v, g, h, [Minimum(np.array([1.0, 3.0]), 0.0)], ((-10.0, 10.0), (-10.0, 10.0)),
                "Booth's function: a tilted bowl", r"(x+2y-7)^2+(2x+y-5)^2")


def six_hump_camel() -> Loss:
    """Six-hump camel ``(4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2``.

    Two global minima (-1.0316 at (±0.0898, ∓0.7126)) and four local ones.
    """
    def v(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2

    def g(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return _stack(8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3)

    def h(p: Array) -> Array:
        x, y = p[..., 0], p[..., 1]
        return _hess2(8 - 25.2 * x**2 + 10 * x**4, np.ones_like(x), -8 + 48 * y**2)

    starts = [(0.0898, -0.7126), (-0.0898, 0.7126), (-1.7036, 0.7961), (1.7036, -0.7961),
              (-1.6071, -0.5687), (1.6071, 0.5687)]
    pts = [_polish(v, g, h, np.array(q)) for q in starts]
    vals = [float(v(q)) for q in pts]
    best = min(vals)
    mins = [Minimum(q, val, abs(val - best) < 1e-9) for q, val in zip(pts, vals, strict=True)]
    return Loss("six_hump_camel", 2, v, g, h, mins, ((-2.0, 2.0), (-1.2, 1.2)),
                "the six-hump camel: two global and four local minima",
                r"(4-2.1x^2+\tfrac{x^4}{3})x^2+xy+(-4+4y^2)y^2")


def saddle() -> Loss:
    """The saddle ``x^2 - y^2``: no minimum; plain gradient descent stalls near the origin."""
    return Loss(
        "saddle", 2,
        lambda p: p[..., 0] ** 2 - p[..., 1] ** 2,
        lambda p: _stack(2 * p[..., 0], -2 * p[..., 1]),
        lambda p: _hess2(np.full(p.shape[:-1], 2.0), np.zeros(p.shape[:-1]), np.full(p.shape[:-1], -2.0)),
        [], ((-2.0, 2.0), (-2.0, 2.0)), "a saddle: down in y, up in x", r"x^2 - y^2",
    )


def two_basins(depth_local: float = 1.2, depth_global: float = 2.0) -> Loss:
    """Two Gaussian wells on a gentle bowl: a shallow local basin and a deeper global one.

    ``f = 0.05 (x^2 + y^2) - d1 exp(-|p - c1|^2 / 2) - d2 exp(-|p - c2|^2 / 2)``
    with the local well at c1 = (-1.5, 0.5) and the global one at c2 = (1.6, -0.4).
    """
    c1, c2 = np.array([-1.5, 0.5]), np.array([1.6, -0.4])
    wells = ((depth_local, c1), (depth_global, c2))
    s2 = 1.0

    def v(p: Array) -> Array:
        out = 0.05 * (p[..., 0] ** 2 + p[..., 1] ** 2)
        for d, c in wells:
            out = out - d * np.exp(-((p - c) ** 2).sum(-1) / (2 * s2))
        return out

    def g(p: Array) -> Array:
        out = 0.1 * p
        for d, c in wells:
            e = np.exp(-((p - c) ** 2).sum(-1) / (2 * s2))
            out = out + d * e[..., None] * (p - c) / s2
        return out

    def h(p: Array) -> Array:
        out = 0.1 * np.broadcast_to(np.eye(2), (*p.shape[:-1], 2, 2)).copy()
        for d, c in wells:
            e = np.exp(-((p - c) ** 2).sum(-1) / (2 * s2))
            r = p - c
            out = out + d * e[..., None, None] * (np.eye(2) / s2 - r[..., :, None] * r[..., None, :] / s2**2)
        return out

    pts = [_polish(v, g, h, c.copy()) for c in (c1, c2)]
    vals = [float(v(q)) for q in pts]
    mins = [Minimum(q, val, val == min(vals)) for q, val in zip(pts, vals, strict=True)]
    return Loss("two_basins", 2, v, g, h, mins, ((-4.0, 4.0), (-3.0, 3.0)),
                "a shallow local basin beside a deeper global one",
                r"0.05|p|^2 - d_1 e^{-|p-c_1|^2/2} - d_2 e^{-|p-c_2|^2/2}",
                {"depth_local": depth_local, "depth_global": depth_global})


# --------------------------------------------------------------- 1-D losses


def parabola(curvature: float = 2.0) -> Loss:
    """The 1-D parabola ``0.5 * k x^2`` (curvature k = the second derivative)."""
    if not curvature > 0:
        raise ValueError(f"parabola: curvature must be > 0, got {curvature}")
    k = float(curvature)
    return Loss("parabola", 1, lambda p: 0.5 * k * p[..., 0] ** 2, lambda p: k * p,
                lambda p: np.full((*p.shape[:-1], 1, 1), k), [Minimum(np.zeros(1), 0.0)], ((-3.0, 3.0),),
                f"a parabola of curvature {k:g}", rf"\tfrac{{{k:g}}}{{2}}x^2", {"curvature": k})


def double_well(tilt: float = 0.5) -> Loss:
    """The tilted double well ``x^4/4 - x^2 + tilt*x``: one local and one global minimum.

    With ``tilt > 0`` the global minimum is the left one (near x = -1.2), the
    local one on the right (near x = 0.9).  Minima are the real roots of
    ``x^3 - 2x + tilt`` with positive second derivative.
    """
    t = float(tilt)
    if not 0 < abs(t) < 1.08:
        raise ValueError(f"double_well: tilt must satisfy 0 < |tilt| < 1.08 (two minima), got {tilt}")

    def v(p: Array) -> Array:
        x = p[..., 0]
        return x**4 / 4 - x**2 + t * x

    roots = np.roots([1.0, 0.0, -2.0, t])
    roots = np.sort(roots[np.abs(roots.imag) < 1e-12].real)
    mins_x = [r for r in roots if 3 * r * r - 2 > 0]
    vals = [float(v(np.array([r]))) for r in mins_x]
    mins = [Minimum(np.array([r]), val, val == min(vals)) for r, val in zip(mins_x, vals, strict=True)]
    return Loss("double_well", 1, v, lambda p: p**3 - 2 * p + t, lambda p: (3 * p**2 - 2)[..., None],
                mins, ((-2.2, 2.2),), "a double well: one local and one global minimum",
                rf"\tfrac{{x^4}}{{4}} - x^2 + {t:g}x", {"tilt": t})


def _polish(v: Callable[[Array], Array], g: Callable[[Array], Array], h: Callable[[Array], Array],
            x0: ArrayLike, iters: int = 50) -> Array:
    """Newton's method from a published (rounded) minimum to machine precision."""
    x = np.asarray(x0, dtype=float)
    for _ in range(iters):
        step = np.linalg.solve(h(x), g(x))
        x = x - step
        if np.linalg.norm(step) < 1e-15:
            break
    return x


# --------------------------------------------------------------- registry

_REGISTRY: dict[str, Callable[..., Loss]] = {
    "quadratic": quadratic,
    "rosenbrock": rosenbrock,
    "beale": beale,
    "himmelblau": himmelblau,
    "booth": booth,
    "six_hump_camel": six_hump_camel,
    "saddle": saddle,
    "two_basins": two_basins,
    "parabola": parabola,
    "double_well": double_well,
}


def names() -> list[str]:
    """Names of the registered losses."""
    return sorted(_REGISTRY)


def register(name: str, factory: Callable[..., Loss]) -> None:
    """Add a loss of your own: ``factory(**params)`` must return a :class:`Loss`."""
    if not name.isidentifier():
        raise ValueError(f"register: name must be an identifier, got {name!r}")
    _REGISTRY[name] = factory


def get(name: str, **params: float) -> Loss:
    """The loss registered as ``name``, built with ``params``.

    A name that is not registered but looks like an expression in ``x`` and
    ``y`` (it contains ``x`` or ``y`` and an operator or parenthesis) is parsed
    with :func:`from_expression`.  Otherwise a KeyError lists the known names.
    """
    if name in _REGISTRY:
        return _REGISTRY[name](**params)
    if any(ch in name for ch in "+-*/()") and not params:
        return from_expression(name)
    raise KeyError(f"unknown loss {name!r}; known losses: {', '.join(names())} "
                   f"(or an expression in x and y such as 'x**2 + 3*sin(y)')")


def from_expression(source: str, domain: tuple[tuple[float, float], ...] = ((-3.0, 3.0), (-3.0, 3.0))) -> Loss:
    """A 2-D loss from a user expression in ``x`` and ``y`` (parsed safely).

    Values are evaluated vectorized with NumPy; gradients come from
    :class:`gdcore.Value` backprop; the Hessian from central differences of
    those gradients.  Minima are not known in closed form (empty list).
    """
    from gdcore.expression import Expression

    expr = Expression(source)

    def v(p: Array) -> Array:
        return expr.evaluate(p[..., 0], p[..., 1])

    def g(p: Array) -> Array:
        flat = p.reshape(-1, 2)
        out = np.empty_like(flat)
        for i, (x, y) in enumerate(flat):
            try:
                out[i] = expr.value_and_grad(x, y)[1]
            except ValueError:       # outside the expression's domain, or overflow
                out[i] = np.nan
        return out.reshape(p.shape)

    def h(p: Array, eps: float = 1e-5) -> Array:
        cols = []
        for k in range(2):
            d = np.zeros(2)
            d[k] = eps
            cols.append((g(p + d) - g(p - d)) / (2 * eps))
        H = np.stack(cols, axis=-1)
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    return Loss("expression", 2, v, g, h, [], domain, f"f(x, y) = {expr.source}", expr.source.replace("**", "^"),
                {"expression": expr.source})


def grid(loss: Loss, n: int = 101,
         domain: tuple[tuple[float, float], ...] | None = None) -> tuple[Array, Array, Array]:
    """``(X, Y, Z)`` on an ``n`` x ``n`` grid over ``domain`` of a 2-D loss, in one vectorized call.

    A 1-D loss has no Y: :func:`curve` samples it.
    """
    if loss.dim != 2:
        raise ValueError(f"grid: {loss.name} is a {loss.dim}-D loss; grid needs a 2-D one (use curve())")
    if n < 2:
        raise ValueError(f"grid: n must be >= 2, got {n}")
    dom = domain or loss.domain
    xs = np.linspace(*dom[0], n)
    ys = np.linspace(*dom[1], n)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, loss.value(np.stack([X, Y], axis=-1))


def curve(loss: Loss, n: int = 101, domain: tuple[tuple[float, float], ...] | None = None) -> tuple[Array, Array]:
    """``(x, f(x))`` at ``n`` points over ``domain`` of a 1-D loss, in one vectorized call.

    >>> x, y = curve(get("parabola"), n=3)
    >>> x.shape, y.shape
    ((3,), (3,))
    """
    if loss.dim != 1:
        raise ValueError(f"curve: {loss.name} is a {loss.dim}-D loss; curve needs a 1-D one (use grid())")
    if n < 2:
        raise ValueError(f"curve: n must be >= 2, got {n}")
    dom = domain or loss.domain
    x = np.linspace(*dom[0], n)
    return x, loss.value(x[:, None])
