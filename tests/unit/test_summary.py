"""A test run's counts from its own summary line: pytest's (xfailed, xpassed and subtests
apart from passed and skipped) and unittest's, from real runs of both on small suites."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mesonmatrix.record import TestCounts
from mesonmatrix.testing.outside import counted
from mesonmatrix.testing.summary import counts_phrase, from_pytest, from_unittest

SUITE = """import pytest
def test_a(): pass
def test_b(): pass
@pytest.mark.skip(reason="no")
def test_c(): pass
@pytest.mark.xfail(reason="known")
def test_d(): assert False
@pytest.mark.xfail(reason="fixed upstream")
def test_e(): pass
"""
UNITTEST = """import unittest
class T(unittest.TestCase):
    def test_a(self): pass
    def test_b(self): pass
    @unittest.skip("no")
    def test_c(self): pass
    @unittest.expectedFailure
    def test_d(self): self.fail()
"""


def test_pytests_xfail_and_xpass_are_not_skips_or_passes(tmp_path: Path):
    (tmp_path / "test_s.py").write_text(SUITE)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path)
    counts = from_pytest(run.stdout, TestCounts())
    assert counts is not None, run.stdout
    assert (counts.passed, counts.skipped, counts.xfailed, counts.xpassed, counts.failed) == (2, 1, 1, 1, 0)
    assert counts_phrase(counts) == "2 passed, 0 failed, 1 skipped, 0 errors, 1 xfailed, 1 xpassed"


def test_subtests_are_counted_apart_from_tests():
    line = "===== 10 passed, 2 failed, 374 subtests passed, 3 subtests failed, 1 error in 4.20s ====="
    counts = from_pytest(f"collected 12 items\n...\n{line}\n", TestCounts())
    assert counts is not None
    assert (counts.passed, counts.failed, counts.errors, counts.subtests_passed, counts.subtests_failed) == \
        (10, 2, 1, 374, 3)


def test_a_command_running_unittest_is_counted_from_its_output(tmp_path: Path):
    (tmp_path / "test_u.py").write_text(UNITTEST)
    run = subprocess.run([sys.executable, "-m", "unittest", "-v", "test_u"], capture_output=True, text=True,
                         cwd=tmp_path)
    output = run.stdout + run.stderr
    counts = from_unittest(output, TestCounts())
    assert counts is not None and (counts.passed, counts.skipped, counts.xfailed, counts.failed) == (2, 1, 1, 0)
    # As a cibuildwheel test command: counted from its output, not "1 passed".
    assert counted(run.returncode, tmp_path / "no-junit.xml", output) == counts


def test_a_command_with_no_count_claims_none(tmp_path: Path):
    assert counted(0, tmp_path / "none.xml", "all good\n") == TestCounts(uncounted=1)
    assert counted(2, tmp_path / "none.xml", "Traceback ...\n") == TestCounts(failed=1)
    assert "1 command exited 0" in counts_phrase(TestCounts(uncounted=1))
