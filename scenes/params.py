"""Scene parameters: defaults in ``scenes/defaults.toml``, overrides from ``$GDVIZ_PARAMS``.

Every scene reads its parameters with :func:`scene_params`, so a user re-runs a
scene with other numbers without editing its code::

    # my_params.toml
    [backprop]
    a = 1.5

    GDVIZ_PARAMS=my_params.toml manim render scenes/backprop.py

A value must have the type of its default (an int is accepted for a float,
and a list must hold items of the default's item type).  An unknown section
or key, or a value of another type, raises :class:`ParamsError` naming the
file, the key and what is allowed.

After the per-key checks come the cross-key checks a scene needs (one entry per case, points
of two coordinates, a start where the function is defined, snapshots within the training...)
and the budget: :func:`estimate` predicts the memory and compute time of a scene's heavy work
(training, landscapes, searches) with :mod:`gdcore.cost`, and a scene over
:data:`gdcore.cost.MEMORY_BUDGET` (4 GiB) or :data:`gdcore.cost.TIME_BUDGET` (180 s) is refused
unless ``GDVIZ_NO_BUDGET=1``.
"""

from __future__ import annotations

import ast
import functools
import math
import os
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "BUDGET_ENV",
    "DATA_RULES",
    "DEFAULTS_ENV",
    "DEFAULTS_FILE",
    "ENV_VAR",
    "DataRule",
    "ParamsError",
    "check_budget",
    "class_colours",
    "data_titles",
    "defaults",
    "defaults_file",
    "estimate",
    "load_params",
    "load_scene_data",
    "scene_data",
    "scene_params",
]

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
ENV_VAR = "GDVIZ_PARAMS"
BUDGET_ENV = "GDVIZ_NO_BUDGET"


class ParamsError(ValueError):
    """A parameter file names an unknown scene or key, or gives a value of the wrong type."""


DEFAULTS_ENV = "GDVIZ_DEFAULTS"


def defaults_file() -> Path:
    """``scenes/defaults.toml``, or the file named by ``$GDVIZ_DEFAULTS`` (another scene collection)."""
    return Path(os.environ.get(DEFAULTS_ENV) or DEFAULTS_FILE)


def defaults() -> dict[str, dict[str, Any]]:
    """All scenes' default parameters (and the ``limits`` table), read from :func:`defaults_file`."""
    with defaults_file().open("rb") as f:
        return tomllib.load(f)


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        inner = _type_name(v[0]) if v else "anything"
        return f"a list of {inner.removeprefix('a ').removeprefix('an ')}s"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _matches(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, int):
        return isinstance(value, int)
    if isinstance(default, list):
        return isinstance(value, list) and (not default or all(_matches(default[0], v) for v in value))
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, type(default))


def _merge(base: dict[str, Any], override: dict[str, Any], where: str, path: str) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        full = f"{path}.{key}"
        if key not in base:
            allowed = ", ".join(sorted(base)) or "(none)"
            raise ParamsError(f"{where}: unknown key '{full}'; allowed keys: {allowed}")
        default = base[key]
        if not _matches(default, value):
            raise ParamsError(
                f"{where}: '{full}' must be {_type_name(default)} (default {default!r}), got {value!r}"
            )
        bad = [v for v in _flat(value) if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise ParamsError(f"{where}: '{full}' must be a finite number (TOML's nan and inf are not), "
                              f"got {value!r}")
        if isinstance(default, list) and default and not value:
            raise ParamsError(f"{where}: '{full}' must not be empty (default {default!r})")
        if isinstance(default, list) and default and isinstance(default[0], list) and any(not v for v in value):
            raise ParamsError(f"{where}: '{full}' must not hold empty lists, got {value!r}")
        if isinstance(default, dict) and default:
            out[key] = _merge(default, value, where, full)
        elif isinstance(default, float):
            out[key] = float(value)
        else:
            out[key] = value
    return out


LIMITS = "limits"


def _flat(value: Any) -> list[Any]:
    """Every scalar in a value, however deeply its lists nest."""
    if isinstance(value, list):
        return [v for item in value for v in _flat(item)]
    return [value]


def _check_limits(where: str, scene: str, params: dict[str, Any], limits: dict[str, Any]) -> None:
    """Apply ``[limits.<scene>]`` of defaults.toml: ``key = [lo, hi]``, ``{choices = [...]}``
    or ``{kind = "loss2d" | "loss1d" | "loss"}`` (a registered loss name or, for 2-D, an expression)."""
    for key, rule in limits.items():
        if key not in params:
            continue
        value = params[key]
        full = f"{scene}.{key}"
        if isinstance(rule, list) and len(rule) == 2:
            lo, hi = float(rule[0]), float(rule[1])
            flat = _flat(value)
            integer = bool(flat) and all(isinstance(v, int) and not isinstance(v, bool) for v in flat)
            kind = "an integer" if integer else "a number"
            if isinstance(value, list):
                kind = "integers" if integer else "numbers"
            for v in flat:
                if not (lo <= float(v) <= hi):
                    span = f"{int(lo)} and {int(hi)}" if integer else f"{rule[0]} and {rule[1]}"
                    raise ParamsError(f"{where}: '{full}' must be {kind} between {span}, got {value!r}")
        elif isinstance(rule, dict) and "choices" in rule:
            items = value if isinstance(value, list) else [value]
            for v in items:
                if v not in rule["choices"]:
                    raise ParamsError(f"{where}: '{full}' must be one of {rule['choices']}, got {v!r}")
        elif isinstance(rule, dict) and "kind" in rule:
            for v in value if isinstance(value, list) else [value]:
                _check_loss(where, full, v, rule["kind"])


def _check_loss(where: str, full: str, value: Any, kind: str) -> None:
    from gdcore import functions

    names = functions.names()
    if value in names:
        dim = functions.get(value).dim
        if (kind == "loss2d" and dim != 2) or (kind == "loss1d" and dim != 1):
            want = 2 if kind == "loss2d" else 1
            fitting = [n for n in names if functions.get(n).dim == want]
            raise ParamsError(f"{where}: '{full}' must be a {want}-D loss; {value!r} is {dim}-D. "
                              f"{want}-D losses: {', '.join(fitting)}")
        return
    if kind == "loss2d":
        from gdcore.expression import Expression, ExpressionError

        try:
            Expression(value)
        except ExpressionError as e:
            raise ParamsError(f"{where}: '{full}' is neither a known loss ({', '.join(names)}) "
                              f"nor a valid expression in x and y: {e}") from None
        return
    raise ParamsError(f"{where}: '{full}' must be one of {', '.join(names)}, got {value!r}")


def load_params(path: str | os.PathLike[str] | None) -> dict[str, dict[str, Any]]:
    """Defaults for every scene with the file at ``path`` (if any) applied on top, validated."""
    base = defaults()
    limits = base.pop(LIMITS, {})
    for scene in DATA_RULES:                      # a data file named in the defaults is relative to them
        if base.get(scene, {}).get("data"):
            base[scene] = {**base[scene], "data": str(resolve_data_path(base[scene]["data"],
                                                                         defaults_file().resolve().parent))}
    if path is None or str(path) == "":
        return base
    p = Path(path)
    if p.is_dir():
        raise ParamsError(f"{p}: is a directory; give a parameter file (.toml) instead")
    if not p.is_file():
        raise ParamsError(f"{ENV_VAR}: parameter file {str(p)!r} does not exist")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ParamsError(f"{p}: cannot be read ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParamsError(f"{p}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
                          f"save it as UTF-8") from None
    try:
        user = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ParamsError(f"{p}: not valid TOML: {e}") from None
    out = dict(base)
    for scene, table in user.items():
        if scene == LIMITS:
            raise ParamsError(f"{p}: '[{LIMITS}]' is reserved for scenes/defaults.toml")
        if scene not in base:
            raise ParamsError(f"{p}: unknown scene '[{scene}]'; scenes: {', '.join(sorted(base))}")
        if not isinstance(table, dict):
            raise ParamsError(f"{p}: '{scene}' must be a table ([{scene}]), got {table!r}")
        out[scene] = _merge(base[scene], table, str(p), scene)
        _check_limits(str(p), scene, out[scene], limits.get(scene, {}))
        if scene in DATA_RULES and table.get("data"):
            # Relative to the parameter file's folder, then read and checked like the scene will.
            out[scene]["data"] = str(resolve_data_path(table["data"], p.resolve().parent))
            _check_data(str(p), scene, out[scene])
        check = _CROSS.get(scene)
        if check is not None:
            check(_Where(str(p), scene), out[scene])
        if os.environ.get(BUDGET_ENV, "") != "1":
            check_budget(str(p), scene, out[scene], changed=list(table))
    return out


def scene_params(scene: str) -> dict[str, Any]:
    """The parameters of ``scene``: its defaults, overridden by ``$GDVIZ_PARAMS`` if set.

    Called by the scenes at the start of ``construct``.  A bad parameter file stops the render
    right there with the message alone on stderr and exit status 2 -- the user sees the file,
    the key and what is allowed, not a traceback through manim.  (:func:`load_params` raises
    :class:`ParamsError` for code that wants to handle it.)
    """
    try:
        all_params = load_params(os.environ.get(ENV_VAR))
        if scene not in all_params:
            raise ParamsError(f"no defaults for scene {scene!r} in {defaults_file()}")
    except ParamsError as e:
        print(f"gdviz: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    return all_params[scene]


# ------------------------------------------------------------------------------------- data files
# ``data = "file.csv"`` in a scene that learns from data: gdcore.datasets reads and checks the file
# (one-line errors naming the file, row and column); the limits that depend on the scene are here.


class DataRule(NamedTuple):
    """What a scene reads from a data file: ``kind`` "xy" (columns x, y: :func:`gdcore.datasets.load_xy`)
    or "labeled" (x1, x2, label: :func:`gdcore.datasets.load_labeled`), and how many points it takes."""

    kind: str
    min_points: int
    max_points: int


#: The scenes with a ``data`` key.  linear_fit draws a square on every point each frame and walks the
#: first pass point by point, so it takes at most 100; the networks take what ``n_points`` allows.
DATA_RULES: dict[str, DataRule] = {
    "linear_fit": DataRule("xy", 3, 100),
    "neural_network": DataRule("labeled", 10, 2000),
    "loss_landscape": DataRule("labeled", 10, 2000),
}

THEME_FILE = Path(__file__).parent / "kit" / "theme.py"


def resolve_data_path(value: str, base: Path) -> Path:
    """A ``data`` value as an absolute path, a relative one taken against ``base`` (the parameter file's folder)."""
    from gdcore.datasets import resolve_data_path as resolve

    return resolve(value, base)


@functools.lru_cache(maxsize=1)
def class_colours() -> int:
    """How many classes the scenes can colour: ``len(THEME.CLASS)``, read from ``scenes/kit/theme.py``
    without importing manim (publish validates parameters before any render starts)."""
    tree = ast.parse(THEME_FILE.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.ClassDef) and node.name == "Theme"):
            for item in node.body:
                if (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                        and item.target.id == "CLASS" and isinstance(item.value, (ast.Tuple, ast.List))):
                    return len(item.value.elts)
    raise RuntimeError(f"{THEME_FILE}: Theme.CLASS (the class colours) not found")


_DATA_CACHE: dict[tuple[str, str, int, int], tuple[Any, ...]] = {}


def load_scene_data(scene: str, path: str) -> tuple[Any, ...]:
    """The data file ``path`` read for ``scene`` (its :data:`DATA_RULES`); raises
    :class:`gdcore.datasets.DataError`.  Cached by path, size and modification time."""
    from gdcore import datasets

    rule = DATA_RULES[scene]
    try:
        st = os.stat(path)
        key = (scene, path, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _DATA_CACHE:
        return _DATA_CACHE[key]
    if rule.kind == "xy":
        out = datasets.load_xy(path, min_points=rule.min_points, max_points=rule.max_points, context=scene)
    else:
        out = datasets.load_labeled(path, min_points=rule.min_points, max_points=rule.max_points,
                                    max_classes=class_colours(), context=scene)
    if key is not None:
        _DATA_CACHE[key] = out
    return out


def scene_data(scene: str, p: dict[str, Any]) -> tuple[Any, ...]:
    """The data ``scene`` learns from with parameters ``p``: the file named by ``p["data"]`` if any,
    else the built-in set -- in the same form either way, so a scene never asks where it came from.

    - ``linear_fit``: ``(x, y)`` (built in: the beginner post's six points);
    - ``neural_network``: ``(X, labels)`` (built in: ``dataset`` with ``n_points``, ``noise``, ``seed``);
    - ``loss_landscape``: ``(X, labels)`` (built in: the digits' training split, or 200 moons).

    A file that has become unreadable since the parameters were checked stops the scene with one
    line and exit status 2, as a bad parameter does.
    """
    from gdcore import data, datasets

    if p.get("data"):
        try:
            return load_scene_data(scene, p["data"])
        except datasets.DataError as e:
            print(f"gdviz: '{scene}.data': {e}", file=sys.stderr)
            raise SystemExit(2) from None
    if scene == "linear_fit":
        return data.six_points()
    if scene == "neural_network":
        if p["dataset"] == "moons":
            return datasets.two_moons(p["n_points"], noise=p["noise"], seed=p["seed"])
        return datasets.spirals(p["n_points"], classes=2, noise=p["noise"], seed=p["seed"])
    if scene == "loss_landscape":
        if p["dataset"] == "digits":
            d = datasets.digits()
            return d.X_train, d.y_train
        return datasets.two_moons(_DATASET_N["moons"], noise=0.15, seed=p["seed"])
    raise KeyError(f"scene {scene!r} has no data")


#: The columns each kind of data file has, in the order the scene uses them.
DATA_COLUMNS = {"xy": ("x", "y"), "labeled": ("x1", "x2", "label")}


def data_titles(scene: str, p: dict[str, Any]) -> dict[str, str]:
    """Axis titles of ``scene``'s data columns: the names (``x``, ``y`` or ``x1``, ``x2``), or the
    descriptions a CSV header gives them (``x (size, sq ft)`` -> ``size, sq ft``)."""
    from gdcore.datasets import column_titles

    columns = DATA_COLUMNS[DATA_RULES[scene].kind]
    if p.get("data"):
        return column_titles(p["data"], columns)
    return {c: c for c in columns}


def _check_data(where: str, scene: str, p: dict[str, Any]) -> None:
    from gdcore.datasets import DataError

    try:
        load_scene_data(scene, p["data"])
    except DataError as e:
        raise ParamsError(f"{where}: '{scene}.data': {e}") from None


def _data_size(scene: str, p: dict[str, Any]) -> tuple[int, int, int]:
    """Training points, inputs and classes of ``scene``'s data (from the file when there is one)."""
    if p.get("data"):
        X, labels = load_scene_data(scene, p["data"])
        return len(labels), X.shape[1], int(labels.max()) + 1
    if scene == "neural_network":
        return p["n_points"], 2, 2
    if p["dataset"] == "digits":
        return _DATASET_N["digits"], 64, 10
    return _DATASET_N["moons"], 2, 2


def _data_shown(scene: str, p: dict[str, Any]) -> str:
    if scene == "linear_fit":
        return f"data = {Path(p['data']).name!r} ({len(scene_data(scene, p)[0])} points)"
    n, _, k = _data_size(scene, p)
    return f"data = {Path(p['data']).name!r} ({n} points, {k} classes)"


# ---------------------------------------------------------------------------------- cross-key checks
# What each scene needs beyond one key at a time (read from the scenes' code): list lengths that
# must match, points of two coordinates, a start where the loss is defined, losses the scene can use.


class _Where:
    """Where an error is: the file and the scene, for messages."""

    def __init__(self, file: str, scene: str) -> None:
        self.file, self.scene = file, scene

    def error(self, keys: str, what: str) -> ParamsError:
        return ParamsError(f"{self.file}: {keys}: {what}")

    def key(self, key: str) -> str:
        return f"'{self.scene}.{key}'"


def _need_len(w: _Where, p: dict[str, Any], key: str, n: int, why: str) -> None:
    if len(p[key]) != n:
        raise w.error(w.key(key), f"needs {n} entries ({why}), got {len(p[key])}: {p[key]!r}")


def _need_points(w: _Where, p: dict[str, Any], key: str, dim: int = 2) -> None:
    """A point (list of ``dim`` numbers) or a list of them: every point has ``dim`` coordinates."""
    value = p[key]
    points = value if value and isinstance(value[0], list) else [value]
    for pt in points:
        if len(pt) != dim:
            raise ParamsError(f"{w.file}: {w.key(key)} must hold points of {dim} coordinates [x, y], "
                              f"got {pt!r} in {value!r}")


def _loss(name: str, **kw: Any):
    from gdcore import functions

    return functions.get(name, **kw)


def _defined_at(w: _Where, fn_key: str, fn: str, start_key: str, start: list[float], loss=None) -> None:
    """The loss ``fn`` has a finite value and gradient at ``start`` (an expression may be undefined there),
    and an expression depends on x or y and is not constant over its plotted square."""
    import warnings

    import numpy as np

    from gdcore import functions

    loss = loss or _loss(fn)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, grad = loss.value(np.asarray(start, float)), loss.grad(np.asarray(start, float))
        if fn not in functions.names():
            from gdcore.expression import Expression

            if Expression(fn).constant:
                raise w.error(f"{fn_key} = {fn!r}", "does not depend on x or y: a constant has nothing to descend; "
                                                    "write an expression in x and y")
            _, _, Z = functions.grid(loss, n=41)
            finite = Z[np.isfinite(Z)]
            if finite.size == 0 or finite.max() == finite.min():
                (x0, x1), (y0, y1) = loss.domain
                raise w.error(f"{fn_key} = {fn!r}", f"is {'undefined' if finite.size == 0 else 'constant'} on the "
                                                    f"plotted square [{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]")
    if not (np.isfinite(value) and np.isfinite(grad).all()):
        raise w.error(f"{fn_key} = {fn!r}", f"is not defined at {start_key} = {start!r} (value {float(value):g}, "
                                            f"gradient {np.round(grad, 6).tolist()}); choose a start where it is")


def _curvatures(loss, start: list[float]):
    """The Hessian's eigenvalues at ``start`` (all NaN where the Hessian is not finite)."""
    import numpy as np

    H = np.atleast_2d(loss.hessian(np.asarray(start, float)))
    if not np.isfinite(H).all():
        return np.full(H.shape[0], np.nan)
    return np.linalg.eigvalsh(0.5 * (H + H.T))


def _curvature_at(w: _Where, fn_key: str, loss, start_key: str, start: list[float]) -> None:
    """learning_rate's regimes need positive curvature at the start (lr = factor / L)."""
    L = float(_curvatures(loss, start).max())
    if not (math.isfinite(L) and L > 0):
        raise w.error(f"{fn_key}, {start_key} = {start!r}",
                      f"the learning rates are factors / L with L the largest curvature there, but it is {L:g}; "
                      f"choose a start inside a basin")


def _cross_learning_rate(w: _Where, p: dict[str, Any]) -> None:
    _need_len(w, p, "factors", 4, "one per regime: slow, good, oscillating, diverging")
    _need_len(w, p, "bowl_curvatures", 2, "a and b of the quadratic bowl")
    _need_points(w, p, "bowl_start")
    curve = _loss(p["curve"])
    _curvature_at(w, w.key("curve"), curve, w.key("x0"), [p["x0"]])
    if p["bowl"] == "quadratic":
        bowl = _loss("quadratic", a=p["bowl_curvatures"][0], b=p["bowl_curvatures"][1])
    else:
        bowl = _loss(p["bowl"])
        _defined_at(w, w.key("bowl"), p["bowl"], w.key("bowl_start"), p["bowl_start"], bowl)
    _curvature_at(w, w.key("bowl"), bowl, w.key("bowl_start"), p["bowl_start"])
    _bowl_at(w, w.key("bowl"), bowl, w.key("bowl_start"), p["bowl_start"])


def _bowl_at(w: _Where, fn_key: str, loss, start_key: str, start: list[float]) -> None:
    """learning_rate's lesson needs every curvature positive at the start (mu > 0 for 2/(L + mu))."""
    mu = float(_curvatures(loss, start).min())
    if not (math.isfinite(mu) and mu > 0):
        raise w.error(f"{fn_key}, {start_key} = {start!r}",
                      f"the smallest curvature there is {mu:g}; the best fixed rate 2/(L + mu) needs a bowl "
                      f"(all curvatures > 0): choose a start inside one")


def lr_keys() -> tuple[str, ...]:
    """The learning-rate keys of the optimizer scenes, one per optimizer in race order:
    ``lr_sgd``, ``lr_momentum``, ``lr_rmsprop``, ``lr_adam`` (:data:`gdcore.optim.NAMES`)."""
    from gdcore.optim import NAMES

    return tuple(f"lr_{name.lower()}" for name in NAMES)


def _cross_backprop(w: _Where, p: dict[str, Any]) -> None:
    _need_len(w, p, "chain_rates", 2, "walker to bicycle, bicycle to car")


def _cross_optimizers(w: _Where, p: dict[str, Any]) -> None:
    n = len(p["cases"])
    for key in ("starts", "steps", *lr_keys()):
        _need_len(w, p, key, n, f"one per case; {n} cases: {', '.join(p['cases'])}")
    _need_points(w, p, "starts")
    for i, (case, start) in enumerate(zip(p["cases"], p["starts"], strict=True)):
        _defined_at(w, f"{w.key('cases')}[{i}]", case, f"{w.key('starts')}[{i}]", start)
    if p["lr_rule"] == "grid" and not 1 <= len(p["lr_grid"]) <= _MAX_LR_GRID:
        raise w.error(w.key("lr_grid"), f"needs 1 to {_MAX_LR_GRID} learning rates to search (lr_rule = 'grid'), "
                                        f"got {len(p['lr_grid'])}")


#: The most learning rates optimizers' grid search may try per optimizer and case.
_MAX_LR_GRID = 20


def _cross_local_minima(w: _Where, p: dict[str, Any]) -> None:
    import numpy as np

    from gdcore import functions

    for key in ("curve", "surface"):
        loss = _loss(p[key])
        if key == "surface" and p[key] not in functions.names():
            # A user expression lists no minima: the scene finds them by descent from a grid of starts.
            from gdcore.explore import find_minima

            _defined_at(w, w.key(key), p[key], "its centre", [float(np.mean(r)) for r in loss.domain], loss)
            try:
                found = find_minima(loss)
            except ValueError as e:
                raise w.error(f"{w.key(key)} = {p[key]!r}", f"{e}; the scene needs a loss with minima") from None
            if len(found) < 2:
                def num(v: float) -> str:
                    return f"{round(float(v), 3) + 0.0:g}"

                where = "; ".join(f"({num(m.point[0])}, {num(m.point[1])}) value {num(m.value)}" for m in found)
                raise w.error(f"{w.key(key)} = {p[key]!r}",
                              f"gradient descent from a grid of starts over its square "
                              f"[{loss.domain[0][0]:g}, {loss.domain[0][1]:g}] x [{loss.domain[1][0]:g}, "
                              f"{loss.domain[1][1]:g}] finds {len(found)} minimum{'' if len(found) == 1 else 'a'}"
                              f"{': ' + where if found else ''}; the scene needs a local and a global one")
            continue
        if not loss.local_minima or not loss.global_minima:
            usable = [n for n in functions.names() if functions.get(n).dim == loss.dim
                      and functions.get(n).local_minima and functions.get(n).global_minima]
            raise w.error(f"{w.key(key)} = {p[key]!r}",
                          f"the scene needs a loss with a listed local and a global minimum; {p[key]!r} has "
                          f"{len(loss.local_minima)} local and {len(loss.global_minima)} global. "
                          f"Usable: {', '.join(usable)}")


def _cross_loss_surface(w: _Where, p: dict[str, Any]) -> None:
    _need_points(w, p, "start")
    _defined_at(w, w.key("function"), p["function"], w.key("start"), p["start"])
    if p["lr_rule"] == "grid" and not 1 <= len(p["lr_grid"]) <= _MAX_LR_GRID:
        raise w.error(w.key("lr_grid"), f"needs 1 to {_MAX_LR_GRID} learning rates to search (lr_rule = 'grid'), "
                                        f"got {len(p['lr_grid'])}")


def _train_steps(n: int, epochs: int, batch_size: int) -> int:
    return epochs * -(-n // min(batch_size, n))


def _cross_neural_network(w: _Where, p: dict[str, Any]) -> None:
    n = _data_size("neural_network", p)[0]
    if p["batch_size"] > n:
        if p.get("data"):
            raise w.error(f"{w.key('batch_size')} = {p['batch_size']}, {w.key('data')} = {Path(p['data']).name!r}",
                          f"a batch cannot be larger than the file's {n} points; lower batch_size")
        raise w.error(f"{w.key('batch_size')} = {p['batch_size']}, {w.key('n_points')} = {n}",
                      "a batch cannot be larger than the data; lower batch_size or raise n_points")
    steps = _train_steps(n, p["epochs"], p["batch_size"])
    if p["snapshot_every"] > steps:
        raise w.error(f"{w.key('snapshot_every')} = {p['snapshot_every']}",
                      f"is longer than the training ({p['epochs']} epochs x {steps // p['epochs']} steps = {steps} "
                      f"steps); the training animation needs snapshots along the way")


# Training samples of each dataset a scene can use (gdcore.datasets: digits' train split; the
# moons loss_landscape draws 200 points).
_DATASET_N = {"digits": 1438, "moons": 200}


def _cross_gd_variants(w: _Where, p: dict[str, Any]) -> None:
    pass  # list lengths are free; ranges (1..1438 = the digits' training set) are in the limits


def _cross_loss_landscape(w: _Where, p: dict[str, Any]) -> None:
    n = _data_size("loss_landscape", p)[0]
    if p["batch_size"] > n:
        source = (f"{w.key('data')} = {Path(p['data']).name!r}" if p.get("data")
                  else f"{w.key('dataset')} = {p['dataset']!r}")
        raise w.error(f"{w.key('batch_size')} = {p['batch_size']}, {source}",
                      f"a batch cannot be larger than the {n} training samples")
    steps = _train_steps(n, p["epochs"], p["batch_size"])
    if steps // p["snapshot_every"] < 2:
        raise w.error(f"{w.key('snapshot_every')} = {p['snapshot_every']}",
                      f"leaves fewer than 3 checkpoints in {steps} training steps ({p['epochs']} epochs of "
                      f"{steps // p['epochs']}); the PCA plane needs at least 3: use at most {max(1, steps // 2)}")


_CROSS: dict[str, Callable[[_Where, dict[str, Any]], None]] = {
    "learning_rate": _cross_learning_rate,
    "backprop": _cross_backprop,
    "optimizers": _cross_optimizers,
    "local_minima": _cross_local_minima,
    "loss_surface": _cross_loss_surface,
    "neural_network": _cross_neural_network,
    "gd_variants": _cross_gd_variants,
    "loss_landscape": _cross_loss_landscape,
}


# ---------------------------------------------------------------------------------------- budget
# The keys that drive each scene's heavy work (named in the refusal), and its estimate.

_COST_KEYS = {
    "linear_fit": ("data", "passes"),
    "neural_network": ("data", "hidden", "n_points", "epochs", "batch_size", "snapshot_every", "train_seconds"),
    "gd_variants": ("hidden", "epochs", "batch_size", "batch_sizes", "batch_epochs"),
    "loss_landscape": ("data", "dataset", "hidden", "epochs", "batch_size", "snapshot_every", "resolution",
                       "flat_batch", "sharp_batch", "sharpness_iters"),
    "loss_surface": ("function", "steps"),
    "optimizers": ("cases", "steps"),
    "local_minima": ("curve", "surface", "steps", "basin_grid", "noise_runs"),
    "learning_rate": ("steps_1d", "steps_2d"),
}
_WORK = {"linear_fit": "fitting", "neural_network": "training", "gd_variants": "training",
         "loss_landscape": "training and landscapes"}
#: Frames per second the decision boundary is recomputed at (the highest quality, 60 fps).
_FPS = 60
#: find_local_vs_global: a 15-point grid per axis, 3 learning rates, a plain run and on average
#: about two momentum runs per start and rate (measured: 5.4 s for two_basins at 150 steps).
_SEARCH_GRID, _SEARCH_RUNS = 15, 3 * 3


def _expr_nodes(name: str) -> int:
    from gdcore import functions

    if name in functions.names():
        return 0
    from gdcore.expression import Expression

    return Expression(name).n_nodes


def estimate(scene: str, p: dict[str, Any]):
    """The estimated :class:`gdcore.cost.Cost` (seconds, peak bytes) of ``scene``'s heavy work with ``p``."""
    from gdcore import cost
    from gdcore.cost import ZERO

    if scene == "neural_network":
        n, n_in, k = _data_size(scene, p)            # from the file when there is one
        sizes = [n_in, *p["hidden"], k]
        c = cost.train_cost(sizes, n, p["epochs"], p["batch_size"], p["snapshot_every"], 0, "adam")
        frames = p["train_seconds"] * _FPS        # the decision boundary on a 60 x 60 grid, every frame
        return c + cost.batched_cost(sizes, 3600, 1).times(frames)
    if scene == "gd_variants":
        sizes, n, n_test = [64, *p["hidden"], 10], _DATASET_N["digits"], 359
        total = ZERO
        for bs in [n, 1, p["batch_size"], *p["batch_sizes"]]:
            total = total + cost.train_cost(sizes, n, p["epochs"], bs, 0, n_test, "sgd")
        return total + cost.train_cost(sizes, n, p["batch_epochs"], n, 0, n_test, "sgd")   # the longer batch run
    if scene == "loss_landscape":
        n, n_in, k = _data_size(scene, p)            # from the file when there is one
        sizes = [n_in, *p["hidden"], k]
        steps = _train_steps(n, p["epochs"], p["batch_size"])
        T = steps // p["snapshot_every"] + 2
        P = cost.n_params(sizes)
        points = (p["resolution"] + 1) ** 2
        c = cost.train_cost(sizes, n, p["epochs"], p["batch_size"], p["snapshot_every"], 0, "adam")
        after = (cost.pca_cost(T, P) + cost.plane_cost(sizes, n, points).times(2)
                 + cost.batched_cost(sizes, n, T) + cost.plane_cost(sizes, n, T))
        # Flat versus sharp: two more trainings (small and large batch), each sharpness a power iteration
        # of 2 full-data gradients per step (about one full-batch training step each).
        for b in (p["flat_batch"], p["sharp_batch"]):
            after = after + cost.train_cost(sizes, n, p["epochs"], min(b, n), 0, 0, "adam")
            after = after + cost.train_cost(sizes, n, 2 * p["sharpness_iters"], n, 0, 0, "sgd")
        return c + after.holding(8.0 * 3 * T * P)     # the checkpoints, centred, projected
    if scene == "linear_fit":
        x, _ = scene_data(scene, p)                  # the file's points when there is one
        return cost.linefit_cost(len(x), p["passes"])
    if scene == "loss_surface":
        runs = 4 * (1 + len(p["lr_grid"])) if p.get("lr_rule") == "grid" else 4
        return cost.descend_cost(p["steps"], runs, _expr_nodes(p["function"]))
    if scene == "optimizers":
        total = ZERO
        runs = 4 * (1 + len(p["lr_grid"])) if p.get("lr_rule") == "grid" else 4
        for case, steps in zip(p["cases"], p["steps"], strict=True):
            total = total + cost.descend_cost(steps, runs, _expr_nodes(case))
        return total
    if scene == "local_minima":
        return (cost.descend_cost(p["steps"], _SEARCH_GRID * _SEARCH_RUNS)
                + cost.descend_cost(p["steps"], _SEARCH_GRID ** 2 * _SEARCH_RUNS, _expr_nodes(p["surface"]))
                + cost.descend_cost(p["steps"], p["basin_grid"] ** 2)
                + cost.descend_cost(p["steps"] + 2000, p["noise_runs"], _expr_nodes(p["surface"])))
    if scene == "learning_rate":
        return cost.descend_cost(p["steps_1d"], 4) + cost.descend_cost(p["steps_2d"], 4, _expr_nodes(p["bowl"]))
    return ZERO


def check_budget(where: str, scene: str, p: dict[str, Any], changed: list[str] | None = None) -> None:
    """Refuse ``scene``'s parameters ``p`` if :func:`estimate` is over the budget (4 GiB, 180 s).

    The message names the cost-driving keys the user changed (``changed``; all of them if none),
    the estimate and the budget.  Skipped when ``$GDVIZ_NO_BUDGET`` is ``1`` (by the caller).
    """
    from gdcore.cost import MEMORY_BUDGET, TIME_BUDGET, format_bytes, format_seconds

    c = estimate(scene, p)
    if not c.over(MEMORY_BUDGET, TIME_BUDGET):
        return
    all_keys = [k for k in _COST_KEYS.get(scene, ())
                if k != "data" or p.get("data")]                   # the file replaces n_points / dataset
    if p.get("data"):
        all_keys = [k for k in all_keys if k not in ("n_points", "dataset")]
    keys = [k for k in all_keys if changed is None or k in changed] or all_keys
    shown = ", ".join(_data_shown(scene, p) if k == "data" else f"{k} = {p[k]!r}" for k in keys)
    verb = "needs" if len(keys) == 1 else "need"
    raise ParamsError(f"{where}: {scene}: {shown} {verb} about {format_bytes(c.bytes)} of memory and "
                      f"{format_seconds(c.seconds)} of {_WORK.get(scene, 'compute')} (budget "
                      f"{format_bytes(MEMORY_BUDGET)}, {format_seconds(TIME_BUDGET)}); lower them or set "
                      f"{BUDGET_ENV}=1")
