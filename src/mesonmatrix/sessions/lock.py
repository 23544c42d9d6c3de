"""``nox -s lock``: hashed build and test lock files per target, Python and BLAS."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nox

from ..config.locks import build_lock_for, lock_problem, test_lock_for, write_lock
from ..errors import TargetError
from ..machine.commands import CommandRunner
from ..machine.uv import uv_binary
from ..machine.workspace import Workspace
from ..model import Matrix
from ..targets.resolve import resolve_target
from ..targets.target import Target
from .cells import load_or_exit


def wanted_locks(project_root: Path, target: Target, python: str,
                 flavours: list[str]) -> list[tuple[Path, list[str]]]:
    """Each lock file for ``target`` on ``python`` with the inputs it is compiled from."""
    builds = [build_lock_for(project_root, target, python, flavour) for flavour in flavours]
    return [*builds, test_lock_for(project_root, target, python)]


@dataclass(frozen=True)
class LockCount:
    written: int = 0
    current: int = 0  # left alone: present and compiled from the target's current inputs


def lock_target(project_root: Path, target: Target, matrix: Matrix, *, stale_only: bool,
                say: Callable[[str], None]) -> LockCount:
    """Write ``target``'s locks for each (Python, BLAS) pair the matrix's cells name, and
    its test lock for each Python; a Python its requires-python excludes is left out."""
    cells = [c for c in matrix.cells if c.kind == "build"]
    pairs = sorted({(c.python, c.blas) for c in cells})
    runner = CommandRunner(log=Workspace.default(project_root).root / "logs" / "lock.log")
    uv = uv_binary()
    written = current = 0
    for python in sorted({c.python for c in matrix.cells}):
        if not target.admits_python(python):
            say(f"{target.name}: not locked for Python {python} (requires-python {target.requires_python})")
            continue
        for out, inputs in wanted_locks(project_root, target, python, [b for p, b in pairs if p == python]):
            if stale_only and lock_problem(out, inputs) is None:
                current += 1
                continue
            write_lock(runner, uv, inputs, out, python, project_root)
            written += 1
    return LockCount(written=written, current=current)


def lock_session(session: nox.Session, project_root: Path) -> None:
    """Lock the named targets (presets, source trees or sdists; every preset when none is
    named) for each Python and BLAS flavour a cell of the matrices pairs, and the tests
    for each Python. A Python the target's requires-python excludes is left out."""
    parser = argparse.ArgumentParser(prog="nox -s lock --", description=lock_session.__doc__)
    parser.add_argument("targets", nargs="*", help="presets, source trees or sdists (default: every preset)")
    parser.add_argument("--stale-only", action="store_true",
                        help="write only the locks that are missing or whose inputs changed")
    args = parser.parse_args(session.posargs)
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
