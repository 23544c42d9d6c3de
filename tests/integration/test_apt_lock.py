"""apt waits for another process's dpkg lock instead of failing (root and apt-get needed)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from mesonmatrix.machine.apt import install_command, waiting_for_lock
from mesonmatrix.machine.commands import CommandRunner

import prerequisites

pytestmark = pytest.mark.integration

HOLD = """
import fcntl, sys, time
with open("/var/lib/dpkg/lock-frontend", "w") as lock:
    fcntl.lockf(lock, fcntl.LOCK_EX)
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def test_apt_waits_while_another_process_holds_the_dpkg_lock(tmp_path):
    prerequisites.root_with_apt()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, "4"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    start = time.monotonic()
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    # pkg-config is installed: apt has nothing to do once it has the lock.
    result = runner.run(waiting_for_lock(install_command(["pkg-config"])), label="apt-get while locked",
                        extra_env={"DEBIAN_FRONTEND": "noninteractive"}, check=False)
    waited = time.monotonic() - start
    holder.wait()
    assert result.returncode == 0, result.stdout
    assert waited >= 2, f"apt-get did not wait for the lock ({waited:.1f} s)"
    plain = subprocess.Popen([sys.executable, "-c", HOLD, "3"], stdout=subprocess.PIPE, text=True)
    assert plain.stdout is not None and plain.stdout.readline()
    refused = subprocess.run(install_command(["pkg-config"]), capture_output=True, text=True)
    plain.wait()
    assert refused.returncode != 0 and "lock" in refused.stderr.lower()  # what the wait prevents
