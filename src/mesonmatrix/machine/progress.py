"""Stage headers and timings for a cell's console output and result record."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from . import peakmemory

# Where a step's one-line messages go: a cell's Progress.say, or print.
Say = Callable[[str], None]


class Progress:
    """Prints a header before each stage and a ✓/✗ line with its duration after it.

    The durations it measured go into the result record when the cell ends.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.durations: dict[str, float] = {}
        # The largest resident set (MB) of any one command in each stage, where it exceeded
        # the tool's own (machine/peakmemory).
        self.peak_rss_mb: dict[str, float] = {}
        self._waits: dict[str, float] = {}

    def say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    @contextlib.contextmanager
    def stage(self, name: str, what: str) -> Iterator[None]:
        self.say(f"==> {name}: {what}")
        start = time.monotonic()
        succeeded = False
        try:
            with peakmemory.window() as memory:
                yield
            succeeded = True
        finally:
            peak = memory.above_own()
            if peak is not None:
                self.peak_rss_mb[name] = max(self.peak_rss_mb.get(name, 0.0), peak)
            waited = self._waits.pop(name, 0.0)
            elapsed = time.monotonic() - start - waited
            self.durations[name] = round(self.durations.get(name, 0.0) + elapsed, 3)
            if waited:
                self.durations[f"{name}_wait"] = round(self.durations.get(f"{name}_wait", 0.0) + waited, 3)
            also = f", after waiting {waited:.1f}s" if waited >= 0.05 else ""
            self.say(f"✓ {name} ({elapsed:.1f}s{also})" if succeeded else f"✗ {name} failed after {elapsed:.1f}s{also}")

    @contextlib.contextmanager
    def waiting(self, stage: str) -> Iterator[None]:
        """Time spent inside ``stage`` waiting for a turn (a lock another process holds): kept
        out of the stage's duration and recorded as ``<stage>_wait``."""
        start = time.monotonic()
        try:
            yield
        finally:
            self._waits[stage] = self._waits.get(stage, 0.0) + time.monotonic() - start
