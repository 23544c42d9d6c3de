"""Entries of the shared cache that no cell has used for a month go when a new one is made.

A build env is keyed by what its lock pins and an unpacked sdist by its sha256, so every
relock (a nightly of the latest dependencies makes one whenever a package releases) and
every new upstream sdist leaves the older entry behind: a persisted nightly cache grew
without bound. No cell can know which of them another checkout's matrix still uses, but
every use of one takes its lock (``machine.locking``), which touches the lock file: its
mtime says when a cell last used the entry. When a cell makes a new entry (rare, and
expensive anyway: a venv, an unpack) it removes the siblings unused for ``UNUSED_DAYS``,
each only while it holds that entry's lock whole, so a cell using it keeps it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .locking import try_exclusive_lock

# A month: a nightly's entries are used every night, a weekly's every week; one a release
# branch uses again after a month costs one remake (a venv from uv's cache, an unpack).
UNUSED_DAYS = 30.0


def last_used(entry: Path) -> float | None:
    """When a cell last took ``entry``'s lock (its lock file's mtime), None without one."""
    try:
        return entry.with_name(entry.name + ".lock").stat().st_mtime
    except OSError:
        return None


def evict_unused(folder: Path, pattern: str, *, days: float = UNUSED_DAYS,
                 companions: Callable[[Path], Iterable[Path]] = lambda entry: (),
                 now: float | None = None) -> list[tuple[Path, int]]:
    """Remove each folder in ``folder`` whose name matches ``pattern`` and whose lock says
    no cell used it for ``days``, with its ``companions`` (what describes it elsewhere in
    the cache); returns what went and the bytes it held. An entry in use, or without a
    lock file, stays."""
    limit = (time.time() if now is None else now) - days * 86400
    gone: list[tuple[Path, int]] = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not re.fullmatch(pattern, entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        used = last_used(entry)
        if used is None or used >= limit:
            continue
        with try_exclusive_lock(entry) as ours:
            if not ours:
                continue  # a cell is using it now
            paths = [entry, *companions(entry)]
            size = sum(_size(p) for p in paths)
            for path in paths:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            gone.append((entry, size))
        # The lock file stays: a cell may have opened it already, and must lock the file
        # every later cell locks (it makes the entry afresh under it).
    return gone


def _size(path: Path) -> int:
    if not path.is_dir() or path.is_symlink():
        return path.lstat().st_size if os.path.lexists(path) else 0
    return sum(os.lstat(os.path.join(top, name)).st_size for top, _dirs, files in os.walk(path) for name in files)


# The names build envs and unpacked sdists have in the shared cache (``machine.cachedir``).
ENV_NAME = r"py3\.[0-9]+t?-[0-9a-f]{12}"
SOURCE_NAME = r"[0-9a-f]{16}"


def evict_unused_envs(cache: Path, *, now: float | None = None) -> list[tuple[Path, int]]:
    """Build envs no cell used for a month, with the .pc files written for them and their
    bytecode under the cache's prefix (``pycache/`` mirrors the env's absolute path)."""
    def companions(env: Path) -> list[Path]:
        return [*(cache / "pkgconfig").glob(f"{env.name}-*"), cache / "pycache" / env.resolve().relative_to(env.anchor)]

    return evict_unused(cache / "envs", ENV_NAME, companions=companions, now=now)


def evict_unused_sources(cache: Path, *, now: float | None = None) -> list[tuple[Path, int]]:
    """Unpacked sdists no cell used for a month (the sdist itself is fetched again by its
    pinned sha256 when a cell asks for it)."""
    return evict_unused(cache / "sources", SOURCE_NAME, now=now)
