"""Test suites that hang or leave processes behind: the cell ends, says why, frees the
memory its suite reserved, and leaves nothing running. Real cells of demo copies."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from mesonmatrix.machine.admission import ADMISSION_FOLDER, running_suites

from cells import ROOT, processes_mentioning, run_nox_cell

pytestmark = pytest.mark.integration


def demo_with(tmp_path: Path, name: str, tests: str) -> Path:
    source = tmp_path / name
    shutil.copytree(ROOT / "demo", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    test_file = source / "src" / "blasdemo" / "tests" / "test_linalg.py"
    test_file.write_text(test_file.read_text() + "\n\n" + tests)
    return source


def test_a_hanging_test_ends_at_the_timeout_and_frees_its_memory(tmp_path):
    source = demo_with(tmp_path, "hang", "import time\n\ndef test_hangs():\n    time.sleep(36000)\n")
    start = time.monotonic()
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--target", str(source), "--unlocked",
                          "--test-timeout", "15", target_name="blasdemo", timeout=900)
    assert result.returncode != 0 and time.monotonic() - start < 600
    record = result.record
    assert record["status"] == "failed" and "tests timed out after 15 s" in record["error"]
    assert "\n" not in record["error"]
    assert record["durations"]["test"] >= 15
    assert not processes_mentioning(str(tmp_path / "home" / "venvs"))
    # The suite's memory reservation was released: only other cells' suites hold one.
    assert not [h for h in running_suites(ADMISSION_FOLDER) if str(tmp_path) in h.who]


def test_a_daemon_and_a_stray_child_of_a_test_are_ended(tmp_path):
    # This run's own stray (a `sleep 9017` another run left on the machine is not this one's).
    stray = f"9017.{os.getpid()}{time.monotonic_ns() % 100_000}"
    tests = (
        "import os, subprocess, time\n\n"
        "def test_leaves_a_daemon():\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(907)\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n\n"
        "def test_leaves_a_child():\n"
        f"    subprocess.Popen(['sleep', '{stray}'])\n"
    )
    source = demo_with(tmp_path, "daemon", tests)
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--target", str(source), "--unlocked",
                          target_name="blasdemo", timeout=900)
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["tests"]["passed"] >= 2
    time.sleep(1)
    assert not processes_mentioning(f"sleep {stray}")
    assert not processes_mentioning(str(tmp_path / "home" / "venvs"))
    log = Path(result.record["log"]).read_text()
    assert "the command left running" in log and "sleep 9017" in log
