"""Open a page in headless Chromium and report every request it made, the failed ones, and script errors.

Talks to Chromium over the DevTools protocol on a pipe (``--remote-debugging-pipe``: Chromium reads
commands on its fd 3 and writes replies and events on its fd 4, each a JSON message ended by a NUL
byte), so it needs nothing beyond the standard library and a ``chromium`` binary.

    python tools/page_check.py FILE_OR_URL [--seconds 6] [--offline]

``--offline`` runs Chromium in a new network namespace with no interfaces (``unshare -n``, root only),
so nothing can reach the network.  Prints one JSON object; exit status 1 if any request failed or a
script raised, 0 otherwise, 2 if Chromium could not be run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["check_page", "chromium"]


def chromium() -> str | None:
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


class _Pipe:
    def __init__(self, to_chrome: int, from_chrome: int) -> None:
        self.w, self.r = to_chrome, from_chrome
        self.buf = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, timeout: float) -> dict | None:
        end = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                return None
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 20.0) -> dict:
        want = self.send(method, params, session)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = self.read(end - time.monotonic())
            if msg is None:
                break
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)
        raise TimeoutError(f"no reply to {method}")


@contextlib.contextmanager
def headless_chromium(width: int = 1280, height: int = 800, offline: bool = False,
                      extra_args: tuple[str, ...] = (), profile_prefix: str = "page-check-") -> Iterator[_Pipe]:
    """A headless Chromium on a DevTools pipe, closed (and its profile removed) on leaving the block.

    ``offline`` runs it in a new network namespace with no interfaces (``unshare -n``, root only);
    its stderr goes to ``$PAGE_CHECK_LOG`` if set.  Raises FileNotFoundError if there is no Chromium.
    """
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
    to_r, to_w = os.pipe()          # we write to_w, chromium reads fd 3
    from_r, from_w = os.pipe()      # chromium writes fd 4, we read from_r
    profile = tempfile.mkdtemp(prefix=profile_prefix)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
           "--mute-audio", "--autoplay-policy=no-user-gesture-required", *extra_args,
           f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"]
    if offline:
        cmd = ["unshare", "-n", *cmd]

    def child_fds() -> None:          # Popen's close_fds would close 3 and 4 after this, so it is off
        r, w = os.dup(to_r), os.dup(from_w)
        os.dup2(r, 3)
        os.dup2(w, 4)
        for fd in (r, w, to_r, from_w, to_w, from_r):
            if fd not in (3, 4):
                os.close(fd)

    with open(os.environ.get("PAGE_CHECK_LOG", os.devnull), "w") as log:   # the child keeps its own copy
        proc = subprocess.Popen(cmd, close_fds=False, preexec_fn=child_fds, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=log)
    os.close(to_r)
    os.close(from_w)
    pipe = _Pipe(to_w, from_r)
    try:
        yield pipe
    finally:
        with contextlib.suppress(OSError):
            pipe.send("Browser.close")
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_w)
        os.close(from_r)
        shutil.rmtree(profile, ignore_errors=True)


def check_page(url: str, seconds: float = 6.0, offline: bool = False, width: int = 1280,
               height: int = 800) -> dict[str, Any]:
    """Load ``url``, wait ``seconds`` after the load event, and report what happened.

    Returns
    -------
    dict
        ``requests`` (every URL requested), ``failed`` ([url, error] of requests that failed and were
        not cancelled by the page itself), ``exceptions`` (uncaught script errors), ``errors``
        (console messages at error level) and ``loaded`` (the load event fired).
    """
    with headless_chromium(width, height, offline=offline) as pipe:
        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            pipe.call(f"{domain}.enable", session=session)
        pipe.call("Page.navigate", {"url": url}, session=session)
        end = time.monotonic() + 30.0
        loaded_at = None
        while time.monotonic() < end:
            msg = pipe.read(0.2)
            if msg is not None:
                pipe.events.append(msg)
                if msg.get("method") == "Page.loadEventFired" and loaded_at is None:
                    loaded_at = time.monotonic()
                    end = loaded_at + seconds
        requests, failed, exceptions, errors = {}, [], [], []
        for ev in pipe.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Network.requestWillBeSent":
                u = p["request"]["url"]
                requests[p["requestId"]] = u[:40] + "..." if u.startswith("data:") else u
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                failed.append([requests.get(p["requestId"], "?"), p.get("errorText", "")])
            elif m == "Network.responseReceived" and p["response"].get("status", 200) >= 400:
                failed.append([p["response"]["url"], f"HTTP {p['response']['status']}"])
            elif m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                exceptions.append((d.get("exception") or {}).get("description") or d.get("text", ""))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append(p["entry"].get("text", ""))
        with_try = [u for u in requests.values()]
        return {"url": url, "loaded": loaded_at is not None, "requests": with_try, "failed": failed,
                "exceptions": exceptions, "errors": errors}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", help="a file path or a URL")
    ap.add_argument("--seconds", type=float, default=6.0, help="wait after the load event (default 6)")
    ap.add_argument("--offline", action="store_true", help="no network (unshare -n; root only)")
    a = ap.parse_args()
    url = a.page if "://" in a.page else Path(a.page).resolve().as_uri()
    try:
        report = check_page(url, a.seconds, a.offline)
    except (OSError, RuntimeError, TimeoutError, EOFError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 1 if report["failed"] or report["exceptions"] or not report["loaded"] else 0


if __name__ == "__main__":
    sys.exit(main())
