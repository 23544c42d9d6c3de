"""``nox -s lock``: hashed build and test lock files per target, Python and BLAS."""

from __future__ import annotations

import argparse
from pathlib import Path

import nox
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..config.locks import (
    build_lock_inputs,
    build_lock_path,
    lock_problem,
    suite_lock_inputs,
    suite_lock_path,
    write_lock,
)
from ..errors import TargetError
from ..machine.commands import CommandRunner
from ..machine.uv import uv_binary
from ..machine.workspace import Workspace
from ..providers import provider_for
from ..targets.resolve import resolve_target
from ..targets.target import Target
from .cells import load_or_exit


def supports(target: Target, python: str) -> bool:
    """Does the target's requires-python admit this Python (``3.13t`` counts as 3.13)?"""
    if not target.requires_python:
        return True
    try:
        return SpecifierSet(target.requires_python).contains(python.rstrip("t"), prereleases=True)
    except InvalidSpecifier:
        return True  # the cell itself reports the bad specifier


def wanted_locks(project_root: Path, target: Target, python: str,
                 flavours: list[str]) -> list[tuple[Path, list[str]]]:
    """Each lock file for ``target`` on ``python`` with the inputs it is compiled from."""
    wanted = []
    for flavour in flavours:
        provider = provider_for(flavour, target_declares_blas=target.declares_blas)
        lock = build_lock_path(project_root, target.name, python, flavour)
        wanted.append((lock, build_lock_inputs(target, provider)))
    wanted.append((suite_lock_path(project_root, target.name, python), suite_lock_inputs(target)))
    return wanted


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
    cells = [c for c in matrices.matrix.cells if c.kind == "build"]
    pairs = sorted({(c.python, c.blas) for c in cells})
    pythons = sorted({c.python for c in matrices.matrix.cells})
    workspace = Workspace.default(project_root)
    runner = CommandRunner(log=workspace.root / "logs" / "lock.log")
    uv = uv_binary()
    written = kept = 0
    for name in args.targets or sorted(matrices.presets):
        try:
            target = resolve_target(name, matrices.presets, workspace.shared_cache, runner)
        except TargetError as exc:
            session.error(str(exc))
        for python in pythons:
            if not supports(target, python):
                session.log(f"{target.name}: not locked for Python {python} (requires-python {target.requires_python})")
                continue
            flavours = [flavour for p, flavour in pairs if p == python]
            for out, inputs in wanted_locks(project_root, target, python, flavours):
                if args.stale_only and lock_problem(out, inputs) is None:
                    kept += 1
                    continue
                write_lock(runner, uv, inputs, out, python, project_root)
                written += 1
    current = f"; {kept} were current" if kept else ""
    session.log(f"wrote {written} lock files under {project_root / 'locks'}{current}")
