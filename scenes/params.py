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
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["ParamsError", "DEFAULTS_FILE", "ENV_VAR", "defaults", "load_params", "scene_params"]

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
ENV_VAR = "GDVIZ_PARAMS"


class ParamsError(ValueError):
    """A parameter file names an unknown scene or key, or gives a value of the wrong type."""


def defaults() -> dict[str, dict[str, Any]]:
    """All scenes' default parameters, read from ``scenes/defaults.toml``."""
    with DEFAULTS_FILE.open("rb") as f:
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


def load_params(path: str | os.PathLike[str] | None) -> dict[str, dict[str, Any]]:
    """Defaults for every scene with the file at ``path`` (if any) applied on top."""
    base = defaults()
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
        if scene not in base:
            raise ParamsError(f"{p}: unknown scene '[{scene}]'; scenes: {', '.join(sorted(base))}")
        if not isinstance(table, dict):
            raise ParamsError(f"{p}: '{scene}' must be a table ([{scene}]), got {table!r}")
        out[scene] = _merge(base[scene], table, str(p), scene)
    return out


def scene_params(scene: str) -> dict[str, Any]:
    """The parameters of ``scene``: its defaults, overridden by ``$GDVIZ_PARAMS`` if set."""
    all_params = load_params(os.environ.get(ENV_VAR))
    if scene not in all_params:
        raise ParamsError(f"no defaults for scene {scene!r} in {DEFAULTS_FILE}")
    return all_params[scene]
