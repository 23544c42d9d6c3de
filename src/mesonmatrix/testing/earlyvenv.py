"""A wheel cell's test venv, made on a thread of its own while the build and the repair
run: created, and filled with the locked test requirements. Only the wheels under test go
in after the repair, so the test stage no longer waits for uv (about 0.5 s a cell on the
demo matrix: a venv and a few thousand hard links for NumPy and pytest).

Its commands are logged to a file of their own, appended to the cell log when the test
stage takes the venv; they run in sessions of their own, so the leftover sweep after a
build command leaves them alone (``machine.commands``). A cell that ends before its
tests (a failed build) stops them.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..machine.commands import CommandRunner
from ..machine.uv import create_venv, install_from_lock


@dataclass
class EarlyVenv:
    venv: Path
    venv_python: Path
    log: Path
    cancel: threading.Event = field(default_factory=threading.Event)
    # Set when making the venv failed: the cell's own runner watches it, so a build (SciPy's
    # takes half an hour) stops at once instead of finishing for tests that cannot run.
    failed: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    seconds: float = 0.0
    _thread: threading.Thread | None = None

    def wait(self) -> Path:
        """The venv's Python once it is made; raises what making it raised."""
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error
        return self.venv_python

    def stop(self) -> None:
        self.cancel.set()
        if self._thread is not None:
            self._thread.join()


def _make(early: EarlyVenv, *, uv: str, python: Path, lock: Path, env: Mapping[str, str],
          index_args: Sequence[str]) -> None:
    runner = CommandRunner(log=early.log, env=dict(env), stream=io.StringIO(), echo_output=False,
                           cancel=early.cancel)
    start = time.monotonic()
    try:
        create_venv(runner, uv, python, early.venv, label="create test venv")
        install_from_lock(runner, uv, early.venv_python, lock, label=f"install test requirements from {lock.name}",
                          index_args=index_args)
    except BaseException as exc:  # handed to the test stage, which raises it
        early.error = exc
        if not early.cancel.is_set():  # failed by itself, not stopped by the cell
            early.failed.set()
    finally:
        early.seconds = round(time.monotonic() - start, 3)


@contextmanager
def early_test_venv(venv: Path, venv_python: Path, log: Path, *, uv: str, python: Path, lock: Path | None,
                    env: Mapping[str, str], index_args: Sequence[str] = ()) -> Iterator[EarlyVenv | None]:
    """Start making the venv (None when there is no lock to make it from); on leaving the
    block, whatever is still running is stopped."""
    if lock is None:
        yield None
        return
    log.unlink(missing_ok=True)
    early = EarlyVenv(venv=venv, venv_python=venv_python, log=log)
    early._thread = threading.Thread(target=_make, args=(early,), name="test-venv", daemon=True,
                                     kwargs={"uv": uv, "python": python, "lock": lock, "env": env,
                                             "index_args": index_args})
    early._thread.start()
    try:
        yield early
    finally:
        early.stop()
