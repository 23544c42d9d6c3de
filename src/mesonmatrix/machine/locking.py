"""A lock per cell, build dir, build env and sdist, so two processes never share a compile.

POSIX: ``flock`` on ``<folder>.lock``. Windows: ``msvcrt.locking`` on one byte far past
the holder's pid text, so that a waiter can still read who holds the lock (Windows
refuses reads of a locked range).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

if sys.platform == "win32":
    import msvcrt

    _FAR = 1 << 20

    def _try_lock(handle: IO[str], shared: bool = False) -> bool:
        # msvcrt has no shared locks: a shared holder excludes like any other.
        handle.seek(_FAR)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(handle: IO[str], shared: bool = False) -> None:
        while not _try_lock(handle, shared):
            time.sleep(0.5)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(_FAR)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str], shared: bool = False) -> bool:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(handle: IO[str], shared: bool = False) -> None:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive_lock(folder: Path, say: Callable[[str], None], why: str = "") -> Iterator[None]:
    """Hold ``<folder>.lock``; if another process holds it, say so (and ``why``) and wait."""
    lock_path = folder.with_name(folder.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        if not _try_lock(handle):
            say(f"waiting: {folder} is in use by {_holder(handle)}{why}")
            _lock(handle)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            _unlock(handle)


@contextlib.contextmanager
def try_exclusive_lock(folder: Path) -> Iterator[bool]:
    """Hold ``<folder>.lock`` if nobody else does; yields whether it is held (never waits)."""
    lock_path = folder.with_name(folder.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        if not _try_lock(handle):
            yield False
            return
        try:
            yield True
        finally:
            _unlock(handle)


# Machine-wide, whatever the workspace or cache: NumPy's whole suite peaked at 17.4 GB here
# (../shared/MEASUREMENTS.md), so two at once would not fit in 24 GB.
TEST_SUITE_LOCK = Path(tempfile.gettempdir()) / "mesonmatrix-locks" / "test-suite"


@contextlib.contextmanager
def one_test_suite_at_a_time(say: Callable[[str], None], lock: Path = TEST_SUITE_LOCK) -> Iterator[None]:
    """Run an installed test suite only while no other cell on this machine runs one:
    what bounds a cell's memory is its own suite, never two suites together."""
    with exclusive_lock(lock, say, why=" (its tests are running: one test suite at a time on this machine, "
                                      "so that two large suites never share its memory)"):
        yield


@contextlib.contextmanager
def shared_lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold ``<folder>.lock`` shared: any number of processes may use the folder at once
    (builds with one build env), while ``exclusive_lock`` (reinstalling that env) waits
    for all of them, and they for it."""
    lock_path = folder.with_name(folder.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        if not _try_lock(handle, shared=True):
            say(f"waiting: {folder} is being changed by {_holder(handle)}")
            _lock(handle, shared=True)
        try:
            yield
        finally:
            _unlock(handle)


def held_locks(root: Path) -> list[tuple[Path, str]]:
    """Every lock below ``root`` that a running process holds now, with who holds it: what a
    running cell (or a build, or an env install) is using there."""
    held = []
    for lock_path in sorted(root.rglob("*.lock")) if root.is_dir() else []:
        try:
            handle = lock_path.open("a+")
        except OSError:
            continue
        with handle:
            if _try_lock(handle, shared=False):
                _unlock(handle)
            else:
                held.append((lock_path, _holder(handle)))
    return held


def _holder(handle: IO[str]) -> str:
    """Who holds the lock, as its holder wrote it just after taking it.

    The holder writes its pid a moment after flock succeeds, so a waiter that looks
    in that moment finds the file empty: look again briefly before giving up.
    """
    for _ in range(20):
        handle.seek(0)
        text = handle.read().strip()
        if text:
            return text
        time.sleep(0.05)
    return "another process"
