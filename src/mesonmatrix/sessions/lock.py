"""``nox -s lock``: hashed build and test lock files per target, Python and BLAS."""

from __future__ import annotations

from pathlib import Path

import nox

from ..config.locks import build_lock_inputs, build_lock_path, suite_lock_inputs, suite_lock_path, write_lock
from ..errors import TargetError
from ..machine.commands import CommandRunner
from ..machine.uv import uv_binary
from ..machine.workspace import Workspace
from ..providers import PROVIDERS
from ..targets.resolve import resolve_target
from .cells import load_or_exit


def lock_session(session: nox.Session, project_root: Path) -> None:
    """Lock the targets named after ``--`` (presets, source trees or sdists; every preset
    when none is named) for every Python and BLAS flavour the matrices list."""
    matrices = load_or_exit(project_root)
    names = session.posargs or sorted(matrices.presets)
    cells = [c for c in matrices.matrix.cells if c.kind == "build"]
    pythons = sorted({c.python for c in cells})
    flavours = sorted({c.blas for c in cells})
    workspace = Workspace.default(project_root)
    runner = CommandRunner(log=workspace.root / "logs" / "lock.log")
    uv = uv_binary()
    written = []
    for name in names:
        try:
            target = resolve_target(name, matrices.presets, workspace.shared_cache, runner)
        except TargetError as exc:
            session.error(str(exc))
        for python in pythons:
            for flavour in flavours:
                out = build_lock_path(project_root, target.name, python, flavour)
                written.append(
                    write_lock(runner, uv, build_lock_inputs(target, PROVIDERS[flavour]), out, python, project_root)
                )
            out = suite_lock_path(project_root, target.name, python)
            written.append(write_lock(runner, uv, suite_lock_inputs(target), out, python, project_root))
    session.log(f"wrote {len(written)} lock files under {project_root / 'locks'}")
