"""Stage headers and timings for a cell's console output and result record."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TextIO


class Stages:
    """Times each stage, prints a header before and a ✓/✗ line after it."""

    def __init__(self, stream: TextIO, durations: dict[str, float]) -> None:
        self.stream = stream
        self.durations = durations

    def say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    @contextlib.contextmanager
    def stage(self, name: str, what: str) -> Iterator[None]:
        self.say(f"==> {name}: {what}")
        start = time.monotonic()
        succeeded = False
        try:
            yield
            succeeded = True
        finally:
            elapsed = time.monotonic() - start
            self.durations[name] = round(self.durations.get(name, 0.0) + elapsed, 3)
            self.say(f"✓ {name} ({elapsed:.1f}s)" if succeeded else f"✗ {name} failed after {elapsed:.1f}s")
