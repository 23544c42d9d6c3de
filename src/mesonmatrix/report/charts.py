"""The report's pictures, as static HTML and CSS (no script, nothing fetched at view
time): a status grid of one square per cell, stacked stage-time bars, wheel sizes by
flavour and install-tag set, and the compiler cache's hit rate."""

from __future__ import annotations

import html
from collections.abc import Iterable

from ..record import ResultRecord
from .records import blas_text, human_size, stage_label, tests_text, time_text

# Stages in the order a cell runs them, each with its colour.
STAGES = {"build_env": "#8da0cb", "build": "#e78ac3", "repair": "#a6d854", "package": "#ffd92f",
          "test_env": "#66c2a5", "test": "#fc8d62"}
CSS = """
#status-grid { display: flex; flex-wrap: wrap; gap: 3px; max-width: 1200px; }
#status-grid a { width: 16px; height: 16px; border-radius: 2px; display: block; }
#status-grid a.passed { background: #2e9d4d; } #status-grid a.failed { background: #d0312d; }
#status-grid a.skipped { background: #bbbbbb; } #status-grid a.changed { outline: 2px solid #111; }
.chart { font-size: 0.8em; border-collapse: collapse; }
.chart td { border: none; padding: 1px 4px; white-space: nowrap; }
.chart .bar { display: flex; height: 12px; }
.chart .bar span { display: block; height: 12px; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 10px; }
"""


def status_grid(records: Iterable[ResultRecord], changed: set[str]) -> str:
    """One coloured square per cell; hovering shows its name, status, tests, BLAS and time."""
    squares = []
    for r in records:
        title = f"{r.session} ({r.target}): {r.status}; tests {tests_text(r)}; BLAS {blas_text(r)}; {time_text(r)}"
        if r.error:
            title += f"; {r.error.splitlines()[0][:200]}"
        css = f"{r.status}{' changed' if r.session in changed else ''}"
        squares.append(f'<a class="{html.escape(css)}" href="#cell-{html.escape(r.session)}" '
                       f'title="{html.escape(title)}" data-session="{html.escape(r.session)}"></a>')
    return f'<div id="status-grid">{"".join(squares)}</div>'


def _legend(colours: dict[str, str]) -> str:
    return '<p class="legend">' + "".join(
        f'<span style="background:{c}"></span>{html.escape(name)}' for name, c in colours.items()) + "</p>"


def stage_bars(records: Iterable[ResultRecord], width: int = 600) -> str:
    """Each cell's stages as one stacked bar, all to one scale (seconds)."""
    timed = [r for r in records if any(k in STAGES for k in r.durations)]
    if not timed:
        return ""
    longest = max(sum(v for k, v in r.durations.items() if k in STAGES) for r in timed) or 1.0
    rows = []
    for r in sorted(timed, key=lambda r: -sum(v for k, v in r.durations.items() if k in STAGES)):
        parts = "".join(
            f'<span style="width:{max(1, round(width * r.durations[k] / longest))}px;background:{c}" '
            f'title="{stage_label(k)} {r.durations[k]:.1f} s"></span>'
            for k, c in STAGES.items() if r.durations.get(k))
        total = sum(v for k, v in r.durations.items() if k in STAGES)
        rows.append(f"<tr><td>{_row_name(r)}</td><td><div class=\"bar\">{parts}</div></td>"
                    f"<td>{total:.1f} s</td></tr>")
    return (f'<section id="stage-times"><h2>Stage times</h2>{_legend({stage_label(k): c for k, c in STAGES.items()})}'
            f'<table class="chart">{"".join(rows)}</table></section>')


def size_bars(records: Iterable[ResultRecord], width: int = 400) -> str:
    """Wheel sizes by BLAS flavour and install-tag set (the first cell of each pair)."""
    seen: dict[tuple[str, str, str], int] = {}
    for r in records:
        for w in r.wheels:
            seen.setdefault((r.blas, r.install_tags, w.role), w.size)
    if not seen:
        return ""
    largest = max(seen.values())
    rows = "".join(
        f"<tr><td>{html.escape(blas)}</td><td>{html.escape(tags)}</td><td>{html.escape(role)}</td>"
        f'<td><div class="bar"><span style="width:{max(1, round(width * size / largest))}px;background:#8da0cb">'
        f"</span></div></td><td>{human_size(size)}</td></tr>"
        for (blas, tags, role), size in sorted(seen.items()))
    return (f'<section id="wheel-sizes"><h2>Wheel sizes by flavour and install-tag set</h2>'
            f'<table class="chart"><tr><td>BLAS</td><td>tag set</td><td>wheel</td></tr>{rows}</table></section>')


def cache_rates(records: Iterable[ResultRecord], width: int = 300) -> str:
    """ccache's hit rate for each cell that compiled, and over all of them."""
    compiled = [r for r in records if r.compiler_cache and (r.compiler_cache.hits + r.compiler_cache.misses)]
    if not compiled:
        return ""
    hits = sum(r.compiler_cache.hits for r in compiled if r.compiler_cache)
    calls = sum(r.compiler_cache.hits + r.compiler_cache.misses for r in compiled if r.compiler_cache)
    rows = []
    for r in compiled:
        cache = r.compiler_cache
        assert cache is not None
        rows.append(f"<tr><td>{_row_name(r)}</td><td><div class=\"bar\"><span style=\"width:"
                    f"{round(width * cache.hit_rate)}px;background:#66c2a5\"></span><span style=\"width:"
                    f"{round(width * (1 - cache.hit_rate))}px;background:#eeeeee\"></span></div></td>"
                    f"<td>{cache.hits} hits, {cache.misses} misses</td></tr>")
    return (f'<section id="compiler-cache"><h2>Compiler cache</h2><p>{hits} of {calls} compiles '
            f'({100 * hits / calls:.0f}%) came from ccache.</p><table class="chart">{"".join(rows)}</table>'
            "</section>")


def _row_name(record: ResultRecord) -> str:
    """Target and cell: three targets' build-3.12-openblas rows must be told apart."""
    return f"{html.escape(record.target)} · {html.escape(record.session)}"
