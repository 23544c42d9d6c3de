"""Locks: builds share a build env; reinstalling it waits for all of them, and they for it."""

import os
import stat
import subprocess
import sys
import time

import pytest

from mesonmatrix.errors import LockRefused
from mesonmatrix.machine.admission import ADMISSION_FOLDER, admitted, suite_need
from mesonmatrix.machine.locking import (
    MACHINE_LOCKS,
    exclusive_lock,
    machine_lock,
    shared_lock,
    try_exclusive_lock,
)

from cells import ROOT

HOLD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from mesonmatrix.machine.locking import exclusive_lock, shared_lock
lock = shared_lock if sys.argv[3] == "shared" else exclusive_lock
with lock(Path(sys.argv[2]), print):
    print("held", flush=True)
    time.sleep(float(sys.argv[4]))
"""


def hold(folder, kind, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(ROOT / "src"), str(folder), kind, str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_builds_share_an_env_and_a_reinstall_waits_for_them(tmp_path):
    env = tmp_path / "env"
    builder = hold(env, "shared", 2)
    said = []
    start = time.monotonic()
    with shared_lock(env, said.append):  # a second build: at once
        assert time.monotonic() - start < 1 and not said
    with exclusive_lock(env, said.append):  # a reinstall: after the first build
        waited = time.monotonic() - start
    builder.wait()
    assert waited >= 1.5 and said and said[0].startswith(f"waiting: {env} is in use by")


def test_a_build_waits_for_a_reinstall(tmp_path):
    env = tmp_path / "env"
    installer = hold(env, "exclusive", 2)
    said = []
    start = time.monotonic()
    with shared_lock(env, said.append):
        waited = time.monotonic() - start
    installer.wait()
    assert waited >= 1.5 and said == [f"waiting: {env} is being changed by pid {installer.pid}"]


def _admit(folder):
    return admitted(suite_need(None, None), "a test", print, folder=folder / "test-suites")


def test_a_link_planted_where_the_test_suite_lock_goes_is_refused_and_its_target_untouched(tmp_path):
    """Another local user can plant ``$TMPDIR/mesonmatrix-locks/test-suites/gate.lock`` -> a
    file of yours: it was followed and the file truncated to "pid N"."""
    folder = tmp_path / "locks"
    (folder / "test-suites").mkdir(mode=0o700, parents=True)
    folder.chmod(0o700)
    victim = tmp_path / "thesis.tex"
    victim.write_text("four years of work\n")
    (folder / "test-suites" / "gate.lock").symlink_to(victim)
    with pytest.raises(LockRefused, match=r"^not using the lock file .*gate.lock: it is a symbolic link"):
        with _admit(folder):
            pass
    assert victim.read_text() == "four years of work\n"


def test_every_lock_refuses_a_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("mine\n")
    (tmp_path / "build.lock").symlink_to(victim)
    for lock in (exclusive_lock, shared_lock):
        with pytest.raises(LockRefused, match="it is a symbolic link"):
            with lock(tmp_path / "build", print):
                pass
    with pytest.raises(LockRefused, match="it is a symbolic link"):
        with try_exclusive_lock(tmp_path / "build"):
            pass
    assert victim.read_text() == "mine\n"


def test_a_hard_link_planted_as_a_lock_is_locked_but_never_written(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("mine\n")
    os.link(victim, tmp_path / "build.lock")
    with exclusive_lock(tmp_path / "build", print):
        pass
    assert victim.read_text() == "mine\n"


@pytest.mark.parametrize("kind", ["group-writable", "world-writable", "symlink"])
def test_a_lock_folder_others_can_write_or_redirect_is_refused(tmp_path, kind):
    folder = tmp_path / "locks"
    if kind == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        folder.symlink_to(tmp_path / "elsewhere")
        expected = "it is a symbolic link"
    else:
        folder.mkdir()
        folder.chmod(0o770 if kind == "group-writable" else 0o1777)
        expected = "others can write in it"
    with pytest.raises(LockRefused, match=rf"^not using the lock folder {folder}: {expected}"):
        with _admit(folder):
            pass
    assert not (folder / "test-suites").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a folder away needs root")
def test_a_lock_folder_of_another_user_is_refused(tmp_path):
    folder = tmp_path / "locks"
    folder.mkdir(mode=0o700)
    os.chown(folder, 4242, 4242)
    with pytest.raises(LockRefused, match="it belongs to uid 4242, not to you"):
        with _admit(folder):
            pass


def test_the_machine_wide_locks_are_in_a_private_folder_of_this_user():
    assert machine_lock("apt") == MACHINE_LOCKS / "apt" and ADMISSION_FOLDER.parent == MACHINE_LOCKS
    info = MACHINE_LOCKS.lstat()
    assert stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o022 and info.st_uid == os.getuid()
    assert MACHINE_LOCKS.name == f"mesonmatrix-locks-{os.getuid()}"
