"""``nox -s report [-- --previous SUMMARY_JSON]``: see ``mesonmatrix.report``."""

from __future__ import annotations

import argparse
from pathlib import Path

import nox

from ..machine.workspace import Workspace
from ..report import write_report


def report_session(session: nox.Session, project_root: Path) -> None:
    parser = argparse.ArgumentParser(prog="nox -s report --", description="Gather result records into a report.")
    parser.add_argument("--previous", type=Path, help="the previous run's summary.json: mark what changed since")
    args = parser.parse_args(list(session.posargs))
    workspace = Workspace.default(project_root)
    try:
        report = write_report(workspace.root / "results", workspace.root / "report", args.previous)
    except ValueError as exc:
        session.error(str(exc))
    if report.records == 0 and report.unreadable == 0 and report.verified == 0:
        session.error(f"no result records under {workspace.root / 'results'}: run some cells first")
    unreadable = f" ({report.unreadable} unreadable result records listed)" if report.unreadable else ""
    verified = f", {report.verified} verified wheels" if report.verified else ""
    session.log(f"{report.records} cells{unreadable}{verified}, {report.differing_tests} tests differing between "
                f"cells, {report.changed_cells} cells changed: {report.html}, {report.markdown}, {report.json}")
    session.log("\n" + report.markdown.read_text())
