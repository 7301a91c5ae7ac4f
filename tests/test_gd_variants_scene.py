"""gd_variants: the scene's own helpers (tick text, rounding, batch-size colours) and its claims in the subtitles."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from manim import Text

from gdcore.batchnoise import batch_noise
from gdcore.datasets import digits
from gdcore.mlp import MLP, train
from gdcore.optim import SGD
from scenes.gd_variants import batch_size_colors, fmt3, label_hits, log_tick, place_clear, ratio_text
from scenes.kit.theme import THEME
from scenes.params import load_params
from tests.test_colours import CONTRAST_GRAPHIC, IN_FRAME, RAMP, VISIONS, contrast_ratio, delta_e


def test_log_ticks_are_plain_numbers():
    # No superscripts (7-8 px at 480p): 10**-2 .. 10**6 written out, thousands as k.
    assert [log_tick(k) for k in range(-2, 7)] == ["0.01", "0.1", "1", "10", "100", "1k", "10k", "100k", "1M"]


def test_spreads_are_rounded_alike():
    # Three significant figures for every size of number (the review saw 0.235 next to 0.0274 and 0.02).
    assert [fmt3(x) for x in (0.23456, 0.027401, 0.0142, 1.2)] == ["0.235", "0.0274", "0.0142", "1.20"]
    assert ratio_text(4.934) == "4.9x" and ratio_text(4871.0) == "4900x"


def test_batch_size_colours_keep_the_variants_and_avoid_them_elsewhere():
    sizes = [1, 32, 64, 128, 256, 512, 1438]
    c = batch_size_colors(sizes, 1438, 32)
    # One sample, the mini-batch and the whole set: exactly the three variants' colours.
    assert (c[1], c[32], c[1438]) == (THEME.VARIANT["stochastic"], THEME.VARIANT["minibatch"], THEME.VARIANT["batch"])
    # 64..512 stay apart from all three variant colours under normal vision, protanopia and deuteranopia
    # (CIEDE2000 >= the in-frame threshold of tests/test_colours.py, 10).
    for b in (64, 128, 256, 512):
        for v in THEME.VARIANT.values():
            for vision in VISIONS:
                assert delta_e(c[b], v, vision) >= IN_FRAME, (b, v, vision)
    # neighbours on the ramp >= 9 apart (the ramp threshold), under every vision; >= 3:1 off the background.
    for a, b in itertools.pairwise((64, 128, 256, 512)):
        for vision in VISIONS:
            assert delta_e(c[a], c[b], vision) >= RAMP, (a, b, vision)
    assert all(contrast_ratio(c[b], THEME.background) >= CONTRAST_GRAPHIC for b in (64, 128, 256, 512))


def test_the_caption_ratio_is_the_measured_noise_ratio():
    # The scene's batch-noise claim, recomputed here from gdcore with the default parameters: the trained
    # mini-batch network's weights, 1000 batches per size.  Its expected ratio 32 : 512 without replacement
    # from 1438 images is sqrt(16 * 1406 / 926) = 4.93; the measured one must be within 10% of it.
    p = load_params(None)["gd_variants"]
    d = digits()
    net = MLP([64, *p["hidden"], 10], activation=p["activation"], seed=p["seed"])
    train(net, d.X_train, d.y_train, SGD(lr=p["lr"]), epochs=p["epochs"], mode="minibatch",
          batch_size=p["batch_size"], loss="cross_entropy", seed=p["seed"])
    noise = batch_noise(net, d.X_train, d.y_train, [32, 512], n_batches=1000, seed=p["seed"])
    r = noise.measured[32] / noise.measured[512]
    assert r == pytest.approx(4.93, rel=0.10)
    assert noise.expected[32] / noise.expected[512] == pytest.approx(4.93, abs=0.01)


@pytest.mark.render
def test_subtitles_say_the_measured_claims(tiny_render):
    srt = " ".join(tiny_render("gd_variants.py").srt.read_text().split())
    # The fair noise ratio and its expectation, in the scene's own rounding.
    m = re.search(r"Batch 32 varies (\d+\.\d)x as much as batch 512; sampling theory expects (\d+\.\d)x", srt)
    assert m, srt
    assert float(m.group(2)) == pytest.approx(4.9, abs=0.05)
    assert abs(float(m.group(1)) - float(m.group(2))) <= 0.6
    # Binary units and a rounded count: no "kB"/"GB", "about ... million".
    assert " kB" not in srt and " GB" not in srt
    assert re.search(r"about \d+(\.\d)? million images", srt), srt


def test_no_two_ramp_colours_equal():
    c = batch_size_colors([64, 128, 256, 512], 1438, 32)
    assert all(a != b for a, b in itertools.combinations(c.values(), 2))


def test_expected_key_is_placed_clear_of_its_line():
    # The review saw the dashed curve run through "expected from sampling" in the lower-left corner: a curve
    # that crosses that corner must push the key to the first clear corner (here the upper right, as the
    # curve runs from (0, 0) to (2, 1) in a 4 x 3 plot), 0.15 units from any point of the line.
    key = Text("expected from sampling", font_size=16)
    area = (np.array([0.0, 0.0, 0.0]), np.array([4.0, 3.0, 0.0]))
    line = np.array([[0.0, 0.0, 0.0], [2.0, 1.0, 0.0], [4.0, 0.0, 0.0]])
    assert place_clear(key, area, line, [])
    assert key.get_corner([1, 1, 0])[0] == pytest.approx(3.88) and key.get_top()[1] == pytest.approx(2.88)
    dense = np.array([line[0] + t * (line[1] - line[0]) for t in np.linspace(0, 1, 200)])
    assert not label_hits(key, dense, 0.15)
    # A clear lower-left corner is kept.
    assert place_clear(key, area, np.array([[0.0, 3.0, 0.0], [4.0, 2.5, 0.0]]), [])
    assert key.get_corner([-1, -1, 0])[0] == pytest.approx(0.12) and key.get_bottom()[1] == pytest.approx(0.12)
    # A curve through every corner: False, and the key falls back to the lower left (the scene then splits it).
    full = np.array([[0.0, 3.0, 0.0], [4.0, 0.0, 0.0], [0.0, 0.0, 0.0], [4.0, 3.0, 0.0]])
    assert not place_clear(key, area, full, [])
    assert key.get_corner([-1, -1, 0])[0] == pytest.approx(0.12)
