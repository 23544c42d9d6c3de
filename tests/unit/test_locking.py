"""Locks: builds share a build env; reinstalling it waits for all of them, and they for it."""

import subprocess
import sys
import time

from mesonmatrix.machine.locking import exclusive_lock, shared_lock

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
