"""The kit's reading-time, caption and axis rules, checked without rendering."""

from __future__ import annotations

import numpy as np
import pytest

from scenes.kit import (
    MIN_GLYPH_PX,
    TEXT_CAP_PX_PER_POINT,
    TYPE,
    Caption,
    PlotAxes,
    hold_time,
    label_text,
    split_caption,
    tick_label,
)
from scenes.kit.text import CAPTION_LINE


class FakeScene:
    """Just enough of a manim Scene for Caption: a clock, play/wait that advance it, subtitles."""

    def __init__(self) -> None:
        self.time = 0.0
        self.subtitles: list[tuple[float, float, str]] = []
        self.on_screen: list[object] = []

    def play(self, *anims, run_time: float = 1.0) -> None:
        self.time += run_time

    def wait(self, t: float = 1.0) -> None:
        self.time += t

    def add_subcaption(self, content: str, duration: float = 1.0, offset: float = 0.0) -> None:
        start = self.time + offset
        self.subtitles.append((start, start + duration, content))


def test_hold_time_is_15_characters_a_second_and_at_least_1_5_s():
    assert hold_time("Hi.") == 1.5                 # 3 characters would be 0.2 s: the floor wins
    assert hold_time("x" * 45) == pytest.approx(3.0)  # 45 / 15
    assert hold_time("  padded  ") == 1.5          # surrounding spaces are not read


def test_split_caption_makes_screens_of_at_most_two_lines():
    text = ("The steep direction sets the largest stable step. The shallow direction sets the pace, "
            "so the best fixed rate sits between the two curvatures and zig-zags across the valley.")
    screens = split_caption(text)
    assert len(screens) >= 2
    for s in screens:
        lines = s.split("\n")
        assert len(lines) <= 2
        assert all(len(line) <= CAPTION_LINE for line in lines)
    # Nothing lost or reordered.
    assert " ".join(" ".join(screens).replace("\u00a0", " ").split()) == " ".join(text.split())


def test_split_caption_keeps_a_short_caption_whole():
    text = "Loss after 40 steps: slow 1.2, good 0.0032."
    assert [s.replace("\u00a0", " ") for s in split_caption(text)] == [text]


def test_caption_waits_for_reading_time_and_subtitle_matches_screen_time():
    scene = FakeScene()
    cap = Caption()
    first = "Each node stores its data, its gradient and a label."    # 52 characters: 3.47 s
    cap.say(scene, first)
    cap.say(scene, "Next.")                                            # asked at once: the first must stay up
    cap.flush(scene)
    (s1, e1, t1), (s2, e2, t2) = scene.subtitles
    assert t1 == first and t2 == "Next."
    assert e1 - s1 >= hold_time(first) - 1e-9
    assert len(t1) / (e1 - s1) <= 15.0 + 1e-9
    assert e2 - s2 >= 1.5 - 1e-9
    assert s2 >= e1                                                    # never two captions at once


def test_caption_duration_wish_extends_the_hold():
    scene = FakeScene()
    cap = Caption()
    cap.say(scene, "Short.", duration=4.0)
    cap.flush(scene)
    (s, e, _), = scene.subtitles
    assert e - s == pytest.approx(4.0)


def test_type_scale_keeps_every_size_at_or_above_12_px():
    for name in ("TITLE", "CAPTION", "LABEL", "TICK"):
        assert getattr(TYPE, name) * TEXT_CAP_PX_PER_POINT >= MIN_GLYPH_PX, name
    with pytest.raises(ValueError, match="below the type scale"):
        label_text("too small", size=12)


def test_log_axis_meets_the_other_axis_at_the_bottom():
    ax = PlotAxes([0, 40, 10], [-6, 2, 1], x_length=8, y_length=4, x_title="step", y_title="loss", y_log=True)
    bottom = ax.y_axis.get_bottom()[1]
    assert ax.x_axis.get_center()[1] == pytest.approx(bottom, abs=1e-6)     # not at 10^0 in the middle
    assert ax.c2p(0, 1e-6)[1] == pytest.approx(bottom, abs=1e-6)
    assert ax.c2p(0, 1.0)[1] == pytest.approx(bottom + 4 * 6 / 8, abs=1e-6)  # 10^0 is 6 of 8 decades up
    assert [t.text for t in ax.tick_numbers if t.axis == "y"][:3] == ["10⁻⁶", "10⁻⁵", "10⁻⁴"]


def test_linear_axes_cross_at_the_lower_left_even_when_zero_is_inside():
    ax = PlotAxes([-3, 3, 1], [-2, 2, 1], x_length=6, y_length=4, x_title="x", y_title="y")
    lo, _hi = ax.plot_area()
    assert ax.x_axis.get_center()[1] == pytest.approx(lo[1], abs=1e-6)
    assert ax.y_axis.get_center()[0] == pytest.approx(lo[0], abs=1e-6)
    np.testing.assert_allclose(ax.c2p(-3, -2)[:2], lo[:2], atol=1e-9)


def test_tick_labels():
    assert tick_label(-2.0, 0) == "−2"          # a real minus sign  # noqa: RUF001 (shown on screen)
    assert tick_label(2.5, 1) == "2.5"
    assert tick_label(2, log=True) == "10²"


def test_captions_never_break_a_value_from_its_name():
    screens = split_caption("The run starts at (0.185, 1.08) and trains for 80 epochs; then "
                            "each child gets the other's data: a.grad = 2, b.grad = -3.")
    lines = [line for s in screens for line in s.split("\n")]
    assert not any(line.endswith(("=", "(0.185,", "80")) for line in lines), lines


def test_wide_layers_are_drawn_with_an_ellipsis():
    # [2, 40, 12, 5] with max_shown 8: each layer wider than 8 shows its first 3 and last 3 neurons
    # ((8 - 1) // 2 = 3) with one vertical ellipsis between, centred in the gap, on the layer's x.
    from scenes.kit import NetworkDiagram

    d = NetworkDiagram([2, 40, 12, 5])
    assert d.shown[1] == [0, 1, 2, None, 37, 38, 39] and d.shown[2] == [0, 1, 2, None, 9, 10, 11]
    assert d.shown[0] == [0, 1] and d.shown[3] == [0, 1, 2, 3, 4]
    assert [t.text for t in d.dots] == ["⋮", "⋮"]
    for dots, layer in zip(d.dots, (1, 2), strict=True):
        above, below = d.neurons[layer][2].get_center(), d.neurons[layer][d.sizes[layer] - 3].get_center()
        np.testing.assert_allclose(dots.get_center()[:2], (above[:2] + below[:2]) / 2, atol=1e-6)
    # 2 + 6 + 6 + 5 = 19 circles; edges only between drawn neurons: 2*6 + 6*6 + 6*5 = 78.
    assert len(d.neuron_group) == 19 and len(d.edge_group) == 78
    # A layer of exactly max_shown neurons has no ellipsis.
    assert len(NetworkDiagram([2, 8, 1]).dots) == 0


def test_split_caption_never_breaks_a_hyphenated_word():
    """The .srt of linear_fit read "least- squares": textwrap broke after the hyphen and the
    subtitle joins the lines with a space.  With the word at every position around the end of
    a 58-character line (prefixes of 30 to 70 characters), it must stay whole on one line in
    all 41 cases (the old wrap split it in 13 of them)."""
    for n in range(30, 71):
        text = ("a " * 40)[:n].strip() + " least-squares line, the exact answer from SciPy."
        screens = split_caption(text)
        lines = [line for s in screens for line in s.split("\n")]
        assert not any(line.endswith("-") for line in lines), (n, lines)
        assert sum("least-squares" in line for line in lines) == 1, (n, lines)


def test_split_caption_keeps_a_formula_on_one_line():
    """linear_fit's caption read "a line y = m·x" / "+ b with a slope...": the terms of a formula
    joined by " + " stay together, at every position of the formula around the line end."""
    for n in range(20, 60):
        text = ("a " * 40)[:n].strip() + " and a line y = m·x + b with a slope and an intercept."
        lines = [line for s in split_caption(text) for line in s.split("\n")]
        assert sum("y\u00a0=\u00a0m·x\u00a0+\u00a0b" in line for line in lines) == 1, (n, lines)
