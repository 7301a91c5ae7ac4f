"""Same inputs, same output: a scene with seeded data, initialisation and shuffling renders identically."""

import subprocess

import numpy as np
import pytest

from tests.rendering import render_tiny

pytestmark = pytest.mark.render


def frames(video, size="96x54"):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-s", size, "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], check=True, capture_output=True).stdout
    w, h = map(int, size.split("x"))
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def test_neural_network_renders_the_same_twice(tmp_path):
    # Two moons, weight initialisation and mini-batch shuffling are all seeded (seed = 0).
    params = tmp_path / "p.toml"
    params.write_text("[neural_network]\nepochs = 5\ntrain_seconds = 1.0\n")
    env = {"GDVIZ_PARAMS": str(params)}
    a = frames(render_tiny("neural_network.py", tmp_path / "a", env=env).video)
    b = frames(render_tiny("neural_network.py", tmp_path / "b", env=env).video)
    assert a.shape == b.shape and len(a) > 50
    assert np.array_equal(a, b), f"{int((a != b).any(axis=(1, 2, 3)).sum())} of {len(a)} frames differ"
