"""Colour: one colour, one meaning, distinguishable with the common colour-vision deficiencies.

What is checked, for both themes (``Theme.dark()``, ``Theme.light()``):

* **In a frame** (every pair of :meth:`Theme.frame_groups`): CIEDE2000 ΔE00 >= ``IN_FRAME`` = 10
  under normal vision, protanopia and deuteranopia.  ΔE00 of about 1 (ΔE*ab 2.3) is a
  just-noticeable difference for two large patches side by side (Sharma 2003; Mahy et al. 1994);
  our marks are thin lines (1.5-4 px), small dots and 12-15 px labels, seen apart from each other
  and in motion, where the difference needed grows several-fold as the mark shrinks (Stone,
  Szafir & Setlur 2014, "An engineering model for color difference as a function of size";
  Szafir 2018).  Ten is the usual floor for categorical palettes of small marks (well-designed
  palettes such as Tableau 10 or Okabe-Ito sit at 10-20 between neighbours) and is what a
  palette of this many roles can reach under deuteranopia, where colour collapses onto
  lightness and a blue-yellow axis (a palette search pushed the same groups to about 10.5).
* **Height-map samples used as ordered line colours** (the ``batch sizes`` group): ΔE00 >=
  ``RAMP`` = 9.  They are read by order (lightness rises monotonically, also checked) and
  each curve has its legend entry, so identity matters less than for categories.
* **Thin lines side by side** (the ``optimizer lines`` group: the four optimizers' paths and the
  gradient arrow, 1.5-5 px wide, next to each other on one map): ΔE00 >= ``LINES`` = 24 under
  normal vision and >= ``LINES_CVD`` = 11 under protanopia and deuteranopia.  Fresh-eyes
  viewers confused two pairs of the old palette as 1-2 px lines at 480p: momentum's orange and
  the gradient's (ΔE00 15.8 normal, 11.0 deutan) and SGD's pale pink and Adam's lavender (16.7);
  24 is half as much again as the larger of those.  Under the dichromacies a search of the sRGB
  grid (with RMSprop, Adam and GRAD kept and the other frame constraints met) reaches about 11.5
  for the light theme, so 11 is what this many lines can be held to there (the dark theme has 15).
* **Across the whole theme** (every two semantic roles, frame or not, normal vision): ΔE00 >=
  ``GLOBAL`` = 6 and no shared hex.  Roles that never meet are not compared side by side, so
  this only has to rule out "the same colour" (as batch vs slow #7FA7FF once were); 6 is
  several large-patch JNDs, so two roles are never the same colour with a different meaning.
  CLASS colours beyond ``Theme.DISTINCT_CLASSES`` (the digits' 10) are held only to this.
* **Contrast** (WCAG 2.1 relative luminance): each semantic colour and each height-map stop
  >= 3:1 against the background (SC 1.4.11, graphical objects); ``text`` and ``muted`` >= 4.5:1
  (SC 1.4.3, text); VALUE and GRAD >= 3:1 against ``panel`` (the computation graph's boxes).

Colour-vision deficiency is simulated with the Machado, Oliveira & Fernandes (2009) matrices
at severity 1.0 (protanopia, deuteranopia), applied to linear sRGB, then clipped; CIELAB uses
the D65 white.  Run ``python tests/test_colours.py`` to write swatch sheets
``/tmp/colour_swatches_{dark,light}.png`` (each frame group, normal / protan / deutan).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenes.kit.theme import Theme

IN_FRAME = 10.0
RAMP = 9.0
GLOBAL = 6.0
CONTRAST_GRAPHIC = 3.0
CONTRAST_TEXT = 4.5
RAMP_GROUPS = {"batch sizes"}
LINES = 24.0
LINES_CVD = 11.0
LINE_GROUPS = {"optimizer lines"}

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color
# vision deficiency", IEEE TVCG 15(6), doi:10.1109/TVCG.2009.113; severity-1.0 matrices as
# published on the authors' page (inf.ufrgs.br/~oliveira/pubs_files/CVD_Simulation/
# CVD_Simulation.html), for linear RGB.
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868],
                       [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                         [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
VISIONS = {"normal": np.eye(3), "protan": PROTANOPIA, "deutan": DEUTERANOPIA}

# linear sRGB -> XYZ (D65), IEC 61966-2-1
_M_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                   [0.2126729, 0.7151522, 0.0721750],
                   [0.0193339, 0.1191920, 0.9503041]])
_WHITE = _M_XYZ @ np.ones(3)


# ---------------------------------------------------------------- colour science (NumPy)
def hex_to_srgb(h: str) -> np.ndarray:
    h = h.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], float) / 255.0


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(c, float), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate(hexes, vision: str) -> np.ndarray:
    """Linear RGB of ``hexes`` as seen with ``vision`` (Machado 2009, severity 1), clipped to the gamut."""
    lin = srgb_to_linear(np.array([hex_to_srgb(h) for h in hexes]))
    return np.clip(lin @ VISIONS[vision].T, 0.0, 1.0)


def linear_to_lab(lin: np.ndarray) -> np.ndarray:
    xyz = np.asarray(lin) @ _M_XYZ.T / _WHITE
    d = 6 / 29
    f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def lab(hexes, vision: str = "normal") -> np.ndarray:
    return linear_to_lab(simulate(hexes, vision))


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (kL = kC = kH = 1), Sharma, Wu & Dalal (2005)."""
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, float), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, float), -1, 0)
    c_mean7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c_mean7 / (c_mean7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    zero = c1p * c2p == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(zero, 0.0, dh)
    d_lp, d_cp = L2 - L1, c2p - c1p
    d_hp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_mean, c_mean = (L1 + L2) / 2, (c1p + c2p) / 2
    hs = h1p + h2p
    h_mean = np.where(np.abs(h1p - h2p) > 180, np.where(hs < 360, hs + 360, hs - 360) / 2, hs / 2)
    h_mean = np.where(zero, hs, h_mean)
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    d_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt((d_lp / s_l) ** 2 + (d_cp / s_c) ** 2 + (d_hp / s_h) ** 2 + r_t * (d_cp / s_c) * (d_hp / s_h))


def delta_e(h1: str, h2: str, vision: str = "normal") -> float:
    l1, l2 = lab([h1, h2], vision)
    return float(ciede2000(l1, l2))


def relative_luminance(h: str) -> float:
    return float(srgb_to_linear(hex_to_srgb(h)) @ np.array([0.2126, 0.7152, 0.0722]))


def contrast_ratio(h1: str, h2: str) -> float:
    lo, hi = sorted((relative_luminance(h1), relative_luminance(h2)))
    return (hi + 0.05) / (lo + 0.05)


# ---------------------------------------------------------------- what to compare
THEMES = {"dark": Theme.dark(), "light": Theme.light()}


def is_backdrop(role: str) -> bool:
    return role.startswith("HEIGHT_MAP@")


def group_pairs(group: list[tuple[str, str]]):
    """The pairs of a frame group that must stay apart (see :meth:`Theme.frame_groups`)."""
    for (ra, ca), (rb, cb) in itertools.combinations(group, 2):
        if {ra, rb} == {"text", "muted"}:
            continue
        if (is_backdrop(ra) or is_backdrop(rb)) and all(is_backdrop(r) or r in ("text", "muted") for r in (ra, rb)):
            continue
        yield (ra, ca), (rb, cb)


def too_close(pairs, threshold: float, visions=tuple(VISIONS)) -> list[tuple[str, str, str, float]]:
    """Every (role, role, vision, ΔE00) under ``threshold``."""
    return [(ra, rb, v, round(d, 2)) for (ra, ca), (rb, cb) in pairs for v in visions
            if (d := delta_e(ca, cb, v)) < threshold]


def semantic_roles(theme: Theme, classes: int | None = None) -> list[tuple[str, str]]:
    roles = [(n, getattr(theme, n)) for n in ("VALUE", "GRAD", "POSITIVE", "NEGATIVE", "LOSS", "PREDICTION", "DATA")]
    for fam in ("OPTIMIZER", "REGIME", "VARIANT", "BASIN"):
        roles += [(f"{fam}[{k}]", c) for k, c in getattr(theme, fam).items()]
    roles += [(f"CLASS[{i}]", c) for i, c in enumerate(theme.CLASS[:classes])]
    return roles


def min_per_vision(pairs) -> dict[str, float]:
    pairs = list(pairs)
    return {v: round(min(delta_e(ca, cb, v) for (_, ca), (_, cb) in pairs), 2) for v in VISIONS}


# ---------------------------------------------------------------- the checker itself
@pytest.mark.parametrize("lab1, lab2, expected", [
    # Sharma, Wu & Dalal (2005), Table 1, pairs 1, 2, 7, 17, 25, 13, 34.
    ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
    ((50, 3.1571, -77.2803), (50, 0, -82.7485), 2.8615),
    ((50, 0, 0), (50, -1, 2), 2.3669),
    ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((50, 2.49, -0.001), (50, -2.49, 0.0011), 7.2195),
    ((90.8027, -2.0831, 1.441), (91.1528, -1.6435, 0.0447), 1.4441),
])
def test_ciede2000_matches_sharma_test_data(lab1, lab2, expected):
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_srgb_white_is_lab_100_and_grey_is_neutral():
    assert lab(["#FFFFFF"])[0] == pytest.approx([100, 0, 0], abs=1e-3)
    assert lab(["#777777"])[0][1:] == pytest.approx([0, 0], abs=1e-3)


@pytest.mark.parametrize("vision", ["protan", "deutan"])
def test_dichromat_simulation_keeps_greys(vision):
    # Rows of the Machado matrices sum to 1: greys are seen as the same greys.
    assert VISIONS[vision].sum(axis=1) == pytest.approx(np.ones(3), abs=1e-5)
    for h in ("#000000", "#777777", "#FFFFFF"):
        assert delta_e(h, h, vision) == 0.0
        assert lab([h], vision)[0] == pytest.approx(lab([h])[0], abs=0.05)


def test_checker_flags_red_green_under_deuteranopia():
    """Not vacuous: pure red against a green is fine for normal vision, lost under deuteranopia."""
    pair = [(("red", "#FF0000"), ("green", "#00AA00"))]
    assert delta_e("#FF0000", "#00AA00") > 70
    assert too_close(pair, IN_FRAME, ["normal"]) == []
    flagged = too_close(pair, IN_FRAME)
    assert [v for *_, v, _ in flagged] == ["deutan"]
    assert flagged[0][3] < 3


def test_checker_flags_a_palette_that_breaks_a_frame():
    """The frame test fails on a theme whose GRAD is VALUE's blue lightened a little."""
    bad = Theme(**{**Theme.dark().__dict__, "GRAD": "#5AA0FF"})
    group = bad.frame_groups()["computation graph"]
    assert ("VALUE", "GRAD", "normal") in [f[:3] for f in too_close(group_pairs(group), IN_FRAME)]


def test_checker_flags_the_old_shared_colour():
    """The old palette gave VARIANT batch and REGIME slow the same #7FA7FF."""
    old = Theme(**{**Theme.dark().__dict__, "REGIME": {**Theme.dark().REGIME, "slow": "#7FA7FF"},
                   "VARIANT": {**Theme.dark().VARIANT, "batch": "#7FA7FF"}})
    roles = semantic_roles(old, Theme.DISTINCT_CLASSES)
    assert ("REGIME[slow]", "VARIANT[batch]", "normal", 0.0) in too_close(itertools.combinations(roles, 2), GLOBAL,
                                                                         ["normal"])


# ---------------------------------------------------------------- the palettes
def test_frame_groups_name_the_themes_colours():
    for theme in THEMES.values():
        groups = theme.frame_groups()
        assert len(groups) >= 10
        values = dict(semantic_roles(theme)) | {"text": theme.text, "muted": theme.muted}
        for name, group in groups.items():
            assert len(group) >= 2, name
            for role, colour in group:
                if role in values:
                    assert colour == values[role], (name, role)
                elif role.endswith(" fill"):      # a fill, seen blended with the background
                    assert colour == theme.fill(values[role[:-5]], theme.BASIN_FILL), (name, role)
                else:
                    assert is_backdrop(role) or role.startswith("level "), (name, role)


@pytest.mark.parametrize("theme_name", THEMES)
@pytest.mark.parametrize("group_name", list(Theme.dark().frame_groups()))
def test_colours_sharing_a_frame_stay_apart(theme_name, group_name):
    group = THEMES[theme_name].frame_groups()[group_name]
    threshold = RAMP if group_name in RAMP_GROUPS else IN_FRAME
    assert too_close(group_pairs(group), threshold) == []


@pytest.mark.parametrize("theme_name", THEMES)
@pytest.mark.parametrize("group_name", sorted(LINE_GROUPS))
def test_thin_lines_side_by_side_stay_further_apart(theme_name, group_name):
    group = THEMES[theme_name].frame_groups()[group_name]
    assert too_close(group_pairs(group), LINES, ["normal"]) == []
    assert too_close(group_pairs(group), LINES_CVD, ["protan", "deutan"]) == []


def test_checker_flags_the_old_optimizer_colours_as_lines():
    """The palette the reviewers confused: momentum #F38615 vs GRAD #D9530E (ΔE00 15.8), SGD #F4CEFF vs
    Adam #BD99FD (16.7) pass the frame threshold of 10 but not the line threshold of 24."""
    dark = Theme.dark()
    old = Theme(**{**dark.__dict__, "OPTIMIZER": {**dark.OPTIMIZER, "SGD": "#F4CEFF", "Momentum": "#F38615",
                                                  "Adam": "#BD99FD"}})
    group = old.frame_groups()["optimizer lines"]
    assert too_close(group_pairs(group), IN_FRAME, ["normal"]) == []
    flagged = {(a, b) for a, b, _, _ in too_close(group_pairs(group), LINES, ["normal"])}
    assert flagged == {("OPTIMIZER[SGD]", "OPTIMIZER[Adam]"), ("OPTIMIZER[Momentum]", "GRAD")}
    assert delta_e("#F38615", "#D9530E") == pytest.approx(15.8, abs=0.05)


# SGD's thin path runs beside and under RMSprop's for most of the Rosenbrock race (optimizers), where a
# fresh-eyes viewer could not find SGD's light blue beside RMSprop's cyan (#58C0F8 vs #34DDBE: 28.9 normal,
# 20.9 deutan).  This pair is held to the lines threshold for normal vision, LINES = 24, under all three
# visions: distinct hues (blue against mint), not only a lightness step.
SGD_VS_RMSPROP = LINES


@pytest.mark.parametrize("theme_name", THEMES)
def test_sgd_and_rmsprop_hues_apart_under_colour_blindness(theme_name):
    t = THEMES[theme_name]
    d = {v: delta_e(t.OPTIMIZER["SGD"], t.OPTIMIZER["RMSprop"], v) for v in VISIONS}
    assert min(d.values()) >= SGD_VS_RMSPROP, d


def test_checker_flags_the_old_sgd_rmsprop_pair():
    """Not vacuous: the pair the review could not separate fails (deutan 20.9 < 24)."""
    assert delta_e("#58C0F8", "#34DDBE", "deutan") == pytest.approx(20.9, abs=0.05)
    assert delta_e("#58C0F8", "#34DDBE", "deutan") < SGD_VS_RMSPROP


@pytest.mark.parametrize("theme_name", THEMES)
def test_one_colour_one_meaning(theme_name):
    roles = semantic_roles(THEMES[theme_name])
    colours = [c.upper() for _, c in roles]
    assert len(set(colours)) == len(colours)
    assert too_close(itertools.combinations(roles, 2), GLOBAL, ["normal"]) == []


@pytest.mark.parametrize("theme_name", THEMES)
def test_contrast_against_background(theme_name):
    t = THEMES[theme_name]
    low = [(r, round(contrast_ratio(c, t.background), 2)) for r, c in semantic_roles(t)
           if contrast_ratio(c, t.background) < CONTRAST_GRAPHIC]
    low += [(f"HEIGHT_MAP[{i}]", round(contrast_ratio(c, t.background), 2)) for i, c in enumerate(t.HEIGHT_MAP)
            if contrast_ratio(c, t.background) < CONTRAST_GRAPHIC]
    low += [(r, round(contrast_ratio(c, t.background), 2)) for r, c in (("text", t.text), ("muted", t.muted))
            if contrast_ratio(c, t.background) < CONTRAST_TEXT]
    low += [(f"{r} on panel", round(contrast_ratio(c, t.panel), 2)) for r, c in (("VALUE", t.VALUE), ("GRAD", t.GRAD))
            if contrast_ratio(c, t.panel) < CONTRAST_GRAPHIC]
    assert low == []


@pytest.mark.parametrize("theme_name", THEMES)
@pytest.mark.parametrize("vision", VISIONS)
def test_height_map_is_ordered_by_lightness(theme_name, vision):
    t = THEMES[theme_name]
    samples = [t.height_map_at(k / 32) for k in range(33)]
    lightness = lab(samples, vision)[:, 0]
    assert np.all(np.diff(lightness) > 0)
    assert lightness[-1] - lightness[0] > 25


# ---------------------------------------------------------------- report and swatches
def report(theme: Theme) -> dict[str, dict[str, float]]:
    """Minimum ΔE00 per frame group and vision."""
    return {name: min_per_vision(group_pairs(group)) for name, group in theme.frame_groups().items()}


def render_swatches(theme: Theme, path: str) -> None:
    """One row per frame group, three panels (normal, protan, deutan) of the group's colours."""
    from PIL import Image, ImageDraw

    groups = theme.frame_groups()
    sw, sh, label_w, pad = 34, 34, 300, 8
    widest = max(len(g) for g in groups.values())
    panel_w = widest * sw + pad
    width = label_w + 3 * panel_w + pad
    height = 30 + len(groups) * (sh + 2 * pad) + pad
    bg = tuple(int(x * 255) for x in hex_to_srgb(theme.background))
    ink = tuple(int(x * 255) for x in hex_to_srgb(theme.text))
    img = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(img)
    for j, v in enumerate(VISIONS):
        draw.text((label_w + j * panel_w, 8), v, fill=ink)
    mins = report(theme)
    for i, (name, group) in enumerate(groups.items()):
        y = 30 + i * (sh + 2 * pad)
        m = mins[name]
        draw.text((pad, y + 4), name, fill=ink)
        draw.text((pad, y + 18), "min dE00 " + " / ".join(f"{m[v]:.1f}" for v in VISIONS), fill=ink)
        for j, v in enumerate(VISIONS):
            rgb = linear_to_srgb(simulate([c for _, c in group], v))
            for k, c in enumerate(rgb):
                x = label_w + j * panel_w + k * sw
                col = tuple(round(float(u) * 255) for u in c)
                if is_backdrop(group[k][0]):      # backdrop samples: a thin stripe, like a contour line
                    draw.rectangle([x, y, x + sw - 3, y + sh], fill=bg)
                    draw.rectangle([x, y + sh // 2 - 3, x + sw - 3, y + sh // 2 + 3], fill=col)
                else:
                    draw.rectangle([x, y, x + sw - 3, y + sh], fill=col)
    img.save(path)


if __name__ == "__main__":
    for name, theme in THEMES.items():
        out = f"/tmp/colour_swatches_{name}.png"
        render_swatches(theme, out)
        print(out)
        for group, m in report(theme).items():
            print(f"  {group:40s} " + "  ".join(f"{v} {m[v]:5.1f}" for v in VISIONS))


@pytest.mark.parametrize("theme_name", THEMES)
def test_basin_fills_are_neutral_and_apart(theme_name):
    """Review (local_minima, must fix 4): the basins were an olive-yellow and a navy, so yellow (the global
    minimum's star) also meant "local basin".  The fills, as seen at BASIN_FILL, are now low-chroma tones
    (CIELAB chroma <= 26; the old fills had 28-46), never in the yellow hue band (h 70-110 degrees)
    unless nearly grey (chroma < 8), and apart from each other by ΔE00 >= 10 under all three visions."""
    t = THEMES[theme_name]
    fills = {k: t.fill(c, t.BASIN_FILL) for k, c in t.BASIN.items()}
    for k, c in fills.items():
        _, a, b = lab([c])[0]
        chroma, hue = float(np.hypot(a, b)), float(np.degrees(np.arctan2(b, a)) % 360)
        assert chroma <= 26, (k, c, chroma)
        assert chroma < 8 or not 70 <= hue <= 110, (k, c, hue)
    for v in VISIONS:
        assert delta_e(fills["global"], fills["local"], v) >= IN_FRAME, v
    old = Theme.dark().fill("#E4FC00", Theme.BASIN_FILL)
    assert float(np.hypot(*lab([old])[0][1:])) > 26          # the check flags the old olive (chroma 44.7)
