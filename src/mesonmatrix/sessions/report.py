"""``nox -s report [-- --previous SUMMARY_JSON]``: see ``mesonmatrix.report``."""

from __future__ import annotations

import argparse
from pathlib import Path

import nox

from ..errors import ReportError
from ..machine.workspace import Workspace
from ..report import write_report
from ..report.records import plural
from .cells import load_or_exit


def parser() -> argparse.ArgumentParser:
    """The session's options after ``--`` (the sessions reference is made from them too)."""
    options = argparse.ArgumentParser(prog="nox -s report --", description="Gather result records into a report.")
    options.add_argument("--previous", type=Path, metavar="SUMMARY_JSON",
                         help="the previous run's summary.json: mark what changed since")
    return options


def report_session(session: nox.Session, project_root: Path) -> None:
    args = parser().parse_args(list(session.posargs))
    workspace = Workspace.default(project_root)
    sessions = [cell.session_name for cell in load_or_exit(project_root).matrix.cells]
    try:
        report = write_report(workspace.root / "results", workspace.root / "report", args.previous, sessions,
                              project_root)
    except ReportError as exc:
        session.error(str(exc))
    if report.records == 0 and report.unreadable == 0 and report.verified == 0:
        session.error(f"no result records under {workspace.root / 'results'}: run some cells first")
    unreadable = f" ({report.unreadable} unreadable result records listed)" if report.unreadable else ""
    verified = f", {report.verified} verified wheels" if report.verified else ""
    not_run = f", {report.not_run} not run" if report.not_run else ""
    session.log(f"{plural(report.records, 'cell')} with a record{not_run}{unreadable}{verified}, "
                f"{plural(report.differing_tests, 'test')} differing between cells, "
                f"{plural(report.changed_cells, 'cell')} changed: {report.html}, {report.markdown}, {report.json}")
    session.log("\n" + report.markdown.read_text())
