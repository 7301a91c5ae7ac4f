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


def _scene_files() -> list[Path]:
    return [p for p in (ROOT / "scenes").glob("*.py")
            if p.stem not in {"__init__", "__main__", "common", "params", "publish"}]


def test_scene_files_take_sizes_and_colours_from_the_kit():
    """The type scale and the palette live in scenes/kit/theme.py: a scene file names TYPE.X or a
    theme role, never a literal size (``font_size=16``), an old theme size (``THEME.small_size``)
    or a literal colour (``"#FF0000"``)."""
    import re

    literal_size = re.compile(r"font_size\s*[=:]\s*\d|[\"']font_size[\"']\s*:\s*\d"
                              r"|THEME\.(small|label|title|caption)_size")
    literal_colour = re.compile(r"[\"']#[0-9A-Fa-f]{6}[\"']")
    problems = []
    for path in _scene_files():
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if literal_size.search(line) or literal_colour.search(line):
                problems.append(f"{path.name}:{n}: {line.strip()}")
    assert not problems, "\n".join(problems)


def test_every_scene_is_built_on_a_kit_base_with_its_parameter_table():
    for path in _scene_files():
        tree = ast.parse(path.read_text())
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and _scene_classes(ast.Module([n], [])))
        bases = {b.id for b in cls.bases if isinstance(b, ast.Name)}
        assert bases & {"StoryScene", "StoryThreeDScene"}, f"{path.name}: {bases}"
        keys = [n.value.value for n in cls.body if isinstance(n, ast.Assign)
                and any(getattr(t, "id", "") == "params_key" for t in n.targets)]
        assert keys == [path.stem], path.name
