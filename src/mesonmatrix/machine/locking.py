"""A lock per build dir (and build env), so two nox processes never share a compile."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; CI runs one cell per job there
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def exclusive_lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold ``<folder>.lock``; if another process holds it, say so and wait."""
    lock_path = folder.with_name(folder.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say(f"waiting: {folder} is in use by {_holder(handle)}")
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


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
