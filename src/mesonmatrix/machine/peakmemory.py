"""The largest resident set a command reached, gathered per stage of a cell.

Each command's exit is reaped with ``wait4``, whose resource usage covers the command and
every descendant it waited for (the kernel keeps the largest ``maxrss`` of the tree), so a
compiler under ninja under meson counts. What is kept is the largest single process, as
``/usr/bin/time`` reports it, not the sum of processes running side by side (ninja's
parallel jobs): that sum is at most ``jobs`` times it.

On Linux a command's ``maxrss`` is never below the tool's own high-water mark when it
started it: the figure is carried across fork and exec. So a stage whose commands stayed
within the tool's own size says nothing about them and is left out, and the tool's own
mark is reset when a cell starts (``reset_own_peak``), so that neither it nor its
commands carry an earlier cell's peak.
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

    def above_own(self) -> float | None:
        """The peak in MB if it says something of the commands: above the tool's own mark
        (which every command's figure includes), else None."""
        own = own_peak_bytes()
        return self.megabytes if self.peak_bytes > (own or 0) + 2**20 else None


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


def own_peak_bytes() -> int | None:
    """This process's own largest resident set since ``reset_own_peak`` (the tool itself:
    planning, repair checks, the record); None where it cannot be read (Windows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # Linux: VmHWM, resettable
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    if sys.platform == "win32":
        return None
    import resource  # POSIX only; never reset there

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * _MAXRSS_BYTES


def own_peak_megabytes() -> float | None:
    own = own_peak_bytes()
    return None if own is None else round(own / 2**20, 1)


def reset_own_peak() -> None:
    """Start the tool's high-water mark again from its present size (Linux: writing 5 to
    /proc/self/clear_refs; elsewhere nothing to do)."""
    with contextlib.suppress(OSError):
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
