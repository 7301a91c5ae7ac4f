"""Render smoke test: scenes/gd_variants.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_gd_variants_renders(tmp_path):
    r = render_tiny("gd_variants.py", tmp_path)
    assert r.frames > 100, r.frames          # about 36 s at 4 fps
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "epoch" in r.srt.read_text()
