"""Turning the matrix into nox sessions. The noxfile calls ``register_cells`` and nothing else."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cli import parse_cell_args
from .matrixfile import MatrixSet, load_matrices
from .model import Cell, MatrixError
from .blas import PROVIDERS
from .commands import CellError, CommandRunner
from .locks import build_lock_inputs, build_lock_path, suite_lock_inputs, suite_lock_path, write_lock
from .targets import resolve_target
from .uvtool import uv_binary
from .compare import rebuild_and_compare
from .compilercache import ccache_dir
from .doctor import format_table, run_checks
from .pipeline import run_cell
from .report import write_report
from .workspace import Workspace


def load_or_exit(project_root: Path) -> MatrixSet:
    """Load ``matrices/``; a bad file stops nox with a message naming file and key."""
    try:
        return load_matrices(project_root / "matrices", project_root)
    except MatrixError as exc:
        sys.stderr.write(f"mesonmatrix: invalid matrix: {exc}\n")
        raise SystemExit(2) from None


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def cell_session(cell: Cell, matrices: MatrixSet, project_root: Path) -> Callable[[Any], None]:
    def session_func(session: Any) -> None:
        options = parse_cell_args(cell.session_name, session.posargs, project_root)
        # A plain kill (SIGTERM, as CI runners send on cancel) unwinds like Ctrl-C: child
        # commands are killed and the record says "interrupted" instead of vanishing.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        record, path = run_cell(cell, matrices, options)
        session.log(f"result record: {path}")
        if record.status == "skipped":
            session.skip(record.error)
        elif record.status != "passed":
            session.error(record.error)

    session_func.__doc__ = cell.describe()
    session_func.__name__ = cell.session_name.replace("-", "_").replace(".", "_").replace("+", "_")
    return session_func


def register_cells(nox: Any, project_root: Path) -> MatrixSet:
    """One session per cell. Cells are default sessions, so ``nox -l --json`` lists them all."""
    matrices = load_or_exit(project_root)
    for cell in matrices.matrix.cells:
        nox.session(name=cell.session_name, venv_backend="none", tags=list(cell.tags))(
            cell_session(cell, matrices, project_root)
        )
    return matrices


def report_session(session: Any, project_root: Path) -> None:
    workspace = Workspace.default(project_root)
    report = write_report(workspace.root / "results", workspace.root / "report")
    if report.records == 0:
        session.error(f"no result records under {workspace.root / 'results'}: run some cells first")
    session.log(f"{report.records} cells: {report.html}, {report.markdown}, {report.json}")
    session.log("\n" + report.markdown.read_text())


def rebuild_compare_session(session: Any, project_root: Path) -> None:
    if not session.posargs or session.posargs[0].startswith("-"):
        session.error("usage: nox -s rebuild-compare -- CELL [--target NAME|PATH] [--suite NAME]")
    name, rest = session.posargs[0], session.posargs[1:]
    matrices = load_or_exit(project_root)
    cell = matrices.matrix.by_session().get(name)
    if cell is None:
        session.error(f"{name!r} is not a cell of the matrix (see nox -l)")
        return
    options = parse_cell_args(f"rebuild-compare -- {name}", rest, project_root)
    try:
        identical, report = rebuild_and_compare(cell, matrices, options)
    except CellError as exc:
        session.error(str(exc))
    session.log(f"comparison: {report}")
    if not identical:
        session.error(f"{name}: the rebuilt wheels differ (see above and {report})")


def lock_session(session: Any, project_root: Path) -> None:
    matrices = load_or_exit(project_root)
    names = session.posargs or sorted(matrices.presets)
    unknown = [n for n in names if n not in matrices.presets]
    if unknown:
        session.error(f"not target presets: {', '.join(unknown)} (presets: {', '.join(matrices.presets)})")
    cells = [c for c in matrices.matrix.cells if c.kind == "build"]
    pythons = sorted({c.python for c in cells})
    flavours = sorted({c.blas for c in cells})
    workspace = Workspace.default(project_root)
    runner = CommandRunner(log=workspace.root / "logs" / "lock.log")
    uv = uv_binary()
    written = []
    for name in names:
        target = resolve_target(name, matrices.presets, workspace.shared_cache, runner)
        for python in pythons:
            for flavour in flavours:
                out = build_lock_path(project_root, target, python, flavour)
                written.append(write_lock(runner, uv, build_lock_inputs(target, PROVIDERS[flavour]), out, python, project_root))
            out = suite_lock_path(project_root, target, python)
            written.append(write_lock(runner, uv, suite_lock_inputs(target), out, python, project_root))
    session.log(f"wrote {len(written)} lock files under {project_root / 'locks'}")


def doctor_session(session: Any, project_root: Path) -> None:
    matrices = load_or_exit(project_root)
    cells = matrices.matrix.by_session()
    unknown = [name for name in session.posargs if name not in cells]
    if unknown:
        session.error(f"not cells of the matrix: {', '.join(unknown)}")
    selected = [cells[n] for n in session.posargs] if session.posargs else list(cells.values())
    commands: dict[str, tuple[str, str]] = {}
    for preset in (matrices.presets[t] for t in sorted({c.target for c in selected})):
        for command, package in preset.system_requires.items():
            commands[f"{command} (target {preset.name})"] = (command, package)
    checks = run_checks(selected, commands)
    print(format_table(checks))
    missing = [c.item for c in checks if not c.ok]
    if missing:
        session.error(f"missing: {', '.join(missing)}")


def clean_session(session: Any, project_root: Path) -> None:
    workspace = Workspace.default(project_root)
    for folder, what in ((workspace.root, "build dirs, wheels, results"), (workspace.shared_cache, "shared build envs and sdists")):
        size = folder_size(folder)
        shutil.rmtree(folder, ignore_errors=True)
        session.log(f"removed {folder} ({what}): {size / 1e6:.1f} MB")
    cache = ccache_dir()
    if cache is not None and cache.is_dir():
        # ccache's store is the user's, shared with every other project: reported, not removed.
        session.log(f"left alone: ccache's store {cache}: {folder_size(cache) / 1e6:.1f} MB (`ccache -C` empties it)")


def folder_size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def register_tools(nox: Any, project_root: Path) -> None:
    """Sessions that are not cells: not default, so ``nox -l --json`` (CI's matrix) leaves them out."""

    def report(session: Any) -> None:
        """Gather result records into .matrix/report/ (HTML grid, Markdown, JSON)."""
        report_session(session, project_root)

    def clean(session: Any) -> None:
        """Remove build dirs, wheels, results and shared build envs; say how much space they held."""
        clean_session(session, project_root)

    def doctor(session: Any) -> None:
        """Check what the matrix's cells need on this machine: a table of found/missing with fixes."""
        doctor_session(session, project_root)

    def rebuild_compare(session: Any) -> None:
        """Build a cell twice, the second time from a fresh build dir, and compare the wheels by sha256."""
        rebuild_compare_session(session, project_root)

    def lock(session: Any) -> None:
        """Refresh locks/: hashed build and test requirements per target, Python and BLAS (uv pip compile)."""
        lock_session(session, project_root)

    nox.session(name="lock", venv_backend="none", default=False, tags=["tools"])(lock)
    nox.session(name="rebuild-compare", venv_backend="none", default=False, tags=["tools"])(rebuild_compare)
    nox.session(name="report", venv_backend="none", default=False, tags=["tools"])(report)
    nox.session(name="doctor", venv_backend="none", default=False, tags=["tools"])(doctor)
    nox.session(name="clean", venv_backend="none", default=False, tags=["tools"])(clean)
