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
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["ParamsError", "DEFAULTS_FILE", "DEFAULTS_ENV", "ENV_VAR", "defaults", "defaults_file", "load_params",
           "scene_params"]

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
ENV_VAR = "GDVIZ_PARAMS"


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
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        inner = _type_name(v[0]) if v else "anything"
        return f"a list of {inner.removeprefix('a ')}s"
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
            for v in _flat(value):
                if not (lo <= float(v) <= hi):
                    raise ParamsError(f"{where}: '{full}' must be between {rule[0]} and {rule[1]}, got {value!r}")
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
        if kind == "loss2d" and dim != 2 or kind == "loss1d" and dim != 1:
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
    if path is None or str(path) == "":
        return base
    p = Path(path)
    if not p.is_file():
        raise ParamsError(f"{ENV_VAR}: parameter file {str(p)!r} does not exist")
    try:
        with p.open("rb") as f:
            user = tomllib.load(f)
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
