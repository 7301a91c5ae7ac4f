"""Render smoke test: scenes/local_minima.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_local_minima_renders(tmp_path):
    r = render_tiny("local_minima.py", tmp_path)
    assert r.frames > 100, r.frames          # about 42 s at 4 fps
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "momentum" in r.srt.read_text()
