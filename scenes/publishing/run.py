"""One publish run: lock the output folder, repair it, render what changed, merge, report."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from scenes.params import DEFAULTS_ENV, ParamsError, load_params
from scenes.publishing.discovery import SceneInfo, data_record, discover, input_hash
from scenes.publishing.faults import fault
from scenes.publishing.gallery import write_gallery
from scenes.publishing.options import SCENES_DIR, PublishError, PublishOptions
from scenes.publishing.previews import check_previews_allowed, update_previews
from scenes.publishing.render import BUDGET_ENV, Cancelled, Children, StepError, render_scene
from scenes.publishing.store import (
    OutputLock,
    Verdict,
    build_manifest,
    file_entry,
    place,
    recover,
    verify,
    write_manifest,
    write_record,
)

__all__ = ["STOP_SIGNALS", "Outcome", "longest_first", "publish"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
KILL_GRACE_S = 5.0


@dataclass
class Outcome:
    """What happened to one scene: ``done``, ``skipped``, ``failed`` or ``cancelled``."""

    scene: str
    status: str
    seconds: float = 0.0
    log: Path | None = None
    entry: dict[str, Any] = field(default_factory=dict)
    error: str = ""


class Progress:
    """One status display for the whole run: running, done, skipped and failed scenes."""

    def __init__(self, names: list[str], stream: TextIO = sys.stderr) -> None:
        self.state = {n: "queued" for n in names}
        self.lock = threading.Lock()
        self.stream = stream
        self.tty = stream.isatty()
        self.t0 = time.perf_counter()

    def set(self, name: str, state: str, extra: str = "") -> None:
        """Record ``name``'s new state and print it."""
        with self.lock:
            self.state[name] = state
            groups = {k: [n for n, s in self.state.items() if s == k] for k in ("running", "done", "skipped", "failed")}
            left = sum(1 for s in self.state.values() if s == "queued")
            line = (f"[{time.perf_counter() - self.t0:6.1f}s] running: {', '.join(groups['running']) or '-'} | "
                    f"done {len(groups['done'])}, skipped {len(groups['skipped'])}, "
                    f"failed {len(groups['failed'])}, queued {left}")
            if self.tty:
                self.stream.write("\r\033[K" + line)
                if state in ("done", "skipped", "failed", "running"):
                    self.stream.write(f"\r\033[K  {state:7s} {name} {extra}\n" + line)
            else:
                self.stream.write(f"  {state:7s} {name} {extra}\n")
            self.stream.flush()

    def close(self) -> None:
        """End the status line."""
        if self.tty:
            self.stream.write("\n")


def longest_first(names: list[str], manifest: dict[str, Any], quality: str) -> list[str]:
    """The scenes in the order to start them: longest last render (at this quality) first.

    With N workers the run ends when the last scene does; starting the long ones first keeps
    one long scene from running alone at the end.  Scenes with no recorded time keep their
    order, after the timed ones.

    >>> longest_first(["a", "b", "c"], {"scenes": {"b": {"render_s": 9.0, "quality": "low"},
    ...                                            "c": {"render_s": 30.0, "quality": "low"}}}, "low")
    ['c', 'b', 'a']
    """
    def seconds(name: str) -> float:
        entry = manifest.get("scenes", {}).get(name) or {}
        return float(entry.get("render_s", -1.0)) if entry.get("quality") == quality else -1.0

    return sorted(names, key=lambda n: -seconds(n))


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("gdviz")
    except Exception:
        import gdcore

        return gdcore.__version__


@contextlib.contextmanager
def _stop_on_signals(children: Children) -> Iterator[None]:
    """While inside, SIGINT/SIGTERM/SIGHUP stop the run: flag set, render process groups signalled.

    A second signal kills the groups with SIGKILL.  Only possible in the main thread; elsewhere
    (publish called from a worker thread) the signals keep their handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        children.stop(signum, signal.SIGKILL if children.stopping else signal.SIGTERM)

    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def _env(**values: str | None) -> Iterator[None]:
    """Set (or, for None, leave) environment variables for the duration; restore them after."""
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is not None:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def publish(opts: PublishOptions, stream: TextIO = sys.stderr) -> int:
    """Run one publish; return the exit status.

    0: every selected scene is published; 1: some scene failed (the table names it and its log);
    2: the run could not start (bad option or parameter, output folder not writable, lock refused);
    128 + N: stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP).  Problems are one line
    on ``stream``, never a traceback.
    """
    children = Children()
    with _stop_on_signals(children):
        try:
            return _publish(opts, children, stream)
        except PublishError as e:
            print(f"error: {e}", file=stream)
            return e.status
        except OSError as e:
            where = f" {e.filename}" if e.filename else ""
            print(f"error: cannot write the output{where}: {e.strerror or e}", file=stream)
            return 2


def _publish(opts: PublishOptions, children: Children, stream: TextIO) -> int:
    opts.check()
    scenes_dir = opts.scenes_dir.resolve()
    infos = {s.name: s for s in discover(scenes_dir)}
    names = list(opts.only) or list(infos)
    unknown = [n for n in names if n not in infos]
    if unknown:
        raise PublishError(f"unknown scene(s) for --only: {', '.join(unknown)}; scenes: {', '.join(infos)}")
    names = list(dict.fromkeys(names))
    check_previews_allowed(opts, list(infos), names)
    params_file = opts.params.resolve() if opts.params else None
    other_defaults = scenes_dir / "defaults.toml"
    defaults_env = str(other_defaults) if scenes_dir != SCENES_DIR.resolve() and other_defaults.exists() else None
    with _env(**{DEFAULTS_ENV: defaults_env, BUDGET_ENV: "1" if opts.no_budget else None}):
        try:
            all_params = load_params(params_file)       # validates the whole file before anything renders
        except ParamsError as e:
            raise PublishError(str(e)) from None
        out = opts.out.resolve()
        lock = OutputLock(out, opts.wait, stopped=lambda: children.stopping, stream=stream)
        if not lock.acquire():
            print(f"publish: stopped by {_signal_name(children.signum)} while waiting for the lock; "
                  "nothing changed", file=stream)
            return 128 + children.signum
        try:
            return _locked(opts, out, infos, names, all_params, params_file, children, stream)
        finally:
            lock.release()


def _locked(opts: PublishOptions, out: Path, infos: dict[str, SceneInfo], names: list[str],
            all_params: dict[str, dict[str, Any]], params_file: Path | None, children: Children,
            stream: TextIO) -> int:
    for note in recover(out):
        print(f"  repair  {note}", file=stream)
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    settings = opts.settings()
    verdicts: dict[str, Verdict] = {}
    merge_lock = threading.Lock()

    def is_ok(name: str) -> Verdict:
        if name not in verdicts:
            verdicts[name] = verify(out, name)
        return verdicts[name]

    run_fields = {"version": _version(), "quality": opts.quality, "theme": opts.theme}

    def rebuild() -> dict[str, Any]:
        manifest = build_manifest(out, run_fields, is_ok)
        write_manifest(out, manifest)
        return manifest

    # Decide what to render: a scene is skipped only if its record's input hash matches and every
    # recorded file still has its recorded SHA-256.
    plan: dict[str, str] = {}               # name -> why it renders ("" = skip)
    digests: dict[str, str] = {}
    data_used: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        digests[name] = input_hash(infos[name], all_params.get(name, {}), settings)
        data_used[name] = data_record(all_params.get(name, {}))      # the file as hashed, for the manifest
        v = is_ok(name)
        if opts.force:
            plan[name] = "--force"
        elif not v.ok:
            plan[name] = v.reason
        elif v.record is not None and v.record.get("input_hash") != digests[name]:
            plan[name] = "inputs changed"
        else:
            plan[name] = ""
    timings = {"scenes": {n: v.record for n, v in verdicts.items() if v.record}}
    progress = Progress(names, stream)

    def job(name: str) -> Outcome:
        scene = infos[name]
        if not plan[name]:
            progress.set(name, "skipped", "(unchanged)")
            return Outcome(name, "skipped", entry=verdicts[name].record or {})
        log = logs / f"{name}.log"
        if children.stopping:
            return Outcome(name, "cancelled", log=log)
        progress.set(name, "running", f"({plan[name]})")
        log.write_text("", encoding="utf-8")
        t0 = time.perf_counter()
        work: Path | None = None
        try:
            work = Path(tempfile.mkdtemp(prefix=f".work-{name}-", dir=out))
            staged = render_scene(scene, opts, params_file, work, log, children)
            fault("staged", name)
            try:
                files = [file_entry(f, name) for f in staged.files]
            except OSError as e:
                raise StepError("stage", str(e)) from None
            secs = time.perf_counter() - t0
            record = {"scene": name, "description": scene.description, "files": files,
                      "duration_s": staged.duration_s, "stills": staged.stills, "gif": staged.gif,
                      "params": all_params.get(name, {}), "data": data_used[name],
                      "input_hash": digests[name], "settings": settings,
                      "quality": opts.quality, "theme": opts.theme, "version": _version(),
                      "render_s": round(secs, 1), "cpu_s": round(children.cpu_s.get(log, 0.0), 1),
                      "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            write_record(staged.folder, record)
            fault("recorded", name)
            if children.stopping:
                raise Cancelled("place")
            with merge_lock:
                place(out, name, staged.folder)
                verdicts[name] = Verdict({"format": 1, **record}, True)
                rebuild()
            progress.set(name, "done", f"({secs:.1f} s)")
            return Outcome(name, "done", secs, log, record)
        except Cancelled:
            return Outcome(name, "cancelled", time.perf_counter() - t0, log)
        except (StepError, OSError) as e:        # one scene's failure does not stop the others
            secs = time.perf_counter() - t0
            msg = str(e) if isinstance(e, StepError) else f"files: {e.strerror or e}"
            with contextlib.suppress(OSError), log.open("a", encoding="utf-8") as f:
                f.write(f"\nFAILED: {msg}\n")
            progress.set(name, "failed", f"({msg}; log: {log})")
            return Outcome(name, "failed", secs, log, error=msg)
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)

    order = longest_first(names, timings, opts.quality)
    outcomes: dict[str, Outcome] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, opts.jobs))
    try:
        futures: dict[Future, str] = {pool.submit(job, n): n for n in order}
        pending = set(futures)
        stop_seen_at = None
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                outcomes[futures[fut]] = fut.result() if not fut.cancelled() else Outcome(futures[fut], "cancelled")
            if children.stopping:
                for fut in list(pending):
                    if fut.cancel():
                        pending.discard(fut)
                        outcomes[futures[fut]] = Outcome(futures[fut], "cancelled")
                stop_seen_at = stop_seen_at or time.monotonic()
                if time.monotonic() - stop_seen_at > KILL_GRACE_S:
                    children.stop(children.signum, signal.SIGKILL)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    progress.close()
    result = [outcomes.get(n, Outcome(n, "cancelled")) for n in names]

    with merge_lock:
        manifest = rebuild()
        write_gallery(out, manifest, infos)
    if children.stopping:
        placed = sum(o.status == "done" for o in result)
        stopped = sum(o.status == "cancelled" for o in result)
        print(f"publish: stopped by {_signal_name(children.signum)}; {placed} scene(s) placed, {stopped} stopped "
              f"and left as they were", file=stream)
        return 128 + children.signum

    failed = [o for o in result if o.status == "failed"]
    print("\nscene               status    seconds  log / error", file=stream)
    for o in result:
        print(f"{o.scene:19s} {o.status:8s} {o.seconds:8.1f}  {o.log or ''}"
              + (f"  {o.error}" if o.error else ""), file=stream)
    if opts.update_previews:
        if failed:
            print("previews not updated: some scenes failed", file=stream)
        else:
            try:
                written = update_previews(out, manifest)
            except (OSError, subprocess.CalledProcessError) as e:
                print(f"error: previews not updated: {e}", file=stream)
                return 1
            print(f"updated {len(written)} preview(s) in media/preview/ and the README's table", file=stream)
    if failed:
        print(f"\n{len(failed)} scene(s) failed: " + ", ".join(f"{o.scene} ({o.error}; see {o.log})" for o in failed),
              file=stream)
        return 1
    print(f"\nwrote {out / 'manifest.json'} and {out / 'index.html'}", file=stream)
    return 0
