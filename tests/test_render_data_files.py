"""Render smoke tests of issue 18: each data scene renders from an example file (examples/), and
its captions say the data was standardized for training and how many points it has."""

from pathlib import Path

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def params(tmp_path: Path, text: str) -> dict[str, str]:
    p = tmp_path / "p.toml"
    p.write_text(text)
    return {"GDVIZ_PARAMS": str(p)}


def test_linear_fit_fits_the_house_prices(tmp_path):
    # The example parameter file itself (paths relative to examples/, wherever manim runs).
    r = render_tiny("linear_fit.py", tmp_path, env={"GDVIZ_PARAMS": str(EXAMPLES / "my_data.toml")})
    srt = r.srt.read_text()
    assert r.frames > 100 and not is_blank(r.last_frame)
    assert "three points" in srt and "standardized copy" in srt, srt          # the file's 3 houses, not six points
    assert "SGD ends close to the least-squares line" in srt, srt


def test_neural_network_trains_on_the_exam_results(tmp_path):
    env = params(tmp_path, f'[neural_network]\ndata = "{EXAMPLES / "exam_results.csv"}"\nepochs = 10\n'
                           f'train_seconds = 1.0\n')
    r = render_tiny("neural_network.py", tmp_path, env=env)
    srt = r.srt.read_text()
    assert r.frames > 50 and not is_blank(r.last_frame)
    assert "on 40 points" in srt and "standardized copy of x₁ and x₂" in srt, srt


def test_neural_network_draws_three_classes_from_a_file(tmp_path):
    rows = ["x1,x2,label"] + [f"{(k * 3 + i % 5) * 0.3:.2f},{(i * 7 % 11) * 0.2 + k:.2f},{k}"
                              for k in range(3) for i in range(10)]
    (tmp_path / "three.csv").write_text("\n".join(rows) + "\n")
    env = params(tmp_path, '[neural_network]\ndata = "three.csv"\nepochs = 5\ntrain_seconds = 1.0\nbatch_size = 10\n')
    r = render_tiny("neural_network.py", tmp_path, env=env)
    srt = r.srt.read_text()
    assert not is_blank(r.last_frame) and "on 30 points" in srt and "2 → 8 → 8 → 3 neurons" in srt, srt


def test_loss_landscape_trains_on_the_exam_results(tmp_path):
    env = params(tmp_path, f'[loss_landscape]\ndata = "{EXAMPLES / "exam_results.csv"}"\nbatch_size = 10\n'
                           f'epochs = 10\nresolution = 6\npath_seconds = 1.0\n')
    r = render_tiny("loss_landscape.py", tmp_path, env=env)
    srt = r.srt.read_text()
    assert r.frames > 40 and not is_blank(r.last_frame)
    assert "standardized copy of the 40 points" in srt, srt
