"""The gallery page and the blog formats, without rendering: story order, titles, rounding, alt text
from the captions, snippets, the GIF ladder, WebVTT, and the page built from a hand-made manifest."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scenes.publishing import PublishError, PublishOptions
from scenes.publishing.discovery import discover
from scenes.publishing.gallery import (
    ABOUT,
    STORY,
    alt_text,
    caption_at,
    parse_srt,
    round_param,
    still_snippet,
    story_order,
    video_snippet,
    write_gallery,
)
from scenes.publishing.render import GIF_LADDER, gif_filter, gif_ladder, srt_to_vtt

SRT = """1
00:00:01,400 --> 00:00:05,100
The data follows y = 2x;
our model guesses y = w·x.

2
00:00:05,100 --> 00:00:10,300
The squared error is the area of the square on the gap.

3
00:00:12,000 --> 00:00:20,000
50 passes over the 6 points: 300 updates.
"""


def test_every_project_scene_has_a_place_in_the_story_and_a_title_and_paragraph():
    names = {s.name for s in discover()}
    assert set(STORY) == names, "a new scene needs a place in STORY and a title and paragraph in ABOUT"
    assert set(ABOUT) == names
    for name, (title, paragraph) in ABOUT.items():
        assert 10 < len(title) < 60 and not title.endswith("."), name
        assert paragraph.endswith(".") and 80 < len(paragraph) < 500, name
        assert "seed" not in paragraph and "``" not in paragraph, f"{name}: developer notes in a reader's paragraph"


def test_story_order_is_the_course_order_and_unknown_scenes_follow():
    assert story_order(sorted(STORY)) == list(STORY)
    assert story_order(["dot", "loss_landscape", "backprop", "broken"]) == [
        "backprop", "loss_landscape", "broken", "dot"]


@pytest.mark.parametrize("value, shown", [
    (0.30000000000000004, "0.3"), (1 / 3, "0.333"), (123456.0, "1.23e+05"), (2, "2"), ("adam", "adam"),
    ([[2.0, 1.0], [-1.2345, 0.5]], "[[2, 1], [-1.23, 0.5]]"), (False, "false")])
def test_parameters_are_shown_rounded(value, shown):
    assert round_param(value) == shown


def test_srt_cues_and_the_caption_covering_a_moment():
    cues = parse_srt(SRT)
    assert [c.start for c in cues] == [1.4, 5.1, 12.0]
    assert cues[0].text == "The data follows y = 2x; our model guesses y = w·x."   # two lines joined
    assert caption_at(cues, 5.1) == (cues[1], True)          # a window includes its start, not its end
    assert caption_at(cues, 11.0) == (cues[1], False)        # between captions: the one shown last
    assert caption_at(cues, 0.5) == (None, False)
    assert parse_srt("garbage\n\n1\nno time\n") == []
    assert parse_srt("1\n00:00:01,000 --> 00:00:02,000\nFinal losses  slow: 1.2\n   good: 0.1\n")[0].text == \
        "Final losses slow: 1.2 good: 0.1"


def test_alt_text_comes_from_the_caption_on_screen_at_the_still():
    cues = parse_srt(SRT)
    # A mark at 5.1 s is taken a frame and a quarter earlier, when cue 1 is still up.
    assert alt_text("Fitting a line", {"time": 5.1}, cues, 20.0, "high") == \
        "Fitting a line. The data follows y = 2x; our model guesses y = w·x."
    assert alt_text("Fitting a line", {"time": 15.0}, cues, 20.0, "high").endswith("300 updates.")
    assert alt_text("Fitting a line", {"time": None}, cues, 20.0, "high").endswith("300 updates.")


def test_snippets_loop_silently_inline_with_a_poster_and_no_controls():
    files = {"dot.mp4", "dot.webm", "dot.vtt", "dot-last.png"}
    html = video_snippet("dot", files, 'A "dot"', 854, 480)
    for attr in ("autoplay", "muted", "loop", "playsinline", 'poster="dot/dot-last.png"', 'width="854"',
                 'aria-label="A &quot;dot&quot;"'):
        assert attr in html, attr
    assert "controls" not in html
    assert html.index('src="dot/dot.mp4"') < html.index('src="dot/dot.webm"')
    assert 'type="video/webm"' in html and 'src="dot/dot.vtt"' in html
    assert "webm" not in video_snippet("dot", {"dot.mp4"}, "A dot")
    assert still_snippet("dot", "dot-01-grown.png", "Grown.") == "![Grown.](dot/dot-01-grown.png)"


def test_gif_ladder_starts_at_the_asked_rate_and_only_gets_smaller():
    assert gif_ladder(10) == list(GIF_LADDER)
    for fps in (1, 3, 10, 30):
        rungs = gif_ladder(fps)
        assert rungs[0][0] == min(fps, GIF_LADDER[0][0]) or rungs[0][0] == fps
        assert all(f <= fps for f, _ in rungs)
        assert all(a[0] >= b[0] and a[1] >= b[1] for a, b in itertools.pairwise(rungs))
    assert "max_colors=64" in gif_filter(480, 6, 64) and "fps=6," in gif_filter(480, 6, 64)


def test_vtt_is_what_a_browser_track_reads():
    vtt = srt_to_vtt(SRT.replace("\n", "\r\n"))
    assert vtt.startswith("WEBVTT\n\n1\n00:00:01.400 --> 00:00:05.100\n")
    assert "," not in vtt.split("\n")[3] and "\r" not in vtt


@pytest.mark.parametrize("kwargs, words", [({"gif_max_kb": -1}, "--gif-max-kb"), ({"preset": "fastest"}, "--preset"),
                                           ({"crf": 52}, "--crf")])
def test_bad_format_options_are_one_line(kwargs, words):
    with pytest.raises(PublishError, match=words) as e:
        PublishOptions(**kwargs).check()
    assert "\n" not in str(e.value)


def test_encoder_and_formats_are_part_of_the_input_hash():
    a = PublishOptions().settings()
    assert a != PublishOptions(crf=23).settings() != PublishOptions(webm=False).settings()
    assert a != PublishOptions(gif_max_kb=500).settings()


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _file(out: Path, scene: str, name: str, data: bytes = b"x") -> dict:
    p = out / scene / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return {"path": f"{scene}/{name}", "bytes": len(data), "sha256": ""}


def test_the_page_from_a_manifest(tmp_path):
    out = tmp_path
    scenes = {}
    for name in ("loss_landscape", "backprop", "fixture_scene"):
        files = [_file(out, name, f) for f in (f"{name}.mp4", f"{name}.webm", f"{name}.gif", f"{name}-last.png",
                                                f"{name}-01-key.png", f"{name}.vtt")]
        files.append(_file(out, name, f"{name}.srt", SRT.encode()))
        scenes[name] = {"files": files, "duration_s": 20.0, "quality": "high", "version": "9.9",
                        "stills": [{"name": "last", "file": f"{name}-last.png", "time": None},
                                   {"name": "key", "file": f"{name}-01-key.png", "time": 7.0}],
                        "params": {"lr": 0.30000000000000004}, "description": "A fixture."}
    (out / "manifest.json").write_text("{}")
    page = write_gallery(out, {"version": "9.9", "scenes": scenes}, {})
    text = page.read_text()
    parser = Page()
    parser.feed(text)
    assert re.findall(r"<h2>(.*?)</h2>", text) == [ABOUT["backprop"][0], ABOUT["loss_landscape"][0], "Fixture scene"]
    assert ABOUT["backprop"][1] in text and "A fixture." in text
    assert ("meta", {"name": "viewport", "content": "width=device-width,initial-scale=1"}) in parser.tags
    videos = [a for t, a in parser.tags if t == "video"]
    assert len(videos) == 3 and all("controls" not in v and "autoplay" in v and "playsinline" in v for v in videos)
    imgs = [a for t, a in parser.tags if t == "img"]
    # Each scene marks one figure ("key"): the page shows it, not the last frame (gallery_stills).
    assert len(imgs) == 3 and all(a.get("alt") for a in imgs)
    assert all(a["src"].endswith("-01-key.png") for a in imgs)
    # The poster is that figure too.
    assert all(a.get("poster", "").endswith("-01-key.png") for t, a in parser.tags if t == "video")
    # The still at 7 s falls between captions 2 and 3: its alt text is the one shown last.
    key = next(a for a in imgs if a["src"] == "backprop/backprop-01-key.png")
    assert key["alt"] == ABOUT["backprop"][0] + ". The squared error is the area of the square on the gap."
    assert "0.3<" in text and "0.30000000000000004" not in text                 # parameters rounded
    assert "Version" not in text and "theme)" not in text                         # no version/quality lines
    for _tag, attrs in parser.tags:                                               # every link resolves
        for key_ in ("href", "src", "poster"):
            if attrs.get(key_) and not attrs[key_].startswith("#"):
                assert (out / attrs[key_]).is_file(), attrs[key_]
    # The copy-paste boxes hold the exact snippets.
    assert text.count("&lt;video autoplay muted loop playsinline") == 3
    assert ("![Fixture scene. The squared error is the area of the square on the gap.]"
            "(fixture_scene/fixture_scene-01-key.png)") in text.replace("&#x27;", "'")
