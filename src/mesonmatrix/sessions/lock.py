"""``nox -s lock``: hashed build and test lock files per target, Python and BLAS."""

from __future__ import annotations

import argparse
from pathlib import Path

import nox

from ..errors import TargetError
from ..lockfiles.write import LockCount, lock_target
from ..machine.commands import CommandRunner
from ..machine.workspace import Workspace
from ..targets.resolve import resolve_target
from .cells import load_or_exit


def parser() -> argparse.ArgumentParser:
    """The session's options after ``--`` (the sessions reference is made from them too)."""
    options = argparse.ArgumentParser(prog="nox -s lock --", description=lock_session.__doc__)
    options.add_argument("targets", nargs="*", help="presets, source trees or sdists (default: every preset)")
    options.add_argument("--stale-only", action="store_true",
                         help="write only the locks that are missing or whose inputs changed")
    return options


def lock_session(session: nox.Session, project_root: Path) -> None:
    """Lock the named targets (presets, source trees or sdists; every preset when none is
    named) for each Python and BLAS flavour a cell of the matrices pairs, and the tests
    for each Python. A Python the target's requires-python excludes is left out."""
    args = parser().parse_args(session.posargs)
    matrices = load_or_exit(project_root)
    workspace = Workspace.default(project_root)
    runner = CommandRunner(log=workspace.root / "logs" / "lock.log")
    total = LockCount()
    for name in args.targets or sorted(matrices.presets):
        try:
            target = resolve_target(name, matrices.presets, workspace.shared_cache, runner)
        except TargetError as exc:
            session.error(str(exc))
        count = lock_target(project_root, target, matrices.matrix, stale_only=args.stale_only, say=session.log)
        total = LockCount(written=total.written + count.written, current=total.current + count.current)
    current = f"; {total.current} were current" if total.current else ""
    session.log(f"wrote {total.written} lock files under {project_root / 'locks'}{current}")
