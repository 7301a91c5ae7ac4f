"""Project shape: gdcore never imports manim; every scene file renders without a scene name."""

import ast
from pathlib import Path

from scenes.params import defaults
from scenes.publish import _scene_classes, discover

ROOT = Path(__file__).resolve().parents[1]


def test_gdcore_never_imports_manim():
    for path in (ROOT / "gdcore").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "manim" for n in names), path.name


def test_every_scene_file_defines_exactly_one_scene_and_has_defaults():
    files = [p for p in (ROOT / "scenes").glob("*.py")
             if p.stem not in {"__init__", "__main__", "common", "params", "publish"}]
    assert len(files) == 9
    for path in files:
        assert len(_scene_classes(ast.parse(path.read_text()))) == 1, path.name
    names = {s.name for s in discover()}
    assert names == {p.stem for p in files}
    assert names <= set(defaults()), "every scene reads its parameters from scenes/defaults.toml"
