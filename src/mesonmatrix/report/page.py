"""The report as one static HTML page: the status grid, what changed since the previous
run, the tests that differ between cells, the charts, every cell's box, verified wheels."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from ..model import SKIPPED
from ..record import ResultRecord, VerifyRecord
from .charts import CSS, cache_rates, size_bars, stage_bars, status_grid
from .history import CellChange
from .logs import log_copy
from .records import (
    Unreadable,
    blas_text,
    count,
    plural,
    projects,
    sizes,
    stage_times,
    system_text,
    tests_text,
    time_text,
    verify_blas_text,
    verify_tests_text,
)
from .testdiff import TestDifference

esc = html.escape


def _row_key(r: ResultRecord) -> str:
    return f"{r.target} · Python {r.python} · {r.blas if r.blas != 'none' else 'no BLAS'}"


def _column_key(r: ResultRecord) -> str:
    if r.kind != "build":
        return f"{r.platform} · {r.kind}"
    package = f" · {r.package.format}" if r.package else ""
    return f"{r.platform} · syslibs {r.system_libraries} · {r.install_tags}{package}"


def _log_href(r: ResultRecord, out_dir: Path) -> str | None:
    """A link to the copy of a cell's log in the report folder (``logs.copy_logs``: only a
    file below the results folder is copied)."""
    copy = log_copy(r)
    return copy.as_posix() if copy is not None and r.log and (out_dir / copy).is_file() else None


def _box(r: ResultRecord | None, out_dir: Path, results_dir: Path) -> str:
    """One cell of the grid: its name, status, sizes, tests, BLAS, times, error and log."""
    if r is None:
        return '<td class="empty"></td>'
    stages = stage_times(r)
    parts = [
        f'<div class="name">{esc(r.session)}</div>',
        f'<div class="status">{esc(r.status)}</div>',
        f"<div>wheels: {esc(sizes(r))}</div>",
        f"<div>tests: {esc(tests_text(r))}</div>",
        f"<div>BLAS: {esc(blas_text(r))}</div>",
        f"<div>from system: {esc(system_text(r))}</div>",
        f'<div class="times">{esc(time_text(r))} ({esc(stages)})</div>',
    ]
    if r.error:
        label = "reason" if r.status == SKIPPED else "error"
        parts.append(f"<details><summary>{label}</summary><pre>{esc(r.error[:4000])}</pre></details>")
    href = _log_href(r, out_dir)
    if href is not None:
        parts.append(f'<a class="log" href="{esc(href)}">log</a>')
    return (f'<td class="cell {esc(r.status)}" id="cell-{esc(r.session)}" data-session="{esc(r.session)}" '
            f'data-status="{esc(r.status)}">{"".join(parts)}</td>')


def _grid(records: list[ResultRecord], out_dir: Path, results_dir: Path) -> str:
    rows = sorted({_row_key(r) for r in records})
    columns = sorted({_column_key(r) for r in records})
    by_position = {(_row_key(r), _column_key(r)): r for r in records}
    header = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{esc(row)}</th>{''.join(_box(by_position.get((row, c)), out_dir, results_dir) for c in columns)}"
        "</tr>"
        for row in rows
    )
    return f'<table id="grid"><thead><tr><th></th>{header}</tr></thead><tbody>{body}</tbody></table>'


def _changes(changes: list[CellChange], previous: str | None) -> str:
    if previous is None:
        return ""
    items = "".join(f'<li class="{esc(c.after)}">{esc(c.describe())}</li>' for c in changes) or \
        "<li>no cell changed status</li>"
    return f'<section id="changes"><h2>Changed since the previous run</h2><ul>{items}</ul></section>'


def _diff(found: list[TestDifference], limit: int = 500) -> str:
    if not found:
        return '<section id="test-diff"><h2>Tests that differ between cells</h2><p>none</p></section>'
    rows = "".join(
        f'<tr class="{"new" if d.new else ""}"><td>{"new" if d.new else ""}</td><td>{esc(d.target)}</td>'
        f"<td><code>{esc(d.test)}</code></td><td>{esc(d.summary)}</td>"
        f"<td>{esc(', '.join(f'{s}: {o}' for s, o in sorted(d.outcomes.items())))}</td></tr>"
        for d in found[:limit])
    more = f"<p>… and {len(found) - limit} more (summary.json)</p>" if len(found) > limit else ""
    return ('<section id="test-diff"><h2>Tests that differ between cells</h2><table class="diff"><thead><tr>'
            "<th></th><th>target</th><th>test</th><th>where</th><th>outcome per cell</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{more}</section>")


def _verify_section(records: list[VerifyRecord]) -> str:
    if not records:
        return ""
    rows = "".join(
        f'<tr class="{esc(r.status)}"><td><code>{esc(r.wheel)}</code></td><td>{esc(r.status)}</td>'
        f"<td>{esc(verify_blas_text(r))}</td><td>{esc(verify_tests_text(r))}</td>"
        f"<td>{'<br>'.join(esc(f'{p.member}: [{p.rule}] {p.detail}') for p in r.problems[:10]) or '–'}</td></tr>"
        for r in records)
    return ('<section id="verified"><h2>Verified wheels</h2><table><thead><tr><th>wheel</th><th>status</th>'
            f"<th>BLAS</th><th>tests here</th><th>problems</th></tr></thead><tbody>{rows}</tbody></table></section>")


def html_page(records: list[ResultRecord], out_dir: Path, results_dir: Path, *, unreadable: list[Unreadable],
              verified: list[VerifyRecord], found: list[TestDifference], changes: list[CellChange],
              previous: str | None, not_run: Sequence[str] = (), upstream: str = "") -> str:
    counts = ", ".join(f"{n} {s}" for s, n in count(records).items())
    if not_run:
        counts += f", {len(not_run)} not run"
    missing = "".join(f'<li data-session="{esc(s)}" data-status="not-run"><code>{esc(s)}</code></li>'
                      for s in not_run)
    not_run_section = (f'<section id="not-run"><h2>Not run</h2><p>{plural(len(not_run), "cell")} of the matrix '
                       f"without a result record:</p><ul>{missing}</ul></section>") if not_run else ""
    bad = "".join(f"<li><code>{esc(str(u.path))}</code>: {esc(u.reason)}</li>" for u in unreadable)
    bad_section = f'<section id="unreadable"><h2>Unreadable result records</h2><ul>{bad}</ul></section>' if bad else ""
    since = f" (compared with {esc(previous)})" if previous else ""
    by_project = projects(records)
    named = ", ".join(by_project) or "no cells yet"
    grids = "".join(f'<h3 id="project-{esc(name.split()[0])}">{esc(name)}</h3>{_grid(rs, out_dir, results_dir)}'
                    for name, rs in by_project.items()) if len(by_project) > 1 else _grid(records, out_dir, results_dir)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build matrix report: {esc(named)}</title>
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
tr.new td {{ background: #fff1c2; }}
li.failed {{ color: #b00; font-weight: bold; }}
.name {{ font-weight: bold; font-family: monospace; }}
.status {{ text-transform: uppercase; font-size: 0.8em; }}
pre {{ white-space: pre-wrap; max-width: 40em; }}
{CSS}
</style></head>
<body>
<h1>Build matrix report: {esc(named)}</h1>
<p id="summary">{plural(len(records) + len(not_run), "cell")}: {counts}{since}</p>
{status_grid(records, {c.session for c in changes})}
{_changes(changes, previous)}
{upstream}
{_diff(found)}
{stage_bars(records)}
{size_bars(records)}
{cache_rates(records)}
<h2>Every cell</h2>
{grids}
{not_run_section}
{bad_section}
{_verify_section(verified)}
</body></html>
"""
