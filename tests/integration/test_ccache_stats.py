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


@pytest.fixture
def redis_url(tmp_path):
    """A real Redis server on a free port of 127.0.0.1, for ccache's remote storage."""
    import shutil
    import socket
    import time

    if shutil.which("redis-server") is None:
        prerequisites.missing("redis-server", "sudo apt-get install -y redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


def test_hits_from_the_remote_are_counted_apart_from_local_ones(tmp_path, needs_ccache, redis_url):
    """Two machines that share nothing but the Redis remote: the second's compile is a
    remote hit; compiled again there, a local one; a remote that is down is an error."""
    from mesonmatrix.machine.ccache import check_remote

    (tmp_path / "a.c").write_text("int shared_answer(void) { return 42; }\n")
    for machine, compiles in (("one", 1), ("two", 2)):
        env = dict(os.environ, CCACHE_DIR=str(tmp_path / f"cache-{machine}"), CCACHE_REMOTE_STORAGE=redis_url,
                   CCACHE_STATSLOG=str(tmp_path / f"{machine}.log"))
        for _ in range(compiles):
            subprocess.run(["ccache", "cc", "-c", "a.c", "-o", "a.o"], cwd=tmp_path, env=env, check=True)
    one, two = read_stats_log(tmp_path / "one.log"), read_stats_log(tmp_path / "two.log")
    assert (one.hits, one.misses, one.remote_hits) == (0, 1, 0)
    assert (two.hits, two.misses, two.remote_hits, two.local_hits, two.remote_errors) == (2, 0, 1, 1, 0)
    assert check_remote(redis_url) == (True, "a compile stored there was read back")
    down = redis_url.rsplit(":", 1)[0] + ":1"
    assert check_remote(down) == (False, "ccache could not use it (remote_storage_error)")
    env = dict(os.environ, CCACHE_DIR=str(tmp_path / "cache-three"), CCACHE_REMOTE_STORAGE=down,
               CCACHE_STATSLOG=str(tmp_path / "three.log"))
    subprocess.run(["ccache", "cc", "-c", "a.c", "-o", "a.o"], cwd=tmp_path, env=env, check=True)
    assert read_stats_log(tmp_path / "three.log").remote_errors == 1


def test_the_doctor_tries_the_configured_remote(monkeypatch, needs_ccache, redis_url):
    from mesonmatrix.doctor.checks import remote_check

    monkeypatch.setenv("CCACHE_REMOTE_STORAGE", redis_url)
    assert remote_check().found == f"{redis_url}: a compile stored there was read back"
    monkeypatch.setenv("CCACHE_REMOTE_STORAGE", "redis://ci:s3cret@127.0.0.1:1")
    check = remote_check()
    assert not check.ok and "s3cret" not in check.fix
    assert check.fix.startswith("redis://ci:***@127.0.0.1:1: ccache could not use it (remote_storage_error); start the "
                                "server or correct CCACHE_REMOTE_STORAGE")
    monkeypatch.setenv("CCACHE_REMOTE_STORAGE", "")
    assert remote_check().ok and remote_check().found.startswith("none: set CCACHE_REMOTE_STORAGE")
