"""The report in Markdown: what GitHub's step summary shows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..model import FAILED, PASSED, SKIPPED
from ..record import ResultRecord, VerifyRecord
from .history import CellChange
from .records import (
    Unreadable,
    blas_text,
    count,
    plural,
    sizes,
    system_text,
    tests_text,
    time_text,
    verify_blas_text,
    verify_tests_text,
)
from .testdiff import TestDifference

ICONS = {PASSED: "✅", FAILED: "❌", SKIPPED: "⏭️"}


# Characters that start Markdown or HTML inside a line: emphasis, code, links and images,
# raw HTML, strikethrough, table pipes (CommonMark lets any ASCII punctuation be escaped
# with a backslash). Autolinks are broken apart by escaping their "://", "www." and "@".
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_AUTOLINK = re.compile(r"(://|www\.|@)")


def md(text: object) -> str:
    """Text from a record as Markdown that shows exactly that text: one line, nothing in it
    read as markup, a link, raw HTML or a table's column break (GitHub's step summary renders
    whatever a test name or an error message holds)."""
    folded = " ".join(str(text).split()).replace("&", "&amp;")
    escaped = _SPECIAL.sub(r"\\\1", folded)
    return _AUTOLINK.sub(lambda m: "www\\." if m.group(1) == "www." else "\\" + m.group(1), escaped)


def code(text: object, *, in_table: bool = False) -> str:
    """Text as an inline code span that no backtick in it can close early: fenced by one
    more backtick than its longest run (CommonMark); in a table, its pipes escaped (GitHub
    splits a row at a pipe even inside a code span)."""
    folded = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", folded)), default=0) + 1)
    pad = " " if folded.startswith("`") or folded.endswith("`") else ""
    shown = folded.replace("|", "\\|") if in_table else folded
    return f"{fence}{pad}{shown}{pad}{fence}"


def markdown_table(records: Iterable[ResultRecord], unreadable: Iterable[Unreadable] = (),
                   not_run: Sequence[str] = ()) -> str:
    listed = list(records)
    lines = [
        "| session | target | status | wheels | tests | BLAS loaded | from system | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in listed:
        status = f"{ICONS.get(r.status, '')} {r.status}"
        cells = [md(c) for c in (r.target, status, sizes(r), tests_text(r), blas_text(r), system_text(r), time_text(r))]
        lines.append("| " + " | ".join([code(r.session, in_table=True), *cells]) + " |")
    for session in not_run:
        lines.append("| " + " | ".join([code(session, in_table=True), "–", "not run", *["–"] * 5]) + " |")
    lines.append("")
    counts = [f"{n} {s}" for s, n in count(listed).items()] + ([f"{len(not_run)} not run"] if not_run else [])
    lines.append(f"{plural(len(listed) + len(not_run), 'cell')}: " + ", ".join(counts))
    bad = list(unreadable)
    if bad:
        lines += ["", f"{len(bad)} unreadable result records:", ""]
        lines += [f"- {code(u.path)}: {md(u.reason)}" for u in bad]
    return "\n".join(lines) + "\n"


def changes_section(changes: list[CellChange]) -> str:
    if not changes:
        return ""
    return "\n## Changed since the previous run\n\n" + "".join(f"- {md(c.describe())}\n" for c in changes)


def diff_section(found: list[TestDifference], limit: int = 50) -> str:
    if not found:
        return ""
    lines = ["", "## Tests whose outcome differs between cells", ""]
    for d in found[:limit]:
        new = "**new** " if d.new else ""
        lines.append(f"- {new}{code(d.test)} ({md(d.target)}) {md(d.summary)}")
    if len(found) > limit:
        lines.append(f"- … and {len(found) - limit} more (index.html lists them all)")
    return "\n".join(lines) + "\n"


def verify_table(records: Iterable[VerifyRecord]) -> str:
    lines = ["| wheel | status | BLAS (read from the wheel) | system libraries | tests here | first problem |",
             "|---|---|---|---|---|---|"]
    for r in records:
        system = sum(1 for lib in r.external_libraries if lib.provided_by == "system")
        first = f"{r.problems[0].member}: [{r.problems[0].rule}] {r.problems[0].detail}" if r.problems else "–"
        cells = [md(c) for c in (r.status, verify_blas_text(r), system, verify_tests_text(r), first)]
        lines.append("| " + " | ".join([code(r.wheel, in_table=True), *cells]) + " |")
    return "\n".join(lines) + "\n"
