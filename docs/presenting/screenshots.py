"""Screenshots of the slide deck and the gallery for docs/presenting/ (headless Chromium).

    python docs/presenting/screenshots.py DECK_DIR GALLERY_DIR [--out docs/presenting]

Opens ``DECK_DIR/index.html`` at slides ``#/0``, ``#/3`` and ``#/6`` (1280x720, after the slide's
video has played ``--seconds``), and ``GALLERY_DIR/index.html`` at 1280 px and 390 px wide (a
phone, full page height), and writes PNGs.  Uses Chromium's DevTools protocol on a pipe, as
tools/page_check.py does.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from page_check import chromium, headless_chromium


def shoot(url: str, out: Path, width: int, height: int, seconds: float, full_page: bool = False,
          mobile: bool = False) -> None:
    if chromium() is None:
        sys.exit("chromium is not installed")
    with headless_chromium(width, height, extra_args=("--hide-scrollbars",), profile_prefix="shots-") as pipe:
        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        pipe.call("Page.enable", session=session)
        pipe.call("Runtime.enable", session=session)
        pipe.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": mobile}, session=session)
        pipe.call("Page.navigate", {"url": url}, session=session)
        end = time.monotonic() + 30
        while time.monotonic() < end and not any(e.get("method") == "Page.loadEventFired" for e in pipe.events):
            msg = pipe.read(0.2)
            if msg is not None:
                pipe.events.append(msg)
        # Lazy images beyond the first screen would be blank in a full-page capture: load them all.
        pipe.call("Runtime.evaluate", {"expression": "document.querySelectorAll('img[loading=lazy]')"
                                                     ".forEach(i => i.loading = 'eager')"}, session=session)
        time.sleep(seconds)
        params: dict = {"format": "png"}
        if full_page:
            metrics = pipe.call("Page.getLayoutMetrics", session=session)
            size = metrics["cssContentSize"]
            params |= {"captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}}
        data = pipe.call("Page.captureScreenshot", params, session=session)["data"]
        out.write_bytes(base64.b64decode(data))
        print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("deck")
    ap.add_argument("gallery")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    ap.add_argument("--slides", nargs="+", type=int, default=[0, 3, 6])
    ap.add_argument("--seconds", type=float, default=4.0)
    a = ap.parse_args()
    out = Path(a.out)
    deck = (Path(a.deck) / "index.html").resolve().as_uri()
    for k in a.slides:
        shoot(f"{deck}#/{k}", out / f"deck-slide-{k + 1}-1280.png", 1280, 720, a.seconds)
    gallery = (Path(a.gallery) / "index.html").resolve().as_uri()
    shoot(gallery, out / "gallery-1280.png", 1280, 900, 2.0, full_page=True)
    shoot(gallery, out / "gallery-390.png", 390, 844, 2.0, full_page=True, mobile=True)


if __name__ == "__main__":
    main()
