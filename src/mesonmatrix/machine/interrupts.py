"""The signals that end the tool unwind it as Ctrl-C does, so that what it started ends
with it: SIGTERM (what CI runners send on cancel, and ``kill``'s default) and SIGHUP (a
closed terminal or ssh session). Left to their default action, either killed the tool at
once and orphaned the build or the test suite it was running (each runs in a session of
its own, which the terminal's hangup does not reach)."""

from __future__ import annotations

import signal

UNWINDING_SIGNALS = ("SIGTERM", "SIGHUP")


def _unwind(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def unwind_on_signals() -> None:
    """From now on SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread, which the
    pipeline records as "interrupted" after ending every command it started."""
    for name in UNWINDING_SIGNALS:
        number = getattr(signal, name, None)  # Windows has no SIGHUP
        if number is not None:
            signal.signal(number, _unwind)
