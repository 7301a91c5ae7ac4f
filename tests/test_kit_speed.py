"""The kit's speed work-arounds change no pixel: the same tiny scene rendered with and without them.

``play_alone`` (scenes/kit/text.py) holds other mobjects' updaters while a caption or title
fades; ``_share_svg_source_paths`` (scenes/kit/scene.py) lets copies of a glyph share its parsed
SVG path.  The scenes here are rendered in-process at 160x90, 15 fps, with every frame manim
hands to its writer collected (``CairoRenderer.add_frame``), and compared exactly.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pytest
from manim import (
    DEGREES,
    RIGHT,
    Create,
    Dot,
    Line,
    ThreeDAxes,
    ValueTracker,
    always_redraw,
    linear,
    tempconfig,
)
from manim.renderer.cairo_renderer import CairoRenderer

import scenes.kit.text as kit_text
from scenes.kit import StoryScene, StoryThreeDScene
from scenes.kit.text import Caption, LiveText


class _Params:
    params_key = "linear_fit"      # any table: these scenes read no parameter


class Tracked(_Params, StoryScene):
    """A tracker-driven line and readout (non-time updaters) while captions come and go, a
    tracker set without an animation just before a caption (the held updaters must still show
    it), and a caption's reading hold (a frozen wait in manim either way)."""

    def construct(self) -> None:
        t = ValueTracker(0.0)
        line = always_redraw(lambda: Line(np.array([-3.0, -1, 0]), np.array([-3 + t.get_value(), 1, 0])))
        readout = LiveText("t = 0.00").to_corner(RIGHT)
        readout.add_updater(lambda m: m.set_text(f"t = {t.get_value():.2f}"))
        dot = Dot().add_updater(lambda d: d.move_to([t.get_value() - 3, -1, 0]))
        self.add(line, readout, dot)
        self.set_title("A title")
        self.say("The line follows the tracker; this caption fades in while it is still.")
        self.play(t.animate.set_value(4.0), run_time=1, rate_func=linear)
        t.set_value(5.0)                      # jumps between plays: the next fade must show it
        self.say("A second caption: the old one fades out, this one fades in.")
        self.set_title("Another title")
        self.wait(0.5)


class Turning(_Params, StoryThreeDScene):
    """Ambient camera rotation is a time-based updater: captions must fade with it running."""

    def construct(self) -> None:
        self.set_camera_orientation(phi=60 * DEGREES, theta=-45 * DEGREES)
        axes = ThreeDAxes(x_range=[-2, 2], y_range=[-2, 2], z_range=[-1, 1])
        self.play(Create(axes), run_time=0.5)
        self.set_title("Still camera")
        self.begin_ambient_camera_rotation(rate=20 * DEGREES)
        self.say("The camera turns while this caption fades in and is read.")
        self.say("A second caption while it still turns.")


def _frames(scene_cls, hold: bool, monkeypatch, verdicts: list[bool] | None = None) -> list[np.ndarray]:
    frames: list[np.ndarray] = []
    original = CairoRenderer.add_frame
    decide = kit_text._nothing_else_moves

    def noted(scene):  # type: ignore[no-untyped-def]
        verdict = decide(scene)
        if verdicts is not None:
            verdicts.append(verdict)
        return verdict

    def grab(self, frame, num_frames=1):  # type: ignore[no-untyped-def]
        frames.extend([frame.copy()] * num_frames)
        return original(self, frame, num_frames)

    monkeypatch.setattr(CairoRenderer, "add_frame", grab)
    monkeypatch.setattr(kit_text, "_nothing_else_moves", noted)
    monkeypatch.setattr(kit_text, "HOLD_UPDATERS", hold)
    with tempconfig({"pixel_width": 160, "pixel_height": 90, "frame_rate": 15, "dry_run": True,
                     "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}):
        scene_cls().render()
    monkeypatch.undo()
    return frames


@pytest.mark.render
@pytest.mark.parametrize(("scene_cls", "holds"), [(Tracked, {True}), (Turning, {True, False})])
def test_held_updaters_draw_the_same_frames(scene_cls, holds, monkeypatch):
    """Every frame identical (max difference 0 of 255) and as many of them.  Tracked: all six
    fades (two titles in, one out, two captions in, one out) hold the updaters; its tracker jump
    between plays is in the first fade-out's frames only because the updaters run once before
    being held (without that line the frames differ).  Turning: the first title's fade holds
    (before the rotation starts), the later fades do not."""
    verdicts: list[bool] = []
    held = _frames(scene_cls, True, monkeypatch, verdicts)
    assert set(verdicts) == holds
    plain = _frames(scene_cls, False, monkeypatch)
    assert len(held) == len(plain) > 60
    diff = max(int(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(held, plain, strict=True))
    assert diff == 0
    # the frames are not all alike: the test would pass vacuously on a blank scene
    assert len({a.tobytes() for a in plain}) > 20


def test_a_time_based_updater_means_no_hold():
    """Ambient rotation (a tracker whose updater takes dt) makes _nothing_else_moves False."""
    with tempconfig({"dry_run": True, "progress_bar": "none", "verbosity": "ERROR"}):
        scene = Turning()
        scene.setup()
        assert kit_text._nothing_else_moves(scene)
        scene.begin_ambient_camera_rotation(rate=0.1)
        assert not kit_text._nothing_else_moves(scene)


def test_copies_of_a_caption_share_the_svg_paths_and_nothing_else():
    """A copy shares each glyph's parsed SVG path (read only at construction) but has its own
    points and colours; copying a two-line caption takes under 30 ms (67 ms when the paths
    were deep-copied; about 9 ms now on this machine)."""
    group = Caption().make("The fitted line passes through the cloud of points;\n"
                           "its slope says how much the price grows per square metre.")
    twin = group.copy()
    a, b = group.family_members_with_points()[0], twin.family_members_with_points()[0]
    assert a.path_obj is b.path_obj
    assert a.points is not b.points and np.array_equal(a.points, b.points)
    assert a.fill_rgbas is not b.fill_rgbas
    b.shift(RIGHT)
    assert not np.array_equal(a.points, b.points)
    t0 = time.process_time()
    for _ in range(5):
        copy.deepcopy(group)
    assert (time.process_time() - t0) / 5 < 0.030
