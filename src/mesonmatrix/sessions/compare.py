"""``nox -s rebuild-compare``: is a cell's wheel byte-identical when built again from nothing?"""

from __future__ import annotations

from pathlib import Path

import nox

from ..compare.rebuild import rebuild_and_compare
from ..errors import CellError
from ..options import parse_cell_args
from .cells import named_cell


def rebuild_compare_session(session: nox.Session, project_root: Path) -> None:
    cell, matrices, rest = named_cell(session, project_root,
                                      "nox -s rebuild-compare -- CELL [--target NAME|PATH] [--suite NAME]")
    name = cell.session_name
    options = parse_cell_args(f"rebuild-compare -- {name}", rest, project_root)
    try:
        identical, report = rebuild_and_compare(cell, matrices, options)
    except CellError as exc:
        session.error(str(exc))
    session.log(f"comparison: {report}")
    if not identical:
        session.error(f"{name}: the rebuilt wheels differ (see above and {report})")
