"""scenes/loss_landscape.py rendered at a tiny size: what its captions say.
(That it renders at all is a row of tests/test_render_smoke.py, which shares this render.)"""

import pytest

pytestmark = pytest.mark.render


def test_loss_landscape_captions_name_the_run_and_end_on_the_verdict(tiny_render):
    r = tiny_render("loss_landscape.py")
    assert r.srt is not None
    text = r.srt.read_text()
    # The network, data and optimizer are named; the 3-D surfaces say their height is a log scale with
    # nothing cut off (no clipped shelves) and that the random directions are filter-normalized; the
    # contours' PC axes carry their variance; flat versus sharp compares the two runs at the same training
    # loss, by the curvature at the trained weights and the loss a step either way adds; the video ends on
    # what flatness is thought to mean, not on the checkpoint gap (tested in test_landscape_views).
    assert "Adam" in text and "8x8 handwritten digits" in text
    assert "on a log scale" in text and "nothing cut off" in text and "filter-normalized" in text
    assert "PC1 and PC2 (" in text and "of the path's spread" in text
    assert "trained until its loss was as low" in text
    assert "weights curve 1.4x more: 1.01 against 0.709" in text
    assert "raises batch 1024's loss 1.7x more" in text and "sharper weights" in text
    last = text.strip().split("\n\n")[-1]
    assert "generalize" in last and "only the training loss" in last, last
    assert "gap" not in text.lower() and "minimum is" not in text
