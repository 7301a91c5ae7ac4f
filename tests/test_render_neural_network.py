"""Render smoke test: scenes/neural_network.py writes a real video at a tiny size."""

import numpy as np
import pytest

from tests.rendering import figure_marks, frame_at, is_blank, render_tiny

pytestmark = pytest.mark.render


def test_neural_network_draws_wide_layers_with_an_ellipsis(tmp_path):
    # Other layer sizes without editing the scene: 40-wide hidden layers are drawn as 3 + ⋮ + 3.
    params = tmp_path / "p.toml"
    params.write_text("[neural_network]\nhidden = [40, 12, 5]\nepochs = 3\ntrain_seconds = 1.0\n")
    r = render_tiny("neural_network.py", tmp_path, env={"GDVIZ_PARAMS": str(params)})
    assert r.frames > 50 and not is_blank(r.last_frame)


def test_the_diagram_changes_as_the_network_trains(tmp_path):
    # The diagram is redrawn from the training snapshots: its edges and neuron fills at the end of
    # training must differ from the untrained network shown before training.  (A diagram whose
    # updater never ran -- it was not in the scene -- kept its initial weights: a difference of 0.)
    marks_file = tmp_path / "marks.jsonl"
    params = tmp_path / "p.toml"
    params.write_text("[neural_network]\nepochs = 20\ntrain_seconds = 2.0\n")
    r = render_tiny("neural_network.py", tmp_path,
                    env={"GDVIZ_PARAMS": str(params), "GDVIZ_FIGURES": str(marks_file)})
    marks = figure_marks(marks_file)
    # One frame (1/4 s at 4 fps) before each mark: the state the mark describes.
    before = frame_at(r.video, marks["backward"] - 0.3, tmp_path / "before.png").astype(int)
    after = frame_at(r.video, marks["trained"] - 0.3, tmp_path / "after.png").astype(int)
    h, w, _ = before.shape
    # The diagram's box: below the title, above the caption, left half of the frame.
    box = (slice(int(0.2 * h), int(0.85 * h)), slice(0, int(0.5 * w)))
    changed = (np.abs(before[box] - after[box]).sum(axis=2) > 60).mean()
    assert changed > 0.01, f"only {changed:.2%} of the diagram's pixels changed during training"


def test_neural_network_with_relu(tmp_path):
    # activation = "relu": the scene renders, names ReLU in its caption, and the update step's caption
    # stays true.  The followed example (scenes.neural_network.example_index: the first training point
    # that leaves a neuron on in every hidden layer) has 57 of the 114 gradients nonzero: the other
    # neurons are off (z < 0) for it and pass no gradient back, so the caption says 57 of 114 moved.
    params = tmp_path / "p.toml"
    params.write_text('[neural_network]\nactivation = "relu"\nepochs = 10\ntrain_seconds = 1.0\n')
    marks_file = tmp_path / "marks.jsonl"
    r = render_tiny("neural_network.py", tmp_path, env={"GDVIZ_PARAMS": str(params), "GDVIZ_FIGURES": str(marks_file)})
    srt = r.srt.read_text()
    assert r.frames > 50 and not is_blank(r.last_frame)
    assert "here ReLU, max(0, z)" in srt, srt
    assert "57 of 114 weights and biases moved" in srt, srt
    # Training is not the plain step shown: the captions say which optimizer and that it restarts.
    assert "starting again from the initial weights" in srt and "It uses Adam (lr 0.02)" in srt, srt
    assert {"update-step", "probability-map"} <= set(figure_marks(marks_file))
