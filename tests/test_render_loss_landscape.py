"""Render smoke test: scenes/loss_landscape.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_loss_landscape_renders(tmp_path):
    r = render_tiny("loss_landscape.py", tmp_path)
    assert r.frames > 60, r.frames          # about 23 s at 4 fps
    assert not is_blank(r.last_frame)
    text = r.srt.read_text() if r.srt is not None else ""
    # The network, data and optimizer are named; the 3-D surfaces say their height is a log scale with
    # nothing cut off (no clipped shelves); the contours' PC axes carry their variance; flat versus
    # sharp compares the two minima at the same training loss; the video ends on what the sharpness
    # numbers mean, not on the checkpoint gap (that number is tested in test_landscape_views).
    assert "Adam" in text and "8x8 handwritten digits" in text
    assert "on a log scale" in text and "nothing cut off" in text
    assert "PC1 and PC2 (" in text and "of the path's spread" in text
    assert "trained until its loss was as low" in text
    last = text.strip().split("\n\n")[-1]
    assert "sharper" in text and "costs" in last and "x more loss" in last, last
    assert "gap" not in text.lower()
