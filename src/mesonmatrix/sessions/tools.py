"""Sessions that are not cells. They are not default sessions, so ``nox -l --json``
(CI's job matrix) leaves them out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import nox

from ..machine.interrupts import unwind_on_signals
from .suggest import suggest_close_sessions


def _unwinding(session_func: Callable[[nox.Session], None]) -> Callable[[nox.Session], None]:
    """SIGTERM and SIGHUP end the session as Ctrl-C does: its commands end with it."""

    @functools.wraps(session_func)
    def wrapper(session: nox.Session) -> None:
        unwind_on_signals()
        session_func(session)

    return wrapper


def register_tools(project_root: Path) -> None:
    """Sessions that are not cells: not default, so ``nox -l --json`` (CI's matrix) leaves them out.

    Each imports its module when it runs: every nox start-up (each cell's, ``nox -l``)
    would otherwise import the report, verify, compare and lock code it does not use."""

    def report(session: nox.Session) -> None:
        """Gather result records into .matrix/report/ (HTML grid, Markdown, JSON)."""
        from .report import report_session

        report_session(session, project_root)

    def clean(session: nox.Session) -> None:
        """Remove build dirs, wheels, results and shared build envs; say how much space they held."""
        from .clean import clean_session

        clean_session(session, project_root)

    def doctor(session: nox.Session) -> None:
        """Check what the matrix's cells need on this machine: a table of found/missing with fixes."""
        from .doctor import doctor_session

        doctor_session(session, project_root)

    def rebuild_compare(session: nox.Session) -> None:
        """Build a cell twice, the second time from a fresh build dir, and compare the wheels by sha256."""
        from .compare import rebuild_compare_session

        rebuild_compare_session(session, project_root)

    def lock(session: nox.Session) -> None:
        """Refresh locks/: hashed build and test requirements per target, Python and BLAS (uv pip compile)."""
        from .lock import lock_session

        lock_session(session, project_root)

    def verify(session: nox.Session) -> None:
        """Check wheels built anywhere: RECORD, tags, libraries, static BLAS, split pairs; run what runs here."""
        from .verify import verify_session

        verify_session(session, project_root)

    def culprit(session: nox.Session) -> None:
        """Name the upstream release that broke a latest, pre or oldest cell: -- SESSION [--good RECORD]."""
        from .culprit import culprit_session

        culprit_session(session, project_root)

    nox.session(name="culprit", venv_backend="none", default=False, tags=["tools"])(_unwinding(culprit))
    nox.session(name="verify", venv_backend="none", default=False, tags=["tools"])(_unwinding(verify))
    nox.session(name="lock", venv_backend="none", default=False, tags=["tools"])(_unwinding(lock))
    nox.session(name="rebuild-compare", venv_backend="none", default=False, tags=["tools"])(_unwinding(rebuild_compare))
    nox.session(name="report", venv_backend="none", default=False, tags=["tools"])(_unwinding(report))
    nox.session(name="doctor", venv_backend="none", default=False, tags=["tools"])(_unwinding(doctor))
    nox.session(name="clean", venv_backend="none", default=False, tags=["tools"])(_unwinding(clean))
    # Last, once every session is registered (the noxfile calls this after register_cells).
    suggest_close_sessions(nox.registry.get())
