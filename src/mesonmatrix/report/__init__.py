"""``nox -s report``: result records gathered into a static HTML page, Markdown (GitHub's
step summary) and JSON (for tools, and for the next run's history).

``writer`` writes them; ``records`` loads them; ``junit`` reads each cell's tests;
``testdiff`` finds tests whose outcome differs between cells; ``history`` compares with a
previous run's summary.json; ``charts``, ``page`` and ``markdown`` write the formats;
``summary`` is a cell's closing line.

Nothing is imported here: every cell prints its closing line with ``report.summary``, and
loading the whole report (37 ms) at each cell's start was for ``nox -s report`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .writer import Report, write_report


def __getattr__(name: str) -> Any:
    if name in ("Report", "write_report"):
        from . import writer

        return getattr(writer, name)
    raise AttributeError(name)


__all__ = ["Report", "write_report"]
