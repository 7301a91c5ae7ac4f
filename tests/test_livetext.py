"""LiveText: readouts assembled from cached glyphs must look exactly like Text, and stay drawn.

Every scene's live readouts (step counters, m and b, the legend's losses) use it, because a new
Text per frame cost most of a render (linear_fit: 61 s -> 13 s).
"""

from __future__ import annotations

import numpy as np
import pytest
from manim import Scene, Text, ValueTracker, VGroup, tempconfig

from scenes.kit import THEME, LiveText


def drawn(live: LiveText) -> list:
    return [g for g in live.glyph_group if len(g.points)]


@pytest.mark.parametrize("s", ["m = +1.8940  MSE = 0.0312", "step 12/400", "ζ = 1.5 ~ η"])  # ζ is not in the atlas
def test_glyphs_sit_where_text_puts_them(s):
    # Same outlines, same relative positions as Pango's own layout (to 1e-5 scene units).
    text = Text(s, font=THEME.mono, font_size=THEME.label_size)
    live = LiveText(s)
    glyphs = drawn(live)
    assert len(glyphs) == len(text.submobjects) == len(s.replace(" ", ""))
    d = text[0].get_center() - glyphs[0].get_center()
    for a, b in zip(text.submobjects, glyphs, strict=True):
        np.testing.assert_allclose(a.get_center() - d, b.get_center(), atol=1e-5)
        assert abs(a.width - b.width) < 1e-9 and abs(a.height - b.height) < 1e-9


def test_set_text_keeps_left_end_baseline_slots_and_opacity():
    live = LiveText("loss 2.1", capacity=8).to_corner().scale(1.5)
    slots = list(live.glyph_group.submobjects)
    first = drawn(live)[0].get_center()
    live.set_opacity(0.4)
    live.set_text("l0ss -1.03")           # longer than the capacity: two slots are added
    assert live.glyph_group.submobjects[:8] == slots
    assert len(drawn(live)) == 9
    # Same first glyph "l", same place; the line was scaled by 1.5 and kept it.
    np.testing.assert_allclose(drawn(live)[0].get_center(), first, atol=1e-9)
    assert {round(float(g.get_fill_opacity()), 6) for g in live.glyph_group} == {0.4}
    live.set_text("")
    assert drawn(live) == []


def _last_frame(scene_cls, tmp_path) -> np.ndarray:
    with tempconfig({"pixel_width": 192, "pixel_height": 108, "frame_rate": 4, "write_to_movie": False,
                     "media_dir": str(tmp_path), "disable_caching": True, "progress_bar": "none",
                     "verbosity": "ERROR"}):
        scene = scene_cls()
        scene.render()
        return np.array(scene.renderer.get_frame())


class _Counting(Scene):
    def construct(self):
        tracker = ValueTracker(0)
        counter = LiveText("step 0", font_size=48)
        self.add(counter)
        counter.add_updater(lambda m: m.set_text(f"step {int(tracker.get_value())}"))
        self.play(tracker.animate.set_value(123), run_time=1)
        self.wait(0.25)


class _Swapping(Scene):
    """What LiveText avoids: new glyph objects each frame (manim keeps drawing the old ones)."""

    def construct(self):
        tracker = ValueTracker(0)
        counter = VGroup(Text("step 0", font=THEME.mono, font_size=48))
        self.add(counter)

        def swap(m):
            m.submobjects = [Text(f"step {int(tracker.get_value())}", font=THEME.mono, font_size=48)]

        counter.add_updater(swap)
        self.play(tracker.animate.set_value(123), run_time=1)
        self.wait(0.25)


class _Still(Scene):
    def construct(self):
        self.add(LiveText("step 123", font_size=48))
        self.wait(0.25)


def test_a_counter_changing_during_an_animation_ends_as_the_still_frame(tmp_path):
    still = _last_frame(_Still, tmp_path)
    assert still.max() > 100                            # the text is there
    assert np.array_equal(_last_frame(_Counting, tmp_path), still)
    # The comparison can fail: swapping in new Text objects leaves "step 0" drawn under "step 123".
    assert not np.array_equal(_last_frame(_Swapping, tmp_path), still)
