"""Writing a target's locks: one per (Python, BLAS) pair the matrix's cells name, and one
test lock per Python; with ``stale_only``, only those missing or compiled from other inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..machine.commands import CommandRunner
from ..machine.progress import Say
from ..machine.pythons import axis_version
from ..machine.uv import uv_binary
from ..machine.workspace import Workspace
from ..model import Matrix
from ..targets.target import Target
from .locks import build_lock_for, lock_problem, test_lock_for, write_lock


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
                say: Say, keep_existing: bool = False) -> LockCount:
    """Write ``target``'s locks for each (Python, BLAS) pair the matrix's cells name, and
    its test lock for each Python; a Python its requires-python excludes is left out."""
    cells = [c for c in matrix.cells if c.kind == "build"]
    # The distro's Python ("distro") is locked as the version it is on this machine.
    pairs = sorted({(axis_version(c.python), c.blas) for c in cells})
    runner = CommandRunner(log=Workspace.default(project_root).root / "logs" / "lock.log")
    uv = uv_binary()
    written = current = 0
    for python in sorted({axis_version(c.python) for c in matrix.cells}):
        if not target.admits_python(python):
            say(f"{target.name}: not locked for Python {python} (requires-python {target.requires_python})")
            continue
        for out, inputs in wanted_locks(project_root, target, python, [b for p, b in pairs if p == python]):
            if stale_only and lock_problem(out, inputs) is None:
                current += 1
                continue
            if keep_existing and out.exists():
                say(f"kept {out}: it exists (`nox -s lock` rewrites a stale lock; init never overwrites a file "
                    "without --force)")
                current += 1
                continue
            write_lock(runner, uv, inputs, out, python, project_root)
            written += 1
    return LockCount(written=written, current=current)
