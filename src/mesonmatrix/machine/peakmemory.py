"""The largest resident set a command reached, gathered per stage of a cell.

Each command's exit is reaped with ``wait4``, whose resource usage covers the command and
every descendant it waited for (the kernel keeps the largest ``maxrss`` of the tree), so a
compiler under ninja under meson counts. What is kept is the largest single process, as
``/usr/bin/time`` reports it, not the sum of processes running side by side (ninja's
parallel jobs): that sum is at most ``jobs`` times it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

# ru_maxrss is in kilobytes on Linux and in bytes on macOS (getrusage(2) on each).
_MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024


@dataclass
class PeakWindow:
    """The largest resident set (bytes) of any command that ended while the window was open."""

    peak_bytes: int = 0

    @property
    def megabytes(self) -> float:
        return round(self.peak_bytes / 2**20, 1)


_OPEN: list[PeakWindow] = []
_LOCK = threading.Lock()


def note(maxrss: int) -> None:
    """A command ended with this ``ru_maxrss`` (the platform's unit): every open window sees it."""
    with _LOCK:
        for window in _OPEN:
            window.peak_bytes = max(window.peak_bytes, maxrss * _MAXRSS_BYTES)


@contextlib.contextmanager
def window() -> Iterator[PeakWindow]:
    """Collect the peak of every command ending inside the ``with`` (on any thread: the test
    venv made during the build counts in the build's window, as it runs then)."""
    opened = PeakWindow()
    with _LOCK:
        _OPEN.append(opened)
    try:
        yield opened
    finally:
        with _LOCK:
            _OPEN.remove(opened)


def own_peak_megabytes() -> float | None:
    """This process's own largest resident set so far (the tool itself: planning, repair
    checks, the record); None where there is no getrusage (Windows)."""
    if sys.platform == "win32":
        return None
    import resource  # POSIX only

    return round(float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * _MAXRSS_BYTES / 2**20, 1)
