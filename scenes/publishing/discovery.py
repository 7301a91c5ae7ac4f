"""Scene discovery and the input hash (the scene's code, what it imports, data, config, parameters)."""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenes.publishing.options import ROOT, SCENES_DIR

__all__ = [
    "DATA_KEY",
    "NOT_SCENES",
    "SceneInfo",
    "data_files",
    "data_record",
    "discover",
    "imported_files",
    "input_files",
    "input_hash",
    "sha256_file",
]

# Modules of the scenes package that are not scenes.  Packages (scenes/kit/, scenes/publishing/) are
# never looked at: discovery reads only the top-level ``*.py`` files.
NOT_SCENES = frozenset({"__init__", "__main__", "common", "params", "publish"})

# The packages whose modules count as inputs, and their data files (as in pyproject's package-data).
LOCAL_PACKAGES = ("gdcore", "scenes")
PACKAGE_DATA: dict[str, tuple[str, ...]] = {"gdcore": ("datasets_data/*",), "scenes": ("defaults.toml",)}


@dataclass(frozen=True)
class SceneInfo:
    """A scene file: its name (file stem), path, Scene class name and one-line description."""

    name: str
    path: Path
    class_name: str
    description: str


def _scene_classes(tree: ast.Module) -> list[str]:
    """Names of the top-level classes with a base class whose name ends in ``Scene``."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                if name.endswith("Scene"):
                    out.append(node.name)
                    break
    return out


def discover(scenes_dir: Path = SCENES_DIR) -> list[SceneInfo]:
    """Every scene file directly in ``scenes_dir`` (one Scene class per file), sorted by name.

    Sub-packages, private modules (``_x.py``), the modules in :data:`NOT_SCENES` and files
    without exactly one Scene class are skipped.
    """
    found = []
    for path in sorted(scenes_dir.glob("*.py")):
        if path.stem in NOT_SCENES or path.stem.startswith("_") or not path.is_file():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = _scene_classes(tree)
        if len(classes) != 1:
            continue
        doc = (ast.get_docstring(tree) or path.stem).strip().splitlines()[0]
        found.append(SceneInfo(path.stem, path, classes[0], doc))
    return found


def _module_files(parts: list[str], root: Path) -> list[Path]:
    """The files that importing the dotted module ``parts`` executes (package ``__init__``\\ s, then
    the module), or ``[]`` if ``parts`` is not a module of a local package under ``root``."""
    if not parts or parts[0] not in LOCAL_PACKAGES:
        return []
    files = []
    for i in range(1, len(parts) + 1):
        base = root.joinpath(*parts[:i])
        if (base / "__init__.py").is_file():
            files.append(base / "__init__.py")
        elif i == len(parts) and base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
        else:
            return []
    return files


def _package_of(path: Path, root: Path) -> list[str] | None:
    """The dotted package ``path`` belongs to (as a list), or None if it is not in a local package."""
    try:
        parts = list(path.relative_to(root).parent.parts)
    except ValueError:
        return None
    return parts if parts and parts[0] in LOCAL_PACKAGES else None


def _imported_names(tree: ast.AST, package: list[str] | None) -> list[list[str]]:
    """Every module an AST may import, as dotted parts; relative imports resolved against ``package``.

    ``from a.b import c`` yields ``a.b`` and ``a.b.c`` (``c`` may be a submodule).
    """
    names: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name.split(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = (node.module or "").split(".")
            elif package is None or node.level - 1 > len(package) - 1:
                continue
            else:
                base = package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            names.append(base)
            names += [[*base, a.name] for a in node.names if a.name != "*"]
    return names


def imported_files(path: Path, root: Path = ROOT, seen: set[Path] | None = None) -> set[Path]:
    """``path`` plus every local module it imports, transitively.

    Follows ``import a.b``, ``from a.b import c`` (``c`` a name or a submodule), packages (their
    ``__init__.py`` runs on import) and relative imports (``from .theme import X`` inside
    ``scenes/kit/``).  Only modules of :data:`LOCAL_PACKAGES` under ``root`` are followed; imports
    made by name at run time (``importlib.import_module``) are not seen.
    """
    seen = set() if seen is None else seen
    path = path.resolve()
    if path in seen or not path.is_file():
        return seen
    seen.add(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for parts in _imported_names(tree, _package_of(path, root)):
        for f in _module_files(parts, root):
            imported_files(f, root, seen)
    return seen


def input_files(scene_path: Path, root: Path = ROOT) -> list[Path]:
    """Every file whose bytes go into a scene's input hash, sorted.

    The scene's file and the local modules it imports (:func:`imported_files`); the data files of
    each local package it uses (:data:`PACKAGE_DATA`: the digits data set, the parameter
    defaults); ``defaults.toml`` beside the scene; and ``manim.cfg`` at ``root`` and beside the scene.
    """
    files = imported_files(scene_path, root)
    used = {p[0] for f in files if (p := _package_of(f, root))}
    for pkg in sorted(used):
        for pattern in PACKAGE_DATA.get(pkg, ()):
            files |= {f.resolve() for f in (root / pkg).glob(pattern) if f.is_file()}
    for extra in (scene_path.parent / "defaults.toml", root / "manim.cfg", scene_path.parent / "manim.cfg"):
        if extra.is_file():
            files.add(extra.resolve())
    return sorted(files)


#: The parameter naming a scene's own data file (``scenes.params.DATA_RULES``; resolved to an absolute path).
DATA_KEY = "data"


def data_files(params: dict[str, Any]) -> list[Path]:
    """The data files a scene's parameters name (``data = "file.csv"``): inputs of that scene only."""
    value = params.get(DATA_KEY)
    return [Path(value)] if isinstance(value, str) and value else []


def data_record(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's entry for a scene's data files: path, size and SHA-256 of each."""
    return [{"path": str(f), "bytes": f.stat().st_size, "sha256": sha256_file(f)} for f in data_files(params)]


def input_hash(scene: SceneInfo, params: dict[str, Any], settings: dict[str, Any], root: Path = ROOT) -> str:
    """SHA-256 over the scene's input files (:func:`input_files`), its data file (:func:`data_files`),
    its parameters and the output settings.

    The data file counts by its bytes, not its path: in the parameters hashed, its path is replaced
    by its SHA-256, so an edited file re-renders its scene (and no other), while the same file read
    from another folder does not.

    Parameters
    ----------
    scene : SceneInfo
        The scene.
    params : dict
        Its effective parameters (defaults with the user's file applied).
    settings : dict
        Output settings (:meth:`PublishOptions.settings`).
    root : Path
        The project root that local imports resolve against.

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    root = root.resolve()
    for f in input_files(scene.path, root):
        name = str(f.relative_to(root)) if f.is_relative_to(root) else str(f)
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    hashed = dict(params)
    for f in data_files(params):
        hashed[DATA_KEY] = {"sha256": sha256_file(f)}
    h.update(json.dumps(hashed, sort_keys=True).encode())
    h.update(json.dumps(settings, sort_keys=True).encode())
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
