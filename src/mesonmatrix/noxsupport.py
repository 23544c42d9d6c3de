"""Turning the matrix into nox sessions. The noxfile calls ``register_cells`` and nothing else."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cli import parse_cell_args
from .matrixfile import MatrixSet, load_matrices
from .model import Cell, MatrixError
from .pipeline import run_cell


def load_or_exit(project_root: Path) -> MatrixSet:
    """Load ``matrices/``; a bad file stops nox with a message naming file and key."""
    try:
        return load_matrices(project_root / "matrices", project_root)
    except MatrixError as exc:
        sys.stderr.write(f"mesonmatrix: invalid matrix: {exc}\n")
        raise SystemExit(2) from None


def cell_session(cell: Cell, matrices: MatrixSet, project_root: Path) -> Callable[[Any], None]:
    def session_func(session: Any) -> None:
        options = parse_cell_args(cell.session_name, session.posargs, project_root)
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
    matrices = load_or_exit(project_root)
    for cell in matrices.matrix.cells:
        nox.session(name=cell.session_name, venv_backend="none", tags=list(cell.tags))(
            cell_session(cell, matrices, project_root)
        )
    return matrices
