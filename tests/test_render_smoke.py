"""Render smoke table: every scene renders with its default parameters at a tiny size (192x108,
4 fps, through tests/manim_checked.py), writes a video that is long enough and not blank, and
subtitles that say what the scene is about.

One row per scene file: the fewest frames (about two thirds of the scene's length at 4 fps, so a
beat that silently stops the scene early fails) and words its .srt must contain (whitespace
normalised). Scene-specific checks that compute their expected caption from the engine live in
the scene's own tests/test_render_<scene>.py and reuse the same render (the ``tiny_render``
fixture in tests/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.rendering import figure_marks, is_blank

# The stills issues 13 and 14 name, which blog posts take by these names (``$GDVIZ_FIGURES``).
STILLS = {
    "gd_variants.py": {"digits", "wall-clock", "batch-spread", "memory"},
    "local_minima.py": {"basins", "noise-escape"},
    "loss_landscape.py": {"pca-contours", "flat-vs-sharp"},
    "loss_surface.py": {"race-3d", "race-lesson", "top-down"},
    "neural_network.py": {"update-step", "probability-map"},
    "optimizers.py": {"rule-momentum", "rule-adam", "momentum-anatomy"},
}

# scene file, fewest frames (length at 4 fps), words in the subtitles, match case-insensitively
SMOKE = [
    ("backprop.py", 100, ["grad"], False),                         # about a minute
    ("gd_variants.py", 100, ["epoch"], False),                     # about 36 s
    ("learning_rate.py", 100, ["1/L"], False),                     # about 45 s
    ("linear_fit.py", 100, ["passes",
                            "a step of 1000 × 0.01 = 10"], False),  # noqa: RUF001 (shown on screen); post 002's step
    ("local_minima.py", 100, ["momentum"], False),                 # about 42 s
    ("loss_landscape.py", 400, ["Adam", "PC1 and PC2 (", "sharper"], False),  # about 150 s; the verdict near the end
    ("loss_surface.py", 60, ["momentum"], True),
    ("neural_network.py", 100, ["backward"], False),               # about 40 s
    ("optimizers.py", 400, ["Momentum"], False),                   # about 170 s (the rules beat alone ~70 s)
]


@pytest.mark.render
@pytest.mark.parametrize("scene_file, min_frames, words, ignore_case", SMOKE,
                         ids=[row[0].removesuffix(".py") for row in SMOKE])
def test_scene_renders(tiny_render, scene_file, min_frames, words, ignore_case):
    r = tiny_render(scene_file)
    assert r.frames > min_frames, r.frames
    assert not is_blank(r.last_frame)
    # Captions are written as subcaptions too: manim writes them to an .srt beside the video.
    assert r.srt is not None, "no .srt beside the video"
    text = " ".join(r.srt.read_text().split())
    if ignore_case:
        text, words = text.lower(), [w.lower() for w in words]
    missing = [w for w in words if w not in text]
    assert not missing, f"{missing} not in the subtitles of {scene_file}"
    if scene_file in STILLS:
        assert r.figures is not None and r.figures.exists(), "the scene marked no stills"
        marked = set(figure_marks(r.figures))
        assert STILLS[scene_file] <= marked, f"stills not marked: {sorted(STILLS[scene_file] - marked)}"


def test_the_table_covers_every_scene():
    # A new scene file gets a row: the table lists exactly the scene files (one Scene per file).
    from tests.rendering import SCENES

    files = sorted(p.name for p in SCENES.glob("*.py") if p.name not in ("__init__.py", "__main__.py",
                                                                          "params.py", "publish.py"))
    assert sorted(row[0] for row in SMOKE) == files
