"""The report in Markdown: what GitHub's step summary shows."""

from __future__ import annotations

from collections.abc import Iterable

from ..record import ResultRecord, VerifyRecord
from .history import CellChange
from .records import (
    Unreadable,
    blas_text,
    count,
    sizes,
    system_text,
    tests_text,
    time_text,
    verify_blas_text,
    verify_tests_text,
)
from .testdiff import TestDifference

ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️"}


def md(text: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks folded."""
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown_table(records: Iterable[ResultRecord], unreadable: Iterable[Unreadable] = ()) -> str:
    listed = list(records)
    lines = [
        "| session | target | status | wheels | tests | BLAS loaded | from system | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in listed:
        status = f"{ICONS.get(r.status, '')} {r.status}"
        cells = [f"`{r.session}`", r.target, status, sizes(r), tests_text(r), blas_text(r), system_text(r),
                 time_text(r)]
        lines.append("| " + " | ".join(md(c) for c in cells) + " |")
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in count(listed).items()))
    bad = list(unreadable)
    if bad:
        lines += ["", f"{len(bad)} unreadable result records:", ""]
        lines += [f"- `{md(u.path)}`: {md(u.reason)}" for u in bad]
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
        lines.append(f"- {new}`{md(d.test)}` ({md(d.target)}) {md(d.summary)}")
    if len(found) > limit:
        lines.append(f"- … and {len(found) - limit} more (index.html lists them all)")
    return "\n".join(lines) + "\n"


def verify_table(records: Iterable[VerifyRecord]) -> str:
    lines = ["| wheel | status | BLAS (read from the wheel) | system libraries | tests here | first problem |",
             "|---|---|---|---|---|---|"]
    for r in records:
        system = sum(1 for lib in r.external_libraries if lib.provided_by == "system")
        first = f"{r.problems[0].member}: [{r.problems[0].rule}] {r.problems[0].detail}" if r.problems else "–"
        lines.append("| " + " | ".join(md(c) for c in (f"`{r.wheel}`", r.status, verify_blas_text(r), system,
                                                       verify_tests_text(r), first)) + " |")
    return "\n".join(lines) + "\n"
