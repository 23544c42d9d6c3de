"""Builds and repairs that never end by themselves: a step that prints forever, a repair
tool that hangs. Each ends at its limit, says which, and leaves nothing running. Real
cells of demo copies, with a cache of their own (one test replaces a build env's tool)."""

from __future__ import annotations

import os
import shutil
import stat
import time

import pytest

from cells import ROOT, processes_mentioning, run_nox_cell

pytestmark = pytest.mark.integration

# A build step that prints a line every second, forever (in ninja's console pool, so each
# line reaches the tool as it is printed): it never trips build_timeout, which only
# catches silence.
CHATTY_STEP = """
custom_target('chatty', output: 'chatty.txt', build_by_default: true, console: true,
              command: [find_program('python3'), files('chatty.py')])
"""
CHATTY_SCRIPT = "import time\nwhile True:\n    print('still going', flush=True)\n    time.sleep(1)\n"


def test_a_build_that_prints_forever_ends_at_build_time_limit(tmp_path):
    source = tmp_path / "chatty"
    shutil.copytree(ROOT / "demo", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    (source / "meson.build").write_text((source / "meson.build").read_text() + CHATTY_STEP)
    (source / "chatty.py").write_text(CHATTY_SCRIPT)
    start = time.monotonic()
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--target", str(source), "--unlocked",
                          "--build-timeout", "8", "--build-time-limit", "40", target_name="blasdemo", timeout=400)
    assert result.returncode != 0 and time.monotonic() - start < 300
    error = result.record["error"]
    assert "was still running after 40 s (build_time_limit; --build-time-limit SECONDS changes it)" in error, error
    assert not processes_mentioning(str(source / "chatty.py"))


def test_a_repair_tool_that_hangs_is_ended(tmp_path):
    cache, home = tmp_path / "cache", tmp_path / "home"
    env = {"MESONMATRIX_CACHE": str(cache)}
    first = run_nox_cell(home, "build-3.12-openblas", env=env)
    assert first.returncode == 0, first.output[-3000:]
    # The build env's auditwheel becomes a command that never ends; the stored repair goes,
    # so the rerun must repair again.
    hung = 0
    for auditwheel in cache.glob("envs/py3.12-*/bin/auditwheel"):
        auditwheel.write_text(f"#!/bin/sh\nexec sleep 36000 # hung-repair {tmp_path}\n")
        auditwheel.chmod(auditwheel.stat().st_mode | stat.S_IXUSR)
        hung += 1
    assert hung
    shutil.rmtree(home / "repaired")
    start = time.monotonic()
    result = run_nox_cell(home, "build-3.12-openblas", "--build-time-limit", "20", env=env, timeout=400)
    assert result.returncode != 0 and time.monotonic() - start < 300
    assert "auditwheel was still repairing the full wheel after 20 s" in result.record["error"], result.record
    assert not processes_mentioning(f"hung-repair {tmp_path}")
    assert os.environ.get("MESONMATRIX_CACHE") != str(cache)  # the machine's cache was never touched
