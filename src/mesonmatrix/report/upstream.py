"""The report's view of the dependency channels: each latest, pre and oldest cell's drift
from its locks, the culprit its search named, and whether it fails only on its channel
(its locked sibling, the same session without the channel's suffix, passes)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..model import FAILED, LOCKED, PASSED
from ..record import ResultRecord
from .markdown import code
from .markdown import md as escape


@dataclass(frozen=True, kw_only=True)
class UpstreamRow:
    session: str
    channel: str
    status: str
    drift: list[str] = field(default_factory=list)  # "test: iniconfig 2.3.1 -> 99.0"
    culprit: str | None = None  # the culprit search's line, when one ran
    verdict: str | None = None  # "fails only with latest: build-3.12-openblas passes with its locks"


def upstream_rows(records: list[ResultRecord]) -> list[UpstreamRow]:
    by_session = {r.session: r for r in records}
    rows = []
    for r in records:
        if r.deps is None or r.deps.channel == LOCKED:
            continue
        drift = [f"{d.env}: {d.name} {d.resolved} rebuilt (another file than the lock's)" if d.rebuilt else
                 f"{d.env}: {d.name} {d.locked or '(not locked)'} -> {d.resolved or '(not installed)'}"
                 for d in r.deps.drift]
        rows.append(UpstreamRow(session=r.session, channel=r.deps.channel, status=r.status, drift=drift,
                                culprit=_culprit_line(r), verdict=_verdict(r, by_session)))
    return rows


def _verdict(r: ResultRecord, by_session: dict[str, ResultRecord]) -> str | None:
    """The cross-cell view: a failing channel cell against its locked sibling."""
    assert r.deps is not None
    sibling = by_session.get(r.session.removesuffix(f"-{r.deps.channel}"))
    if r.status != FAILED or sibling is None or sibling.target != r.target:
        return None
    if sibling.status == PASSED:
        return f"fails only with {r.deps.channel}: {sibling.session} passes with its locks"
    if sibling.status == FAILED:
        return f"fails with its locks too ({sibling.session}): not an upstream change"
    return None


def _culprit_line(r: ResultRecord) -> str | None:
    """The line of the ``culprit.json`` beside the record (the record's folder holds its log)."""
    if not r.log:
        return None
    try:
        found = json.loads((Path(r.log).parent / "culprit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    line = found.get("line") if isinstance(found, dict) else None
    return line if isinstance(line, str) else None


def upstream_markdown(rows: list[UpstreamRow]) -> str:
    """The section of the Markdown report (record text escaped as markdown.md does)."""
    if not rows:
        return ""
    lines = ["", "## Upstream dependencies (latest, pre, oldest)", ""]
    for row in rows:
        lines.append(f"- {code(row.session)} ({escape(row.channel)}): {escape(row.status)}"
                     + (f"; {escape(row.verdict)}" if row.verdict else ""))
        if row.culprit:
            lines.append(f"  - {escape(row.culprit)}")
        lines.append(f"  - drift from the locks: {escape('; '.join(row.drift)) if row.drift else 'none'}")
    return "\n".join(lines) + "\n"


def upstream_html(rows: list[UpstreamRow]) -> str:
    if not rows:
        return ""
    items = []
    for row in rows:
        esc = html.escape
        extra = "".join(f"<li>{esc(text)}</li>" for text in
                        ([row.verdict] if row.verdict else []) + ([row.culprit] if row.culprit else [])
                        + [f"drift from the locks: {'; '.join(row.drift) if row.drift else 'none'}"])
        items.append(f"<li><code>{esc(row.session)}</code> ({esc(row.channel)}): {esc(row.status)}<ul>{extra}</ul>"
                     "</li>")
    return ('<section id="upstream"><h2>Upstream dependencies (latest, pre, oldest)</h2>'
            f"<ul>{''.join(items)}</ul></section>")
