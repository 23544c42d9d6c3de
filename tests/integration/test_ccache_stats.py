"""ccache's per-build stats log, read from a real ccache (.ci/run installs it)."""

from __future__ import annotations

import os
import subprocess

import pytest

from mesonmatrix.machine.ccache import ccache_on_path, read_stats_log

import prerequisites

pytestmark = pytest.mark.integration

@pytest.fixture
def needs_ccache():
    if ccache_on_path() is None:
        prerequisites.missing("ccache", "sudo apt-get install -y ccache")


def test_a_repeated_compile_is_one_miss_then_one_hit(tmp_path, needs_ccache):
    (tmp_path / "a.c").write_text("int answer(void) { return 42; }\n")
    env = dict(os.environ, CCACHE_DIR=str(tmp_path / "cache"), CCACHE_STATSLOG=str(tmp_path / "stats.log"))
    for _ in range(2):
        subprocess.run(["ccache", "cc", "-c", "a.c", "-o", "a.o"], cwd=tmp_path, env=env, check=True)
    subprocess.run(["ccache", "cc", "a.o", "-shared", "-o", "liba.so"], cwd=tmp_path, env=env, check=True)
    stats = read_stats_log(tmp_path / "stats.log")
    assert (stats.hits, stats.misses, stats.uncached) == (1, 1, 1)
    assert stats.hit_rate == 0.5
