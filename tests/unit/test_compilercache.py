"""ccache's per-build stats log, read without ccache (the real tool is in tests/integration)."""

from __future__ import annotations

from mesonmatrix.machine.ccache import read_stats_log


def test_a_missing_stats_log_reads_as_nothing(tmp_path):
    stats = read_stats_log(tmp_path / "absent.log")
    assert (stats.hits, stats.misses, stats.uncached, stats.hit_rate) == (0, 0, 0, 0.0)


def test_remote_hits_local_hits_and_remote_failures_are_counted_apart(tmp_path):
    """Counters as ccache 4.7's stats log names them, one block per compiler call."""
    log = tmp_path / "stats.log"
    log.write_text("# a.c\ndirect_cache_hit\nlocal_storage_hit\nlocal_storage_read_hit\n"
                   "# b.c\ndirect_cache_hit\nlocal_storage_miss\nremote_storage_hit\nremote_storage_read_hit\n"
                   "# c.c\ncache_miss\ndirect_cache_miss\nlocal_storage_miss\nremote_storage_error\n"
                   "# d.c\npreprocessed_cache_hit\nlocal_storage_miss\nremote_storage_hit\n"
                   "# e.o\ncalled_for_link\n")
    stats = read_stats_log(log)
    assert (stats.hits, stats.local_hits, stats.remote_hits) == (3, 1, 2)
    assert (stats.misses, stats.uncached, stats.remote_errors) == (1, 1, 1)


def test_a_remote_is_shown_without_its_credentials():
    from mesonmatrix.machine.ccache import redacted

    assert redacted("redis://ci:s3cret@cache.example:6379|connect-timeout=500 http://h/c|bearer-token=abc") == \
        "redis://ci:***@cache.example:6379|connect-timeout=500 http://h/c|bearer-token=***"
    assert redacted("redis://cache.example:6379") == "redis://cache.example:6379"


def test_a_build_that_compiled_nothing_says_so_not_zero_hits(tmp_path):
    import io
    import json

    from mesonmatrix.machine.commands import CommandRunner
    from mesonmatrix.machine.context import StageContext
    from mesonmatrix.machine.progress import Progress
    from mesonmatrix.stages.build import _compiler_cache

    info = tmp_path / "build" / "meson-info"
    info.mkdir(parents=True)
    (info / "intro-compilers.json").write_text(json.dumps({"host": {"c": {"exelist": ["ccache", "cc"]}}}))
    out = io.StringIO()
    ctx = StageContext(runner=CommandRunner(log=tmp_path / "log", env={}), progress=Progress(out), uv="uv",
                       shared_cache=tmp_path)
    (tmp_path / "stats.log").write_text("")
    record = _compiler_cache(tmp_path / "build", tmp_path / "stats.log", ctx)
    assert record is not None and record.hits == record.misses == 0
    assert out.getvalue() == "    ccache: nothing was compiled\n"
    (tmp_path / "stats.log").write_text("# a.c\nlocal_storage_miss\ncache_miss\n")
    _compiler_cache(tmp_path / "build", tmp_path / "stats.log", ctx)
    assert "ccache: 0 hits, 1 misses" in out.getvalue()
