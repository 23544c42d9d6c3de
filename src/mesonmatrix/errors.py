"""Every error mesonmatrix raises on purpose, under one root.

Two families: ``MatrixError`` for a matrix file that ``nox -l`` must refuse (it names the
file, the key and what is allowed), and ``CellError`` for anything that ends one cell;
its message becomes the cell's one-line ``error`` in the result record.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from .redact import redacted


class MesonmatrixError(Exception):
    """The root: anything the tool raises with a message meant for its user."""


class MatrixError(MesonmatrixError, ValueError):
    """A problem in a matrix file: names the file, the key and what is allowed."""

    def __init__(self, file: Path, key: str, message: str) -> None:
        self.file = file
        self.key = key
        super().__init__(f"{file}: {key}: {message}")


class SystemLibrariesError(MesonmatrixError, ValueError):
    """A use-system-libraries value that SciPy's grammar does not allow."""


class CellError(MesonmatrixError):
    """A failure the cell reports as its error, with a message a user can act on."""


class CellSkipped(MesonmatrixError):
    """The cell does not apply here; the message is the one-line reason."""


class PrerequisiteMissing(CellError):
    """Something the cell needs is not on this machine; the message says how to fix it."""


class CommandFailed(CellError):
    """A command exited non-zero; the message holds its argv, exit code, log and output tail."""

    def __init__(self, argv: Sequence[str], returncode: int, log: Path, tail: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.log = log
        self.tail = tail
        super().__init__(f"`{redacted(shlex.join(self.argv))}` exited with {returncode} (log: {log})\n{tail}")


class CommandTimedOut(CommandFailed):
    """A command ran past its time limit (or without output past its idle limit) and was
    ended with everything it started."""

    def __init__(self, argv: Sequence[str], seconds: float, log: Path, tail: str, *, idle: bool = False) -> None:
        self.seconds = seconds
        self.idle = idle  # the limit broken was the one on silence, not on the whole run
        super().__init__(argv, -1, log, tail)
        what = f"printed nothing for {seconds:g} s" if idle else f"timed out after {seconds:g} s"
        self.args = (f"`{redacted(shlex.join(self.argv))}` {what} and was ended with every process it "
                     f"started (log: {log})\n{tail}",)


class CommandCancelled(CommandFailed):
    """A command stopped because its runner was cancelled (from another thread)."""


class NoTestsCollected(CellError):
    """pytest found no test in what it was given (exit 5): for verify, a wheel that ships no tests."""


class TargetError(CellError):
    """A target that cannot be built: unknown, missing, or not a meson-python project."""


class SdistError(CellError):
    """An sdist that cannot be fetched or does not match its pinned hash."""


class LockRefused(CellError):
    """A lock file or lock folder another user could have planted (a link, a folder others
    can write in or own): never followed, truncated or written."""


class TagSetError(CellError):
    """The full wheel and the install plan do not agree; no subset wheel can be cut."""


class ToolchainRejected(CellError):
    """A toolchain-min build stopped on the target's own compiler check."""


class CiMatrixError(MesonmatrixError):
    """A matrix GitHub Actions cannot run as written; the message says why."""


class RepairRejected(CellError):
    """A repaired wheel that does not hold what its repair tool promises (its policy)."""


class ReportError(MesonmatrixError):
    """A file the report was given that it cannot read as what it claims to be."""
