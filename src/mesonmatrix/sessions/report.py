"""The matrix report: result records gathered into Markdown, a static HTML grid and JSON.

Markdown is what GitHub's step summary shows; the HTML page is the grid a person reads
at a glance (one box per session, coloured by status); the JSON summary is for tools.
A ``result.json`` that cannot be read as a record (corrupt JSON, a malformed field) is
listed in all three as unreadable, with the reason; it never stops the report. Every
value from a record is escaped for the format it lands in, and a cell's log becomes a
link only when it is a file below the results folder (the link is then relative).
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import nox

from ..machine.workspace import Workspace
from ..record import RecordError, ResultRecord, VerifyRecord, load_record, load_verify_record, write_atomically

STATUS_ORDER = ("failed", "passed", "skipped")


@dataclass(frozen=True, kw_only=True)
class Report:
    markdown: Path
    html: Path
    json: Path
    records: int
    unreadable: int = 0
    verified: int = 0


@dataclass(frozen=True)
class Unreadable:
    path: Path
    reason: str


def load_records(results_dir: Path) -> tuple[list[ResultRecord], list[Unreadable]]:
    """Every ``result.json`` below ``results_dir``: the records, and the files that are not."""
    records, unreadable = [], []
    for path in sorted(results_dir.rglob("result.json")):
        try:
            records.append(load_record(path))
        except RecordError as exc:
            unreadable.append(Unreadable(path=path, reason=str(exc).removeprefix(f"{path}: ")))
    return records, unreadable


def load_verify_records(results_dir: Path) -> list[VerifyRecord]:
    """Every wheel ``nox -s verify`` checked (``verify.json``); unreadable ones are left out."""
    records = []
    for path in sorted(results_dir.rglob("verify.json")):
        try:
            records.append(load_verify_record(path))
        except RecordError:
            continue
    return records


def _verify_blas(r: VerifyRecord) -> str:
    b = r.blas
    if not b.name:
        return "none"
    size = f" {b.int_size}-bit" if b.int_size else ""
    return f"{b.name}{size}, {'bundled' if b.bundled else 'from the system'}"


def _verify_tests(r: VerifyRecord) -> str:
    if r.tests is None:
        return f"not run ({r.tests_skipped_because})" if r.tests_skipped_because else "not run"
    return f"{r.tests.passed} passed, {r.tests.failed} failed"


def verify_table(records: Iterable[VerifyRecord]) -> str:
    lines = ["| wheel | status | BLAS (read from the wheel) | system libraries | tests here | first problem |",
             "|---|---|---|---|---|---|"]
    for r in records:
        system = sum(1 for lib in r.external_libraries if lib.provided_by == "system")
        first = f"{r.problems[0].member}: [{r.problems[0].rule}] {r.problems[0].detail}" if r.problems else "–"
        lines.append("| " + " | ".join(_md(c) for c in (f"`{r.wheel}`", r.status, _verify_blas(r), system,
                                                        _verify_tests(r), first)) + " |")
    return "\n".join(lines) + "\n"


def _verify_section(records: list[VerifyRecord]) -> str:
    if not records:
        return ""
    esc = html.escape
    rows = "".join(
        f'<tr class="{esc(r.status)}"><td><code>{esc(r.wheel)}</code></td><td>{esc(r.status)}</td>'
        f"<td>{esc(_verify_blas(r))}</td><td>{esc(_verify_tests(r))}</td>"
        f"<td>{'<br>'.join(esc(f'{p.member}: [{p.rule}] {p.detail}') for p in r.problems[:10]) or '–'}</td></tr>"
        for r in records)
    return ('<section id="verified"><h2>Verified wheels</h2><table><thead><tr><th>wheel</th><th>status</th>'
            f"<th>BLAS</th><th>tests here</th><th>problems</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _md(text: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks folded."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _human_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def _size(record: ResultRecord) -> str:
    return " + ".join(f"{w.role} {_human_size(w.size)}" for w in record.wheels) or "–"


def _tests(record: ResultRecord) -> str:
    t = record.tests
    if t is None:
        return "not run here"
    if not any((t.passed, t.failed, t.errors, t.skipped)):
        return "–"
    return f"{t.passed} passed, {t.failed} failed" + (f", {t.errors} errors" if t.errors else "")


def _blas(record: ResultRecord) -> str:
    b = record.blas_runtime
    return f"{b.name} ({b.int_size}-bit)" if b and b.name else "–"


def _system(record: ResultRecord) -> str:
    comps = record.system_components
    from_system = [k for k, v in comps.items() if v == "system"]
    return ", ".join(from_system) if from_system else ("none" if comps else "–")


def _time(record: ResultRecord) -> str:
    d = record.durations
    return f"{d['total']:.0f} s" if "total" in d else "–"


def _count(records: Iterable[ResultRecord]) -> dict[str, int]:
    listed = list(records)
    return {s: sum(1 for r in listed if r.status == s) for s in STATUS_ORDER}


def markdown_table(records: Iterable[ResultRecord], unreadable: Iterable[Unreadable] = ()) -> str:
    listed = list(records)
    lines = [
        "| session | target | status | wheels | tests | BLAS loaded | from system | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    icon = {"passed": "✅", "failed": "❌", "skipped": "⏭️"}
    for r in listed:
        status = f"{icon.get(r.status, '')} {r.status}"
        cells = [f"`{r.session}`", r.target, status, _size(r), _tests(r), _blas(r), _system(r), _time(r)]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in _count(listed).items()))
    bad = list(unreadable)
    if bad:
        lines += ["", f"{len(bad)} unreadable result records:", ""]
        lines += [f"- `{_md(u.path)}`: {_md(u.reason)}" for u in bad]
    return "\n".join(lines) + "\n"


def _row_key(r: ResultRecord) -> str:
    return f"{r.target} · Python {r.python} · {r.blas}"


def _column_key(r: ResultRecord) -> str:
    if r.kind == "toolchain-min":
        return f"{r.platform} · toolchain-min"
    return f"{r.platform} · syslibs {r.system_libraries} · {r.install_tags}"


def _log_href(log: str | None, results_dir: Path, out_dir: Path) -> str | None:
    """A relative link to a cell's log, only for a file below the results folder."""
    if not log:
        return None
    path = Path(log)
    if not path.is_absolute() or not path.is_file() or not path.resolve().is_relative_to(results_dir.resolve()):
        return None
    return os.path.relpath(path.resolve(), out_dir.resolve())


def _box(r: ResultRecord | None, out_dir: Path, results_dir: Path) -> str:
    """One cell of the grid: its name, status, sizes, tests, BLAS, times, error and log."""
    esc = html.escape
    if r is None:
        return '<td class="empty"></td>'
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in r.durations.items() if k != "total")
    parts = [
        f'<div class="name">{esc(r.session)}</div>',
        f'<div class="status">{esc(r.status)}</div>',
        f"<div>wheels: {esc(_size(r))}</div>",
        f"<div>tests: {esc(_tests(r))}</div>",
        f"<div>BLAS: {esc(_blas(r))}</div>",
        f"<div>from system: {esc(_system(r))}</div>",
        f'<div class="times">{esc(_time(r))} ({esc(stages)})</div>',
    ]
    if r.error:
        label = "reason" if r.status == "skipped" else "error"
        parts.append(f"<details><summary>{label}</summary><pre>{esc(r.error[:4000])}</pre></details>")
    href = _log_href(r.log, results_dir, out_dir)
    if href is not None:
        parts.append(f'<a class="log" href="{esc(href)}">log</a>')
    return (f'<td class="cell {esc(r.status)}" data-session="{esc(r.session)}" data-status="{esc(r.status)}">'
            f'{"".join(parts)}</td>')


def html_page(records: list[ResultRecord], out_dir: Path, results_dir: Path,
              unreadable: list[Unreadable] | None = None, verified: list[VerifyRecord] | None = None) -> str:
    rows = sorted({_row_key(r) for r in records})
    columns = sorted({_column_key(r) for r in records})
    by_position = {(_row_key(r), _column_key(r)): r for r in records}
    esc = html.escape
    header = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{esc(row)}</th>{''.join(_box(by_position.get((row, c)), out_dir, results_dir) for c in columns)}"
        "</tr>"
        for row in rows
    )
    counts = ", ".join(f"{n} {s}" for s, n in _count(records).items())
    bad = "".join(f"<li><code>{esc(str(u.path))}</code>: {esc(u.reason)}</li>" for u in unreadable or [])
    bad_section = f'<section id="unreadable"><h2>Unreadable result records</h2><ul>{bad}</ul></section>' if bad else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build matrix report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.4em; vertical-align: top; font-size: 0.85em; }}
th {{ background: #f4f4f4; text-align: left; }}
td.passed, tr.passed td {{ background: #d9f2d9; }}
tr.failed td {{ background: #f7d4d4; }}
td.failed {{ background: #f7d4d4; }}
td.skipped {{ background: #eeeeee; color: #666; }}
td.empty {{ background: repeating-linear-gradient(45deg, #fff, #fff 4px, #f6f6f6 4px, #f6f6f6 8px); }}
.name {{ font-weight: bold; font-family: monospace; }}
.status {{ text-transform: uppercase; font-size: 0.8em; }}
pre {{ white-space: pre-wrap; max-width: 40em; }}
</style></head>
<body>
<h1>Build matrix report</h1>
<p id="summary">{len(records)} cells: {counts}</p>
<table id="grid"><thead><tr><th></th>{header}</tr></thead><tbody>{body}</tbody></table>
{bad_section}
{_verify_section(verified or [])}
</body></html>
"""


def write_report(results_dir: Path, out_dir: Path) -> Report:
    loaded, unreadable = load_records(results_dir)
    records = sorted(loaded, key=lambda r: (STATUS_ORDER.index(r.status) if r.status in STATUS_ORDER else 0,
                                            r.session))
    out_dir.mkdir(parents=True, exist_ok=True)
    md, page, summary = out_dir / "summary.md", out_dir / "index.html", out_dir / "summary.json"
    verified = load_verify_records(results_dir)
    markdown = "# Build matrix\n\n" + markdown_table(records, unreadable)
    if verified:
        markdown += "\n## Verified wheels\n\n" + verify_table(verified)
    write_atomically(md, markdown)
    write_atomically(page, html_page(records, out_dir, results_dir, unreadable, verified))
    write_atomically(summary, json.dumps({
        "cells": [asdict(r) for r in records], "counts": _count(records),
        "verified": [asdict(r) for r in verified],
        "unreadable": [{"path": str(u.path), "reason": u.reason} for u in unreadable],
    }, indent=2) + "\n")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    return Report(markdown=md, html=page, json=summary, records=len(records), unreadable=len(unreadable),
                  verified=len(verified))


def report_session(session: nox.Session, project_root: Path) -> None:
    workspace = Workspace.default(project_root)
    report = write_report(workspace.root / "results", workspace.root / "report")
    if report.records == 0 and report.unreadable == 0 and report.verified == 0:
        session.error(f"no result records under {workspace.root / 'results'}: run some cells first")
    unreadable = f" ({report.unreadable} unreadable result records listed)" if report.unreadable else ""
    verified = f", {report.verified} verified wheels" if report.verified else ""
    session.log(f"{report.records} cells{unreadable}{verified}: {report.html}, {report.markdown}, {report.json}")
    session.log("\n" + report.markdown.read_text())
