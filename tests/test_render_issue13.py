"""Issue 13: optimizers and local_minima render with a user's function and with rates that diverge,
their captions derived from the runs (checked against the engine) and divergence named."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def srt_text(r) -> str:
    """The subtitles as one line of text (cues joined, numbers and times dropped)."""
    lines = [ln for ln in r.srt.read_text().splitlines() if ln.strip() and not ln.strip().isdigit() and "-->" not in ln]
    return re.sub(r"\s+", " ", " ".join(lines))


def params(tmp_path, text: str) -> dict[str, str]:
    p = tmp_path / "p.toml"
    p.write_text(text)
    return {"GDVIZ_PARAMS": str(p)}


OPT_USER = ("[optimizers]\ncases = [\"x**2 + 3*sin(y)\"]\nstarts = [[2.0, 1.0]]\nsteps = [60]\n"
            "lr_sgd = [1.5]\nlr_momentum = [0.9]\nlr_rmsprop = [0.05]\nlr_adam = [0.1]\nlr_rule = \"given\"\n"
            "race_seconds = 3.0\n")


def test_optimizers_user_function_with_a_diverging_rate(tmp_path):
    from gdcore import functions
    from gdcore.optim import SGD, Adam, RMSprop
    from gdcore.trajectory import descend
    from scenes.optimizers import race_sentences

    r = render_tiny("optimizers.py", tmp_path, params(tmp_path, OPT_USER))
    assert not is_blank(r.last_frame)
    text = srt_text(r)
    loss = functions.get("x**2 + 3*sin(y)")
    runs = {n: descend(loss, [2.0, 1.0], o, 60) for n, o in
            {"SGD": SGD(lr=1.5), "Momentum": SGD(lr=0.9, momentum=0.9), "RMSprop": RMSprop(lr=0.05),
             "Adam": Adam(lr=0.1)}.items()}
    assert runs["SGD"].status == "diverged"          # |1 - 2 * 1.5| = 2 per step in x
    words = race_sentences(loss, runs, 60, "given")
    assert "Diverged: SGD" in " ".join(words)
    for w in words:
        assert w in text, (w, text)
    assert "Rates set by hand" in text and "Lowest loss" not in text     # hand-set rates: no verdict


def test_optimizers_same_rate_that_diverges(tmp_path):
    r = render_tiny("optimizers.py", tmp_path, params(
        tmp_path, "[optimizers]\nlr_rule = \"same\"\nlr_same = 1.0\nrace_seconds = 2.0\n"))
    text = srt_text(r)
    assert "All four at the same rate, lr = 1" in text
    assert "Diverged:" in text
    # "Lowest loss" never names a run that diverged
    for m in re.finditer(r"Diverged: ([A-Za-z, ]+)\. Lowest loss after \d+ steps: (\w+)", text):
        assert m.group(2) not in m.group(1)


def test_local_minima_user_function_and_noise(tmp_path):
    r = render_tiny("local_minima.py", tmp_path, params(
        tmp_path, "[local_minima]\nsurface = \"(x**2-1)**2 + y**2 + 0.3*x\"\nbasin_grid = 21\n"))
    assert not is_blank(r.last_frame)
    text = srt_text(r)
    assert "Colour each start by where plain GD" in text
    assert re.search(r"(\d+) of 20 seeds end in the global basin\. (Here the noise does not help|Here noise helps "
                     r"every time|\d+ do not)\.", text), text
    assert "Now start both runs AT the local minimum" in text


def test_local_minima_noise_so_large_runs_leave_the_map(tmp_path):
    r = render_tiny("local_minima.py", tmp_path, params(
        tmp_path, "[local_minima]\nnoise = 60.0\nnoise_runs = 3\nbasin_grid = 21\n"))
    text = srt_text(r)
    # sigma = 60 at lr = 0.381: a step of about 23 units per component on an 8 x 6 map.
    assert re.search(r"the noisy run (diverged at step \d+|left the map): σ = 60 is too much noise", text), text  # noqa: RUF001 shown on screen
    assert re.search(r"0 of 3 seeds end in the global basin\. Here the noise does not help\.", text), text


def test_loss_surface_user_function_with_a_diverging_rate(tmp_path):
    from gdcore import functions
    from gdcore.optim import SGD, Adam, RMSprop
    from gdcore.trajectory import descend
    from scenes.loss_surface import verdict_words

    r = render_tiny("loss_surface.py", tmp_path, params(
        tmp_path, "[loss_surface]\nfunction = \"x**2 + 3*sin(y)\"\nstart = [1.9, 1.1]\nsteps = 150\n"
                  "lr_rule = \"given\"\nlr_sgd = 1.5\nlr_momentum = 0.01\nlr_rmsprop = 0.01\nlr_adam = 0.01\n"
                  "turn_seconds = 1.0\nrace_seconds = 2.0\n"))
    assert not is_blank(r.last_frame)
    f = functions.get("x**2 + 3*sin(y)")
    runs = {n: descend(f, [1.9, 1.1], o, 150) for n, o in
            {"SGD": SGD(lr=1.5), "Momentum": SGD(lr=0.01, momentum=0.9), "RMSprop": RMSprop(lr=0.01),
             "Adam": Adam(lr=0.01)}.items()}
    text = srt_text(r)
    assert verdict_words(f, runs, "given") in text
    assert "SGD diverged" in text and "Rates set by hand" in text
    # Hand-set rates: no "why" is claimed, whoever wins.
    assert "over the ridge" not in text
    # Momentum's f never rises here (x**2 + 3 sin y at 0.01): no climb is captioned; SGD diverged, so its step
    # is no yardstick for Adam's.
    assert bool((np.diff(runs["Momentum"].losses[:20]) <= 0).all())
    assert "uphill" not in text.lower() and "Adam steps about" not in text
