"""The shared cache's entries that no cell used for a month go when a new one is made, with
what describes them; an entry in use, recently used or not the tool's stays. Real folders
and real locks (a lock held on another open file stops the eviction as another process's would)."""

import os
import time
from pathlib import Path

from mesonmatrix.machine.eviction import UNUSED_DAYS, evict_unused_envs, evict_unused_sources, last_used
from mesonmatrix.machine.locking import exclusive_lock, shared_lock

OLD = time.time() - (UNUSED_DAYS + 10) * 86400


def _entry(folder: Path, name: str, *, used: float | None) -> Path:
    entry = folder / name
    (entry / "lib").mkdir(parents=True)
    (entry / "lib" / "file").write_bytes(b"x" * 1000)
    if used is not None:
        lock = folder / f"{name}.lock"
        lock.write_text("pid 1")
        os.utime(lock, (used, used))
    return entry


def test_envs_unused_for_a_month_go_with_their_pc_files_and_bytecode(tmp_path):
    cache = tmp_path / "cache"
    envs = cache / "envs"
    old = _entry(envs, "py3.12-aaaaaaaaaaaa", used=OLD)
    fresh = _entry(envs, "py3.12-bbbbbbbbbbbb", used=time.time())
    busy = _entry(envs, "py3.13t-cccccccccccc", used=OLD)
    unlocked = _entry(envs, "py3.12-dddddddddddd", used=None)
    foreign = _entry(envs, "mine", used=OLD)
    (envs / "demo-x-py3.12-linux.slot").symlink_to(old)
    pc = cache / "pkgconfig"
    for name in (f"{old.name}-openblas", f"{old.name}-netlib-1a2b3c4d", f"{fresh.name}-openblas"):
        (pc / name).mkdir(parents=True)
    bytecode = cache / "pycache" / old.resolve().relative_to(old.anchor) / "lib"
    bytecode.mkdir(parents=True)
    with shared_lock(busy, print):  # a cell building with it now
        gone = evict_unused_envs(cache)
    assert [(p.name, size) for p, size in gone] == [(old.name, 1000)]
    assert not old.exists() and not bytecode.parent.exists()
    assert sorted(p.name for p in pc.iterdir()) == [f"{fresh.name}-openblas"]
    assert all(p.is_dir() for p in (fresh, busy, unlocked, foreign))
    assert (envs / "demo-x-py3.12-linux.slot").is_symlink()


def test_unpacked_sdists_unused_for_a_month_go(tmp_path):
    sources = tmp_path / "sources"
    old = _entry(sources, "0123456789abcdef", used=OLD)
    fresh = _entry(sources, "fedcba9876543210", used=time.time() - 86400)
    assert [p for p, _ in evict_unused_sources(tmp_path)] == [old]
    assert fresh.is_dir() and not old.exists()


def test_every_use_marks_the_lock_with_the_time_of_use(tmp_path):
    envs = tmp_path / "envs"
    for name, take in (("py3.12-eeeeeeeeeee1", shared_lock), ("py3.12-eeeeeeeeeee2", exclusive_lock)):
        entry = _entry(envs, name, used=OLD)
        with take(entry, print):
            pass
        used = last_used(entry)
        assert used is not None and used > time.time() - 60
    assert evict_unused_envs(tmp_path) == []
