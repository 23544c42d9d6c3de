"""ninja's ``[n/N]`` lines as progress, not as a scroll of compile commands: on a terminal
one live line that rewrites itself, elsewhere (CI logs) a line now and then; every other
line (meson's configure output, warnings, errors) is shown as it comes. The cell log keeps
the whole output either way (``CommandRunner`` writes it before any view)."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from typing import TextIO

# ninja's default status line, NINJA_STATUS="[%f/%t] " (ninja's manual).
_STEP = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")
# In a log, a progress line at most this often (and at the first and last step): a
# 30-minute SciPy build then says where it is about 60 times instead of 1,300.
CI_INTERVAL_SECONDS = 30.0


class NinjaProgress:
    """A view of one command's output for the console: ``show(line)`` for each line,
    ``finish()`` once it ended."""

    def __init__(self, stream: TextIO, *, live: bool | None = None, interval: float = CI_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream, self._clock, self._interval = stream, clock, interval
        self._live = stream.isatty() if live is None else live
        self._start = clock()
        self._said_at: float | None = None
        self._showing = False  # a live line is on the terminal, without its newline

    def show(self, line: str) -> None:
        step = _STEP.match(line.rstrip("\n"))
        if step is None:
            self._clear()
            self._stream.write(line if line.endswith("\n") else line + "\n")
        elif self._live:
            self._live_line(f"    [{step[1]}/{step[2]}] {step[3]}")
        else:
            self._periodic(int(step[1]), int(step[2]))
        self._stream.flush()

    def finish(self) -> None:
        if self._showing:
            self._stream.write("\n")  # the last step stays on the screen
            self._showing = False
            self._stream.flush()

    def _live_line(self, text: str) -> None:
        width = shutil.get_terminal_size((100, 24)).columns - 1
        self._stream.write("\r\033[K" + (text if len(text) <= width else text[: width - 1] + "…"))
        self._showing = True

    def _periodic(self, done: int, total: int) -> None:
        now = self._clock()
        if self._said_at is not None and done < total and now - self._said_at < self._interval:
            return
        self._said_at = now
        self._stream.write(f"    ninja: {done}/{total} steps ({100 * done // max(total, 1)}%) after "
                           f"{now - self._start:.0f} s\n")

    def _clear(self) -> None:
        if self._showing:
            self._stream.write("\r\033[K")
            self._showing = False
