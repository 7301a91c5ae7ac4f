"""Parameter files: defaults in one place, overrides validated before anything renders."""

import os

import pytest

from scenes.params import ParamsError, defaults, load_params, scene_params


def write(tmp_path, text):
    p = tmp_path / "p.toml"
    p.write_text(text)
    return p


def test_defaults_load_and_override(tmp_path, monkeypatch):
    assert defaults()["backprop"]["a"] == -3.0          # the talk's a = -3
    p = write(tmp_path, "[backprop]\na = 1.5\nb = 4\n")  # an int is fine for a float
    monkeypatch.setenv("GDVIZ_PARAMS", str(p))
    got = scene_params("backprop")
    assert (got["a"], got["b"], got["c"]) == (1.5, 4.0, 10.0)
    assert isinstance(got["b"], float)


@pytest.mark.parametrize(
    "text, words",
    [
        ("[nosuchscene]\nx = 1\n", r"unknown scene '\[nosuchscene\]'; scenes: .*backprop"),
        ("[backprop]\nzz = 1\n", "unknown key 'backprop.zz'; allowed keys: a, b, bias, c"),
        ("[backprop]\na = 'three'\n", "'backprop.a' must be a number"),
        ("[backprop]\na = true\n", "'backprop.a' must be a number"),
        ("[backprop]\na = 5000.0\n", "'backprop.a' must be a number between -1000.0 and 1000.0"),
        ("[backprop\n", "not valid TOML"),
        ("[limits]\n", "reserved"),
    ],
)
def test_bad_files_name_the_file_the_key_and_what_is_allowed(tmp_path, text, words):
    p = write(tmp_path, text)
    with pytest.raises(ParamsError, match=words) as e:
        load_params(p)
    assert str(p) in str(e.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ParamsError, match="does not exist"):
        load_params(tmp_path / "nope.toml")


def test_nested_lists_are_range_checked(tmp_path):
    ok = write(tmp_path, "[optimizers]\nstarts = [[1.0, 2.0], [0.5, 0.5], [3.0, 1.0]]\n")
    assert load_params(ok)["optimizers"]["starts"][2] == [3.0, 1.0]
    bad = write(tmp_path, "[optimizers]\nstarts = [[1.0, 2.0], [0.5, 5000.0], [3.0, 1.0]]\n")
    with pytest.raises(ParamsError, match=r"'optimizers\.starts' must be numbers between"):
        load_params(bad)


def test_expressions_and_loss_kinds(tmp_path):
    ok = write(tmp_path, "[loss_surface]\nfunction = \"x**2 + 3*sin(y)\"\n")
    assert load_params(ok)["loss_surface"]["function"] == "x**2 + 3*sin(y)"
    for text, words in [("[loss_surface]\nfunction = \"__import__('os')\"\n", "nor a valid expression"),
                        ("[loss_surface]\nfunction = \"double_well\"\n", "must be a 2-D loss"),
                        ("[learning_rate]\ncurve = \"booth\"\n", "must be a 1-D loss")]:
        with pytest.raises(ParamsError, match=words):
            load_params(write(tmp_path, text))


@pytest.mark.parametrize("scene, text, words", [
    ("learning_rate", "[learning_rate]\nx0 = 1e9\n", "'learning_rate.x0' must be a number between -100.0 and 100.0"),
    # Before issue 15 this rendered 96 partial movie files before failing inside the scene.
    ("backprop", "[backprop]\nx1 = nan\n", "'backprop.x1' must be a finite number"),
])
def test_plain_manim_with_a_bad_file_prints_the_message_not_a_traceback(tmp_path, scene, text, words):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bad = write(tmp_path, text)
    manim = Path(sys.executable).with_name("manim")
    proc = subprocess.run([str(manim), "render", "-ql", "--media_dir", str(tmp_path / "media"),
                           str(root / "scenes" / f"{scene}.py")],
                          cwd=root, capture_output=True, text=True, env={**os.environ, "GDVIZ_PARAMS": str(bad)},
                          timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out[-2000:]
    assert words in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr   # the message alone, one line
    assert "Traceback" not in out and "╭" not in out          # no Python or rich traceback
    assert not list((tmp_path / "media").rglob("*.mp4"))     # nothing rendered
