"""Render smoke test: scenes/neural_network.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_neural_network_renders(tmp_path):
    r = render_tiny("neural_network.py", tmp_path)
    assert r.frames > 100, r.frames          # about 40 s at 4 fps
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "backward" in r.srt.read_text()


def test_neural_network_draws_wide_layers_with_an_ellipsis(tmp_path):
    # Other layer sizes without editing the scene: 40-wide hidden layers are drawn as 3 + ⋮ + 3.
    params = tmp_path / "p.toml"
    params.write_text("[neural_network]\nhidden = [40, 12, 5]\nepochs = 3\ntrain_seconds = 1.0\n")
    r = render_tiny("neural_network.py", tmp_path, env={"GDVIZ_PARAMS": str(params)})
    assert r.frames > 50 and not is_blank(r.last_frame)
