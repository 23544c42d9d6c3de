"""``nox -s rebuild-compare``: is a cell's wheel byte-identical when built again from nothing?"""

from __future__ import annotations

from pathlib import Path

import nox

from ..compare.rebuild import rebuild_and_compare
from ..errors import CellError
from ..options import parse_cell_args
from .cells import load_or_exit


def rebuild_compare_session(session: nox.Session, project_root: Path) -> None:
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
