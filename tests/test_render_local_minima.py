"""Render smoke test: scenes/local_minima.py writes a real video at a tiny size."""

import pytest

from tests.rendering import figure_marks, is_blank, render_tiny

pytestmark = pytest.mark.render


def test_local_minima_renders(tmp_path):
    figures = tmp_path / "figures.jsonl"
    r = render_tiny("local_minima.py", tmp_path, {"GDVIZ_FIGURES": str(figures)})
    assert r.frames > 100, r.frames          # about 42 s at 4 fps
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "momentum" in r.srt.read_text()
    # the stills issue 13 asks for are marked (blog posts take them by these names)
    marks = figure_marks(figures)
    assert {"basins", "noise-escape"} <= set(marks), sorted(marks)
