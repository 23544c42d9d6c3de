"""A lock per build dir (and build env), so two nox processes never share a compile."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

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
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                say(f"waiting: {folder} is in use by {holder}")
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
