"""Issue 15's parameter cases: each input gives the one-line message (fragment) shown, before rendering.

Every case goes through load_params (what publish calls) and the message must name the key; the
plain-manim path (scene_params) must turn it into one stderr line and exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenes.params import ParamsError, estimate, load_params, scene_params

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text: str | bytes) -> Path:
    p = tmp_path / "my.toml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


CASES = [
    # --- backprop inputs had no limits: nan rendered 96 partial files before failing
    ("[backprop]\nx1 = nan\n", "'backprop.x1' must be a finite number (TOML's nan and inf are not), got nan"),
    ("[backprop]\nw2 = -inf\n", "'backprop.w2' must be a finite number"),
    ("[backprop]\nbias = 1e300\n", "'backprop.bias' must be a number between -100.0 and 100.0"),
    ("[optimizers]\nstarts = [[nan, 1.0], [1.0, 1.5], [-1.8, 0.001]]\n", "'optimizers.starts' must be a finite"),
    # --- integers say so
    ("[learning_rate]\nsteps_1d = 500\n", "'learning_rate.steps_1d' must be an integer between 1 and 200, got 500"),
    ("[learning_rate]\nsteps_1d = 2.5\n", "'learning_rate.steps_1d' must be an integer (default 10), got 2.5"),
    ("[neural_network]\nhidden = [8, 0]\n", "'neural_network.hidden' must be integers between 1 and 512"),
    # --- list lengths that must match, shapes of points, empty lists
    ("[optimizers]\ncases = [\"rosenbrock\", \"beale\"]\n",
     "'optimizers.starts': needs 2 entries (one per case; 2 cases: rosenbrock, beale), got 3"),
    ("[optimizers]\nlr_adam = [0.1]\n", "'optimizers.lr_adam': needs 3 entries (one per case"),
    ("[optimizers]\nstarts = [[1.0], [1.0, 1.5], [-1.8, 0.001]]\n",
     "'optimizers.starts' must hold points of 2 coordinates [x, y], got [1.0]"),
    ("[loss_surface]\nstart = [1.0, 2.0, 3.0]\n", "'loss_surface.start' must hold points of 2 coordinates"),
    ("[learning_rate]\nbowl_start = [1.0]\n", "'learning_rate.bowl_start' must hold points of 2 coordinates"),
    ("[learning_rate]\nfactors = [0.1, 1.0]\n",
     "'learning_rate.factors': needs 4 entries (one per regime: slow, good, oscillating, diverging), got 2"),
    ("[learning_rate]\nbowl_curvatures = [1.0, 2.0, 3.0]\n", "'learning_rate.bowl_curvatures': needs 2 entries"),
    ("[neural_network]\nhidden = []\n", "'neural_network.hidden' must not be empty (default [8, 8])"),
    ("[optimizers]\ncases = []\n", "'optimizers.cases' must not be empty"),
    ("[gd_variants]\nbatch_sizes = []\n", "'gd_variants.batch_sizes' must not be empty"),
    ("[optimizers]\nstarts = [[], [1.0, 1.5], [-1.8, 0.001]]\n", "'optimizers.starts' must not hold empty lists"),
    # --- snapshot intervals longer than training; batches larger than the data
    ("[neural_network]\nsnapshot_every = 1000\n",
     "'neural_network.snapshot_every' = 1000: is longer than the training (80 epochs x 6 steps = 480 steps)"),
    ("[loss_landscape]\nsnapshot_every = 10000\n",
     "'loss_landscape.snapshot_every' = 10000: leaves fewer than 3 checkpoints in 184 training steps"),
    ("[neural_network]\nbatch_size = 500\n", "'neural_network.batch_size' = 500, 'neural_network.n_points' = 120"),
    ("[loss_landscape]\ndataset = \"moons\"\nbatch_size = 500\n", "cannot be larger than the 200 training samples"),
    # --- losses a scene cannot use
    ("[local_minima]\nsurface = \"rosenbrock\"\n",
     "'local_minima.surface' = 'rosenbrock': the scene needs a loss with a listed local and a global minimum; "
     "'rosenbrock' has 0 local and 1 global. Usable: six_hump_camel, two_basins"),
    ("[local_minima]\ncurve = \"parabola\"\n", "Usable: double_well"),
    ("[local_minima]\nsurface = \"x**2 + y**2\"\n",
     "finds 1 minimum: (0, 0) value 0; the scene needs a local and a global one"),
    ("[learning_rate]\ncurve = \"double_well\"\nx0 = 0.0\n",
     "L the largest curvature there, but it is -2; choose a start inside a basin"),
    ("[learning_rate]\nbowl = \"-x**2 - y**2\"\nbowl_start = [1.0, 1.0]\n", "largest curvature there, but it is -2"),
    # --- expressions: NumPy semantics, one-line errors, undefined starts
    ("[loss_surface]\nfunction = \"1/0\"\n", "the constant part '1 / 0' is not a finite number (NumPy gives inf)"),
    ("[loss_surface]\nfunction = \"x + 10**400\"\n", "the constant part '10 ** 400' is not a finite number"),
    ("[loss_surface]\nfunction = \"x**(10**10**10)\"\n", "the constant part '10 ** 10 ** 10' is not a finite"),
    ("[loss_surface]\nfunction = \"e**2\"\n", "'loss_surface.function' = 'e**2': does not depend on x or y"),
    ("[loss_surface]\nfunction = \"x*(-8)**(1/3)\"\n",
     "'(-8) ** (1 / 3)' is not a real number (NumPy gives nan; a negative base needs an integer exponent)"),
    ("[loss_surface]\nfunction = \"log(x) + y**2\"\nstart = [-1.0, 1.0]\n",
     "'loss_surface.function' = 'log(x) + y**2': is not defined at 'loss_surface.start' = [-1.0, 1.0] (value nan"),
    ("[loss_surface]\nfunction = \"0*x\"\n", "is constant on the plotted square [-3, 3] x [-3, 3]"),
    ("[loss_surface]\nfunction = \"sqrt(-1 - x**2) + y\"\n", "is undefined on the plotted square"),
    ("[optimizers]\ncases = [\"rosenbrock\", \"beale\", \"log(x*y)\"]\n",
     "'optimizers.cases'[2] = 'log(x*y)': is not defined at 'optimizers.starts'[2] = [-1.8, 0.001]"),
    # --- the budget
    ("[neural_network]\nhidden = [512, 512]\nn_points = 2000\nbatch_size = 1\nepochs = 200\n",
     "neural_network: hidden = [512, 512], n_points = 2000, epochs = 200, batch_size = 1 need about "),
    ("[loss_landscape]\nhidden = [512]\nepochs = 500\nbatch_size = 1\nsnapshot_every = 1\n",
     "of training and landscapes (budget 4.0 GB, 180 s); lower them or set GDVIZ_NO_BUDGET=1"),
    ("[gd_variants]\nhidden = [1024]\nepochs = 200\n", "gd_variants: hidden = [1024], epochs = 200 need about"),
]


@pytest.mark.parametrize("text, words", CASES, ids=[c[0].split("\n")[1][:40] for c in CASES])
def test_bad_combination_is_one_line_naming_the_key(tmp_path, text, words):
    p = write(tmp_path, text)
    with pytest.raises(ParamsError) as e:
        load_params(p)
    msg = str(e.value)
    assert words in msg, msg
    assert msg.startswith(f"{p}: ") and "\n" not in msg


@pytest.mark.parametrize("text", [
    "[loss_surface]\nfunction = \"log(x) + y**2\"\nstart = [1.0, 1.0]\n",   # defined at its start: fine
    "[optimizers]\ncases = [\"rosenbrock\"]\nstarts = [[-1.5, 2.0]]\nsteps = [400]\nlr_sgd = [0.001]\n"
    "lr_momentum = [0.001]\nlr_rmsprop = [0.01]\nlr_adam = [0.1]\n",         # one case, every list of one
    "[local_minima]\nsurface = \"six_hump_camel\"\n",                           # has local minima
    "[learning_rate]\nbowl = \"x**2 + 3*y**2\"\nbowl_start = [1.0, 1.0]\n",    # an expression bowl
    "[backprop]\nx1 = 1.5\nbias = -2\n",
    "[neural_network]\nhidden = [64, 64]\nn_points = 500\n",
])
def test_good_combinations_pass(tmp_path, text):
    # The checks refuse what a scene cannot draw, not ordinary changes.
    load_params(write(tmp_path, text))


def test_the_defaults_are_within_the_budget():
    from gdcore.cost import MEMORY_BUDGET, TIME_BUDGET
    from scenes.params import defaults

    d = defaults()
    d.pop("limits")
    for scene, p in d.items():
        c = estimate(scene, p)
        assert c.seconds < TIME_BUDGET / 10 and c.bytes < MEMORY_BUDGET / 10, (scene, c)


def test_no_budget_env_skips_only_the_budget(tmp_path, monkeypatch):
    # The same over-budget file passes with GDVIZ_NO_BUDGET=1, but a cross-key error still stops it.
    over = write(tmp_path, "[gd_variants]\nhidden = [1024]\nepochs = 200\n")
    with pytest.raises(ParamsError, match="need about"):
        load_params(over)
    monkeypatch.setenv("GDVIZ_NO_BUDGET", "1")
    assert load_params(over)["gd_variants"]["hidden"] == [1024]
    with pytest.raises(ParamsError, match="must not be empty"):
        load_params(write(tmp_path, "[gd_variants]\nbatch_sizes = []\n"))


def test_non_utf8_file_and_directory(tmp_path):
    with pytest.raises(ParamsError, match=r"not UTF-8 text \(byte 0xff at offset 12\); save it as UTF-8"):
        load_params(write(tmp_path, b"[backprop]\na\xff = 1\n"))
    with pytest.raises(ParamsError, match="is a directory; give a parameter file"):
        load_params(tmp_path)


def _plain(tmp_path, body: bytes | None, path: Path | None = None, scene: str = "backprop"):
    """``python -c "from scenes.params import scene_params; ..."`` with GDVIZ_PARAMS set, as a user would."""
    target = path if path is not None else write(tmp_path, body)
    env = {**os.environ, "GDVIZ_PARAMS": str(target), "PYTHONPATH": str(ROOT)}
    env.pop("GDVIZ_NO_BUDGET", None)
    return subprocess.run([sys.executable, "-c", f"from scenes.params import scene_params; scene_params({scene!r})"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("body, words", [
    (b"[backprop]\nx1 = nan\n", "'backprop.x1' must be a finite number"),
    (b"\xff\xfe[backprop]\n", "not UTF-8 text"),
    (b"[local_minima]\nsurface = \"rosenbrock\"\n", "has 0 local and 1 global"),
    (b"[loss_surface]\nfunction = \"1/0\"\n", "'1 / 0' is not a finite number"),
    (b"[neural_network]\nhidden = [512, 512]\nn_points = 2000\nbatch_size = 1\nepochs = 200\n", "GDVIZ_NO_BUDGET=1"),
    (None, "is a directory"),
])
def test_plain_path_exits_2_with_one_stderr_line(tmp_path, body, words):
    # Any scene's scene_params() reads the whole file, so 'backprop' sees errors in other tables too.
    proc = _plain(tmp_path, body, tmp_path if body is None else None)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdviz: ") and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_scene_params_in_process_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GDVIZ_PARAMS", str(write(tmp_path, "[backprop]\nx2 = inf\n")))
    with pytest.raises(SystemExit) as e:
        scene_params("backprop")
    assert e.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
