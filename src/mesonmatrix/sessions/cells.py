"""Turning the matrix into nox sessions, one per cell."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import nox

from ..config.keys import cell_settings
from ..config.matrixfile import MatrixSet, load_matrices
from ..errors import MatrixError
from ..machine.interrupts import unwind_on_signals
from ..model import LOOSENED, PASSED, SKIPPED, TOOLCHAIN_MIN, Cell
from ..options import parse_cell_args
from ..pipeline import run_cell
from ..plan import manylinux_policy
from ..platforms import host_platform_name
from ..report.summary import cell_summary


def load_or_exit(project_root: Path) -> MatrixSet:
    """Load ``matrices/``; a bad file stops nox with a message naming file and key."""
    try:
        return load_matrices(project_root / "matrices", project_root)
    except MatrixError as exc:
        sys.stderr.write(f"mesonmatrix: invalid matrix: {exc}\n")
        raise SystemExit(2) from None


def cell_session(cell: Cell, matrices: MatrixSet, project_root: Path) -> Callable[[nox.Session], None]:
    def session_func(session: nox.Session) -> None:
        options = parse_cell_args(cell.session_name, session.posargs, project_root)
        # A plain kill (SIGTERM, as CI runners send on cancel) or a closed terminal (SIGHUP)
        # unwinds like Ctrl-C: child commands are ended and the record says "interrupted".
        unwind_on_signals()
        # A file's mode is part of a wheel's and a package's bytes, and meson-python and the
        # linker take it from the umask: under 077 the extension went in as -rwx------. A
        # cell's files are made as a distribution makes them, whoever builds.
        os.umask(0o022)
        record, path = run_cell(cell, matrices, options)
        if path is not None:
            session.log(f"result record: {path}")
        # Last, where a reader of the log (or its tail in CI) looks first.
        print(cell_summary(record), flush=True)
        if record.status == SKIPPED:
            session.skip(record.error)
        elif record.status != PASSED:
            session.error(record.error)

    session_func.__doc__ = listed_description(cell) or None
    session_func.__name__ = cell.session_name.replace("-", "_").replace(".", "_").replace("+", "_")
    return session_func


def listed_description(cell: Cell) -> str:
    """What ``nox -l`` shows after a cell's tags: only what they do not say (they name its
    kind, Python, BLAS, platform, system libraries, wheels and package), so a line stays
    near 100 characters (it was over 150, the tags said again in words)."""
    return {TOOLCHAIN_MIN: "oldest declared toolchain", LOOSENED: "no upper bounds"}.get(cell.kind, "")


def listed_by_default(cell: Cell, argv: Sequence[str] = sys.argv, here: str | None = None) -> bool:
    """Whether ``nox`` (and ``nox -l``'s marker) selects the cell: not when it builds for
    another platform, which it would only skip here. ``nox -l --json``, the job matrix CI
    builds for every platform's runners, lists every cell all the same."""
    return cell.platform == (here or host_platform_name()) or "--json" in argv


def register_cells(project_root: Path) -> MatrixSet:
    """One session per cell; ``nox -l --json`` lists them all, ``nox`` runs those of this platform."""
    matrices = load_or_exit(project_root)
    for cell in matrices.matrix.cells:
        # python= makes `nox -p 3.11` select the cell and `nox -l --json` name its Python; with
        # venv_backend="none" nox creates nothing, and the cell finds its interpreter itself.
        tags = [*cell.tags, *policy_tags(cell, matrices)]
        nox.session(name=cell.session_name, python=cell.python, venv_backend="none", tags=tags,
                    default=listed_by_default(cell))(cell_session(cell, matrices, project_root))
    return matrices


def policy_tags(cell: Cell, matrices: MatrixSet) -> list[str]:
    """``manylinux-2_28`` for a Linux wheel cell whose matrix file or target preset sets a
    policy: ``ci-matrix`` runs such a cell in the matching manylinux image."""
    preset = matrices.presets.get(cell.target)
    policy = manylinux_policy(cell, cell_settings(cell.settings, preset.settings if preset else {}))
    return [f"manylinux-{policy}"] if policy else []


def named_cell(session: nox.Session, project_root: Path, usage: str) -> tuple[Cell, MatrixSet, list[str]]:
    """A tool session's ``-- CELL [ARGS…]``: the cell, the matrices, and the arguments after
    it; a missing or unknown cell ends the session with the usage or the cells' listing."""
    if not session.posargs or session.posargs[0].startswith("-"):
        session.error(f"usage: {usage}")
    name, rest = session.posargs[0], list(session.posargs[1:])
    matrices = load_or_exit(project_root)
    cell = matrices.matrix.by_session().get(name)
    if cell is None:
        session.error(f"{name!r} is not a cell of the matrix (see nox -l)")
    assert cell is not None  # session.error raises
    return cell, matrices, rest
