"""Publish without rendering: the input hash's import walker, discovery, options, previews, --no-budget."""

from __future__ import annotations

import doctest
import importlib
import io
import os
import re
import subprocess
from pathlib import Path

import pytest

from scenes.params import ParamsError
from scenes.publishing import PublishError, PublishOptions, discover, input_files, input_hash
from scenes.publishing.discovery import SceneInfo
from scenes.publishing.options import ROOT, SCENES_DIR
from scenes.publishing.previews import check_previews_allowed, update_previews
from scenes.publishing.render import BUDGET_ENV, render_env

SCENE = '''"""A scene using the kit."""
from manim import Scene
from scenes.kit import Panel
from gdcore.datasets import load

class ThingScene(Scene):
    def construct(self):
        pass
'''


def write(root: Path, rel: str, text: str = "") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


@pytest.fixture
def project(tmp_path) -> Path:
    """A miniature project: scenes/kit/ as a package with relative imports, gdcore with data."""
    root = tmp_path
    write(root, "scenes/__init__.py")
    write(root, "scenes/kit/__init__.py", "from .panel import Panel\nfrom . import theme\n")
    write(root, "scenes/kit/panel.py", "from .theme import INK\nfrom ..params import scene_params\n")
    write(root, "scenes/kit/theme.py", "INK = 1\n")
    write(root, "scenes/kit/unused.py", "X = 1\n")
    write(root, "scenes/params.py", "def scene_params(n): return {}\n")
    write(root, "scenes/publish.py", "")
    write(root, "scenes/defaults.toml", "[thing]\n")
    write(root, "scenes/thing.py", SCENE)
    write(root, "scenes/helpers.py", "def f(): pass\n")                       # no Scene: not a scene
    write(root, "scenes/kit/demo.py", "from manim import Scene\nclass DemoScene(Scene): pass\n")
    write(root, "gdcore/__init__.py", "")
    write(root, "gdcore/datasets.py", "def load(): pass\n")
    write(root, "gdcore/unrelated.py", "")
    write(root, "gdcore/datasets_data/digits.npz", "data")
    write(root, "manim.cfg", "[CLI]\nframe_rate = 60\n")
    return root


def rel(files: list[Path], root: Path) -> set[str]:
    return {str(f.relative_to(root.resolve())) for f in files}


def test_the_walker_follows_packages_and_relative_imports(project):
    files = rel(input_files(project / "scenes" / "thing.py", project), project)
    assert {"scenes/thing.py", "scenes/__init__.py", "scenes/kit/__init__.py", "scenes/kit/panel.py",
            "scenes/kit/theme.py", "scenes/params.py", "gdcore/__init__.py", "gdcore/datasets.py"} <= files
    assert {"scenes/defaults.toml", "gdcore/datasets_data/digits.npz", "manim.cfg"} <= files
    assert not {"scenes/kit/unused.py", "gdcore/unrelated.py", "scenes/helpers.py"} & files


@pytest.mark.parametrize("changed, matters", [
    ("scenes/kit/theme.py", True),                  # reached only through `from .theme import INK`
    ("scenes/params.py", True),                     # reached through `from ..params import ...`
    ("gdcore/datasets_data/digits.npz", True),      # package data
    ("manim.cfg", True),
    ("scenes/kit/unused.py", False),
    ("gdcore/unrelated.py", False),
])
def test_the_input_hash_changes_exactly_when_an_input_does(project, changed, matters):
    scene = SceneInfo("thing", project / "scenes" / "thing.py", "ThingScene", "")
    before = input_hash(scene, {"a": 1}, {"quality": "low"}, project)
    with (project / changed).open("a") as f:
        f.write("\n# edited\n")
    after = input_hash(scene, {"a": 1}, {"quality": "low"}, project)
    assert (before != after) == matters
    assert input_hash(scene, {"a": 2}, {"quality": "low"}, project) != after
    assert input_hash(scene, {"a": 1}, {"quality": "high"}, project) != after


def test_discovery_skips_packages_and_modules_without_one_scene(project):
    assert [s.name for s in discover(project / "scenes")] == ["thing"]


def test_the_real_scenes_hash_their_config_and_data():
    backprop = next(s for s in discover() if s.name == "backprop")
    files = rel(input_files(backprop.path), ROOT)
    assert {"scenes/backprop.py", "manim.cfg", "scenes/defaults.toml"} <= files
    assert "scenes/publish.py" not in files and not any("publishing" in f for f in files)


@pytest.mark.parametrize("change, words", [
    ({"jobs": 0}, "--jobs must be >= 1, got 0"),
    ({"gif_width": 8}, "--gif-width must be >= 16 pixels, got 8"),
    ({"gif_fps": 0}, "--gif-fps must be >= 1, got 0"),
    ({"quality": "8k"}, "--quality must be one of low, medium, high, 4k, got '8k'"),
])
def test_bad_options_are_one_line_naming_the_option_and_the_range(change, words, capsys):
    from scenes.publishing.cli import main

    argv = {"jobs": ["--jobs", "0"], "gif_width": ["--gif-width", "8"], "gif_fps": ["--gif-fps", "0"]}
    with pytest.raises(PublishError, match=re.escape(words)):
        PublishOptions(**change).check()
    key = next(iter(change))
    if key in argv:
        assert main(["publish", *argv[key]]) == 2
        err = capsys.readouterr().err
        assert err == f"error: {words}\n"


ALL = ["a", "b", "c"]


@pytest.mark.parametrize("opts, selected, why", [
    (PublishOptions(update_previews=True), ALL, None),
    (PublishOptions(update_previews=True, only=("a",)), ["a"], "every scene (no --only)"),
    (PublishOptions(update_previews=True, quality="low"), ALL, "--quality high"),
    (PublishOptions(update_previews=True, theme="light"), ALL, "dark theme"),
    (PublishOptions(update_previews=True, scenes_dir=ROOT / "tests"), ALL, "the project's own scenes"),
    (PublishOptions(quality="low", only=("a",)), ["a"], None),      # no flag: nothing to refuse
])
def test_previews_are_refused_unless_the_publish_is_full_and_high_quality(opts, selected, why):
    if why is None:
        check_previews_allowed(opts, ALL, selected)
    else:
        with pytest.raises(PublishError, match=re.escape(why)):
            check_previews_allowed(opts, ALL, selected)


def test_update_previews_writes_the_pngs_and_only_the_readme_block(tmp_path):
    out, preview = tmp_path / "out", tmp_path / "preview"
    (out / "s1").mkdir(parents=True)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=640x360", "-frames:v", "1",
                    str(out / "s1" / "s1-last.png")], check=True)
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- previews:start -->\nold\n<!-- previews:end -->\noutro\n")
    written = update_previews(out, {"scenes": {"s1": {}}}, readme, preview, width=160)
    assert written == [preview / "s1.png"] and (preview / "s1.png").stat().st_size > 0
    text = readme.read_text()
    assert text.startswith("intro\n<!-- previews:start -->") and text.endswith("<!-- previews:end -->\noutro\n")
    assert "| `s1` | ![s1](media/preview/s1.png) |" in text and "old" not in text


def test_no_budget_sets_the_variable_for_publishs_own_parameter_loading(monkeypatch, tmp_path):
    import scenes.publishing.run as run

    seen = []

    def fake_load(path):
        seen.append(os.environ.get(BUDGET_ENV))
        if os.environ.get(BUDGET_ENV) != "1":
            raise ParamsError("p.toml: 'tiny.size' needs about 9 GB, more than the budget of 2 GB")
        return {}

    monkeypatch.setattr(run, "load_params", fake_load)
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    blocker = tmp_path / "file"
    blocker.write_text("")
    err = io.StringIO()
    assert run.publish(PublishOptions(out=blocker / "out", scenes_dir=SCENES_DIR), err) == 2
    assert err.getvalue() == "error: p.toml: 'tiny.size' needs about 9 GB, more than the budget of 2 GB\n"
    err = io.StringIO()
    assert run.publish(PublishOptions(out=blocker / "out", no_budget=True), err) == 2
    assert "cannot write to the output folder" in err.getvalue()       # got past the parameters
    assert seen == [None, "1"]
    assert BUDGET_ENV not in os.environ                                 # restored afterwards


def test_renders_get_no_budget_only_when_asked(tmp_path):
    env_on = render_env(PublishOptions(no_budget=True), None, tmp_path / "f.jsonl")
    env_off = render_env(PublishOptions(), None, tmp_path / "f.jsonl")
    assert env_on[BUDGET_ENV] == "1"
    assert env_off.get(BUDGET_ENV) == os.environ.get(BUDGET_ENV)


@pytest.mark.parametrize("name", ["discovery", "render", "run", "store", "options"])
def test_docstring_examples(name):
    module = importlib.import_module(f"scenes.publishing.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_importing_prints_nothing():
    import sys

    proc = subprocess.run([sys.executable, "-c", "import scenes.publishing, scenes.publish"], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
