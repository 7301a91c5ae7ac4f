"""Render smoke test: scenes/loss_landscape.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_loss_landscape_renders(tmp_path):
    r = render_tiny("loss_landscape.py", tmp_path)
    assert r.frames > 60, r.frames          # about 23 s at 4 fps
    assert not is_blank(r.last_frame)
    text = r.srt.read_text() if r.srt is not None else ""
    # The network, data and optimizer are named; the contours' PC axes carry their variance; the
    # video ends on the flat-versus-sharp verdict, not on the checkpoint gap (tested in test_landscape).
    assert "Adam" in text and "PC1 and PC2 carry" in text
    assert "sharper" in text
