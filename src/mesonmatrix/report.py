"""The matrix report: result records gathered into Markdown, a static HTML grid and JSON.

Markdown is what GitHub's step summary shows; the HTML page is the grid a person reads
at a glance (one box per session, coloured by status); the JSON summary is for tools.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .record import write_atomically

STATUS_ORDER = ("failed", "passed", "skipped")


@dataclass(frozen=True, kw_only=True)
class Report:
    markdown: Path
    html: Path
    json: Path
    records: int


def load_records(results_dir: Path) -> list[dict[str, Any]]:
    """Every ``result.json`` below ``results_dir``; unreadable files are reported, not fatal."""
    records = []
    for path in sorted(results_dir.rglob("result.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "session" in data:
            data["_path"] = str(path)
            records.append(data)
    return records


def _human_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def _size(record: dict[str, Any]) -> str:
    wheels = record.get("wheels") or []
    return " + ".join(f"{w['role']} {_human_size(w['size'])}" for w in wheels) or "–"


def _tests(record: dict[str, Any]) -> str:
    t = record.get("tests") or {}
    if not any(t.get(k) for k in ("passed", "failed", "errors", "skipped")):
        return "–"
    return f"{t.get('passed', 0)} passed, {t.get('failed', 0)} failed" + (f", {t['errors']} errors" if t.get("errors") else "")


def _blas(record: dict[str, Any]) -> str:
    b = record.get("blas_runtime") or {}
    return f"{b['name']} ({b.get('int_size')}-bit)" if b.get("name") else "–"


def _system(record: dict[str, Any]) -> str:
    comps = record.get("system_components") or {}
    from_system = [k for k, v in comps.items() if v == "system"]
    return ", ".join(from_system) if from_system else ("none" if comps else "–")


def _time(record: dict[str, Any]) -> str:
    d = record.get("durations") or {}
    return f"{d['total']:.0f} s" if "total" in d else "–"


def markdown_table(records: Iterable[dict[str, Any]]) -> str:
    lines = [
        "| session | target | status | wheels | tests | BLAS loaded | from system | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    icon = {"passed": "✅", "failed": "❌", "skipped": "⏭️"}
    for r in records:
        status = f"{icon.get(r.get('status', ''), '')} {r.get('status')}"
        lines.append(
            f"| `{r['session']}` | {r.get('target')} | {status} | {_size(r)} | {_tests(r)} | {_blas(r)} | {_system(r)} | {_time(r)} |"
        )
    counts = {s: sum(1 for r in records if r.get("status") == s) for s in STATUS_ORDER}
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"


def _row_key(r: dict[str, Any]) -> str:
    return f"{r.get('target')} · Python {r.get('python')} · {r.get('blas')}"


def _column_key(r: dict[str, Any]) -> str:
    if r.get("kind") == "toolchain-min":
        return f"{r.get('platform')} · toolchain-min"
    return f"{r.get('platform')} · syslibs {r.get('system_libraries')} · {r.get('install_tags')}"


def html_page(records: list[dict[str, Any]], out_dir: Path) -> str:
    rows = sorted({_row_key(r) for r in records})
    columns = sorted({_column_key(r) for r in records})
    by_position = {(_row_key(r), _column_key(r)): r for r in records}
    esc = html.escape

    def box(r: dict[str, Any] | None) -> str:
        if r is None:
            return '<td class="empty"></td>'
        status = r.get("status", "unknown")
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in (r.get("durations") or {}).items() if k != "total")
        parts = [
            f'<div class="name">{esc(r["session"])}</div>',
            f'<div class="status">{esc(status)}</div>',
            f"<div>wheels: {esc(_size(r))}</div>",
            f"<div>tests: {esc(_tests(r))}</div>",
            f"<div>BLAS: {esc(_blas(r))}</div>",
            f"<div>from system: {esc(_system(r))}</div>",
            f'<div class="times">{esc(_time(r))} ({esc(stages)})</div>',
        ]
        if r.get("error"):
            label = "reason" if status == "skipped" else "error"
            parts.append(f"<details><summary>{label}</summary><pre>{esc(str(r['error'])[:4000])}</pre></details>")
        if r.get("log"):
            log = Path(r["log"])
            href = os.path.relpath(log, out_dir) if log.is_absolute() else str(log)
            parts.append(f'<a class="log" href="{esc(href)}">log</a>')
        return f'<td class="cell {esc(status)}" data-session="{esc(r["session"])}" data-status="{esc(status)}">{"".join(parts)}</td>'

    header = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{esc(row)}</th>{''.join(box(by_position.get((row, c))) for c in columns)}</tr>" for row in rows
    )
    counts = ", ".join(f"{sum(1 for r in records if r.get('status') == s)} {s}" for s in STATUS_ORDER)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build matrix report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.4em; vertical-align: top; font-size: 0.85em; }}
th {{ background: #f4f4f4; text-align: left; }}
td.passed {{ background: #d9f2d9; }}
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
</body></html>
"""


def write_report(results_dir: Path, out_dir: Path) -> Report:
    records = sorted(load_records(results_dir), key=lambda r: (STATUS_ORDER.index(r.get("status", "failed"))
                                                                if r.get("status") in STATUS_ORDER else 0, r["session"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    md, page, summary = out_dir / "summary.md", out_dir / "index.html", out_dir / "summary.json"
    write_atomically(md, "# Build matrix\n\n" + markdown_table(records))
    write_atomically(page, html_page(records, out_dir))
    compact = [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]
    write_atomically(summary, json.dumps({"cells": compact, "counts": {
        s: sum(1 for r in records if r.get("status") == s) for s in STATUS_ORDER}}, indent=2) + "\n")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write("# Build matrix\n\n" + markdown_table(records))
    return Report(markdown=md, html=page, json=summary, records=len(records))
