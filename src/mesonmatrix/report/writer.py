"""``nox -s report``: result records gathered into a static HTML page, Markdown (GitHub's
step summary) and JSON (for tools, and for the next run's history).

``records`` loads them; ``junit`` reads each cell's tests; ``testdiff`` finds tests whose
outcome differs between cells; ``history`` compares with a previous run's summary.json;
``charts``, ``page`` and ``markdown`` write the formats.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ..machine.writing import write_atomically
from ..record import SCHEMA_VERSION
from .history import Previous, cell_changes, load_previous
from .logs import copy_logs
from .markdown import changes_section, diff_section, markdown_table, verify_table
from .markdown import md as as_markdown
from .page import html_page
from .records import count, load_records, load_verify_records, projects
from .testdiff import differences
from .upstream import upstream_html, upstream_markdown, upstream_rows


@dataclass(frozen=True, kw_only=True)
class Report:
    markdown: Path
    html: Path
    json: Path
    records: int
    unreadable: int = 0
    verified: int = 0
    differing_tests: int = 0
    changed_cells: int = 0
    not_run: int = 0


# GitHub's limit for one step summary is 1 MiB; the Markdown is cut well before it.
STEP_SUMMARY_LIMIT = 1024 * 1024 - 4096


def write_report(results_dir: Path, out_dir: Path, previous: Path | None = None,
                 matrix_sessions: Sequence[str] = (), project_root: Path | None = None) -> Report:
    """``previous``: last run's summary.json; cells and tests that changed since are marked.
    ``matrix_sessions``: every cell of the matrix, so that those without a record are
    listed as not run. ``project_root``: what the records' relative paths start from (by
    default the folder holding the workspace, ``<root>/.matrix/results``)."""
    records, unreadable = load_records(results_dir)
    ran = {r.session for r in records}
    not_run = [s for s in matrix_sessions if s not in ran]
    verified = load_verify_records(results_dir)
    before: Previous | None = load_previous(previous) if previous else None
    found, failing = differences(records, results_dir, before)
    changes = cell_changes(records, before) if before else []
    out_dir.mkdir(parents=True, exist_ok=True)
    md, page, summary = out_dir / "summary.md", out_dir / "index.html", out_dir / "summary.json"
    named = ", ".join(projects(records)) or "no cells yet"
    markdown = f"# Build matrix: {as_markdown(named)}\n\n" + markdown_table(records, unreadable, not_run)
    upstream = upstream_rows(records)
    markdown += upstream_markdown(upstream)
    markdown += changes_section(changes)
    markdown += diff_section(found)
    if verified:
        markdown += "\n## Verified wheels\n\n" + verify_table(verified)
    write_atomically(md, markdown)
    copy_logs(records, results_dir, out_dir, project_root or results_dir.parent.parent)
    write_atomically(page, html_page(records, out_dir, results_dir, unreadable=unreadable, verified=verified,
                                     found=found, changes=changes, previous=str(previous) if previous else None,
                                     not_run=not_run, upstream=upstream_html(upstream)))
    write_atomically(summary, json.dumps({
        "schema_version": SCHEMA_VERSION,
        "cells": [asdict(r) for r in records], "counts": {**count(records), "not run": len(not_run)},
        "not_run": not_run,
        "unreadable": [{"path": str(u.path), "reason": u.reason} for u in unreadable],
        "verified": [asdict(r) for r in verified],
        "failing_tests": failing,
        "differing_tests": [{**asdict(d), "failing": d.failing} for d in found],
        "changed_cells": [asdict(c) for c in changes],
        "upstream": [asdict(row) for row in upstream],
    }, indent=2) + "\n")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(_within_limit(markdown, page))
    return Report(markdown=md, html=page, json=summary, records=len(records), unreadable=len(unreadable),
                  verified=len(verified), differing_tests=len(found), changed_cells=len(changes),
                  not_run=len(not_run))


def _within_limit(markdown: str, page: Path) -> str:
    """The Markdown as GitHub's step summary takes it: cut at a line before its 1 MiB limit,
    saying where the rest is."""
    data = markdown.encode("utf-8")
    if len(data) <= STEP_SUMMARY_LIMIT:
        return markdown
    kept = data[:STEP_SUMMARY_LIMIT].decode("utf-8", "ignore").rsplit("\n", 1)[0]
    return kept + f"\n\n… cut at GitHub's 1 MiB step-summary limit: the whole report is {page.name}\n"



