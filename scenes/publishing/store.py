"""The output folder: atomic writes, per-scene records, the manifest, the lock, and recovery.

Layout of ``<out>/``::

    <scene>/            the scene's files and record.json (its manifest entry, with each file's SHA-256)
    manifest.json       rebuilt from the records that match their files, under the lock
    index.html          the gallery
    logs/<scene>.log    the last render's log
    .publish.lock       flock()ed by the publish writing here; holds its pid
    .work-<scene>-*/    a render in progress (removed by the next run if its publish died)
    .old-<scene>-<pid>/ the previous folder during a swap (restored by the next run if its publish died)

A scene's folder is replaced as a whole: its new files and ``record.json`` (written last) are
completed in a work folder, then the old folder is renamed aside and the new one renamed into
place.  So at any moment ``<out>/<scene>/`` is either the old folder or the new one, each with the
record that describes it -- except for the instant between the two renames, which the next run
undoes by renaming the old folder back.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from scenes.publishing.discovery import sha256_file
from scenes.publishing.faults import fault
from scenes.publishing.options import PublishError

__all__ = [
    "LOCK",
    "MANIFEST",
    "RECORD",
    "OutputLock",
    "Verdict",
    "build_manifest",
    "file_entry",
    "fsync_dir",
    "place",
    "read_record",
    "recover",
    "verify",
    "write_atomic",
    "write_manifest",
    "write_record",
]

RECORD = "record.json"
MANIFEST = "manifest.json"
LOCK = ".publish.lock"
RECORD_FORMAT = 1


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (renames into it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, sync: bool = True) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and :func:`os.replace`.

    Readers see the old content or the new, never a part.  With ``sync`` the file and the folder
    are fsync()ed, so the new content survives a power cut once this returns.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if sync:
        fsync_dir(path.parent)


def file_entry(path: Path, scene: str) -> dict[str, Any]:
    """A staged file's manifest entry: its path once placed (``<scene>/<file>``), bytes, SHA-256."""
    return {"path": f"{scene}/{path.name}", "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def write_record(stage: Path, record: dict[str, Any]) -> None:
    """Write ``record.json`` into a staged scene folder, last, atomically and synced."""
    write_atomic(stage / RECORD, json.dumps({"format": RECORD_FORMAT, **record}, indent=2, sort_keys=True) + "\n")


def read_record(folder: Path) -> dict[str, Any] | None:
    """The record in ``folder``, or None if it is missing or unreadable."""
    try:
        rec = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and isinstance(rec.get("files"), list) else None


@dataclass
class Verdict:
    """Whether a scene's folder holds exactly what its record says.

    Attributes
    ----------
    record : dict or None
        The record, if there is a readable one.
    ok : bool
        Every recorded file exists with the recorded size and SHA-256.
    reason : str
        Why not (``"no record"``, ``"dot/dot.mp4 does not match its checksum"``, ...); empty if ok.
    """

    record: dict[str, Any] | None
    ok: bool
    reason: str = ""


def verify(out: Path, name: str) -> Verdict:
    """Check ``<out>/<name>/`` against its ``record.json`` (sizes and SHA-256 of every file)."""
    folder = out / name
    if not folder.is_dir():
        return Verdict(None, False, "not published yet")
    rec = read_record(folder)
    if rec is None:
        return Verdict(None, False, "no readable record")
    if rec.get("scene") != name or rec.get("format") != RECORD_FORMAT:
        return Verdict(rec, False, "record is for another scene or format")
    for f in rec["files"]:
        p = out / f.get("path", "")
        try:
            if not p.is_file():
                return Verdict(rec, False, f"{f.get('path')} is missing")
            if p.stat().st_size != f.get("bytes") or sha256_file(p) != f.get("sha256"):
                return Verdict(rec, False, f"{f['path']} does not match its checksum")
        except OSError as e:
            return Verdict(rec, False, f"{f.get('path')} is unreadable ({e.strerror})")
    return Verdict(rec, True)


def place(out: Path, name: str, stage: Path) -> None:
    """Replace ``<out>/<name>/`` by the complete staged folder ``stage`` (two renames; see module doc)."""
    dest = out / name
    old = out / f".old-{name}-{os.getpid()}"
    had_old = dest.exists() or dest.is_symlink()
    if had_old:
        os.rename(dest, old)
        fault("swap", name)
    try:
        os.rename(stage, dest)
    except OSError:
        if had_old:
            os.rename(old, dest)
        raise
    fsync_dir(out)
    fault("placed", name)
    if had_old:
        shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> list[str]:
    """Undo what a killed publish left behind; return one note per repair.

    Restores a scene folder that was moved aside and not replaced, deletes leftover ``.old-*``
    folders, stale work folders and temporary files.  Call only while holding the lock.
    """
    notes = []
    for old in sorted(out.glob(".old-*")):
        name = old.name[len(".old-"):].rsplit("-", 1)[0]
        dest = out / name
        if not dest.exists():
            os.rename(old, dest)
            notes.append(f"restored {name}/ from an interrupted swap")
        else:
            shutil.rmtree(old, ignore_errors=True)
            notes.append(f"removed {old.name}/ left by an interrupted run")
    for work in sorted(out.glob(".work-*")):
        shutil.rmtree(work, ignore_errors=True)
        notes.append(f"removed stale work folder {work.name}/")
    for tmp in out.glob(".*.tmp-*"):
        tmp.unlink(missing_ok=True)
    return notes


def build_manifest(out: Path, run: dict[str, Any], is_ok: Callable[[str], Verdict]) -> dict[str, Any]:
    """The manifest: every scene folder in ``out`` whose files match its record, keyed by scene.

    Parameters
    ----------
    out : Path
        The output folder.
    run : dict
        Top-level fields (version, quality and theme of the run that wrote it).
    is_ok : callable
        ``name -> Verdict`` (lets the caller reuse checks it already made in this run).
    """
    scenes = {}
    for rec_file in sorted(out.glob(f"*/{RECORD}")):
        name = rec_file.parent.name
        if name.startswith("."):
            continue
        verdict = is_ok(name)
        if verdict.ok and verdict.record is not None:
            entry = {k: v for k, v in verdict.record.items() if k not in ("format", "scene")}
            scenes[name] = entry
    return {**run, "scenes": scenes}


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``<out>/manifest.json`` atomically; call under the lock."""
    path = out / MANIFEST
    write_atomic(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    fault("manifest")
    return path


@dataclass
class OutputLock:
    """An exclusive ``flock`` on ``<out>/.publish.lock`` for the whole run.

    The kernel releases it when the process ends, however it ends, so a killed publish never
    leaves the folder locked.

    Attributes
    ----------
    out : Path
        The output folder (created if missing).
    wait : bool
        Wait for the holder to finish (printing one line) or raise :class:`PublishError`.
    stopped : callable
        Polled while waiting; returning True abandons the wait (a signal arrived).
    """

    out: Path
    wait: bool = True
    stopped: Callable[[], bool] = lambda: False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    fd: int | None = None

    def _holder(self) -> str:
        try:
            pid = (self.out / LOCK).read_text().split()[0]
            return f"pid {pid}"
        except (OSError, IndexError):
            return "another process"

    def acquire(self) -> bool:
        """Take the lock; False if a stop was requested while waiting."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise PublishError(f"cannot write to the output folder {self.out}: "
                               f"{e.strerror or e}") from None
        told = False
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise PublishError(f"cannot lock {self.out / LOCK}: {e.strerror}") from None
            if not self.wait:
                self.release()
                raise PublishError(f"another publish ({self._holder()}) is writing to {self.out}; "
                                   "try again when it ends (or leave out --no-wait to wait for it)")
            if not told:
                print(f"waiting for another publish ({self._holder()}) writing to {self.out} to finish ...",
                      file=self.stream, flush=True)
                told = True
            if self.stopped():
                self.release()
                return False
            time.sleep(0.2)
        probe = self.out / f".probe-{os.getpid()}"
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}\n".encode(), 0)
            probe.touch()          # the lock file may be writable in a folder that is not
            probe.unlink()
        except OSError as e:
            self.release()
            raise PublishError(f"cannot write to the output folder {self.out}: {e.strerror}") from None
        return True

    def release(self) -> None:
        """Drop the lock (closing the file releases it)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
