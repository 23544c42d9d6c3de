"""``nox -s culprit -- SESSION [--good RECORD] [the cell's options]``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import nox

from ..culprit.run import find_culprit
from ..errors import CellError
from ..options import parse_cell_args
from .cells import named_cell

USAGE = "nox -s culprit -- SESSION [--good RECORD] [the cell's options, e.g. --extra-index-url URL]"


def culprit_session(session: nox.Session, project_root: Path) -> None:
    cell, matrices, rest = named_cell(session, project_root, USAGE)
    # --good is the search's own; every other argument is the cell's, as after `nox -s SESSION --`.
    own = argparse.ArgumentParser(prog="nox -s culprit --", add_help=False)
    own.add_argument("--good", type=Path, metavar="RECORD")
    known, cell_args = own.parse_known_args(rest)
    options = parse_cell_args(f"culprit -- {cell.session_name}", cell_args, project_root)
    try:
        report, path = find_culprit(cell, matrices, options, known.good)
    except CellError as exc:
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:  # the job's page says why there is no culprit line
            with open(summary, "a", encoding="utf-8") as out:
                out.write(f"### {cell.session_name}\n\nculprit search not run: `{exc}`\n\n")
        session.error(str(exc))
        return
    session.log(report.line)
    for other in report.other_failures:  # another broken release, met on the way
        session.log(f"also failing, otherwise: {other}")
    session.log(f"culprit search: {path}")
