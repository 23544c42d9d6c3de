"""ccache's per-build stats log, read without ccache (the real tool is in tests/integration)."""

from __future__ import annotations

from mesonmatrix.machine.ccache import read_stats_log


def test_a_missing_stats_log_reads_as_nothing(tmp_path):
    stats = read_stats_log(tmp_path / "absent.log")
    assert (stats.hits, stats.misses, stats.uncached, stats.hit_rate) == (0, 0, 0, 0.0)
