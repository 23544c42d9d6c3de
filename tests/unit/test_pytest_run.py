"""Reading pytest's outcome: counts from junit, and exit codes told apart."""

import sys
from pathlib import Path

import pytest

from mesonmatrix.errors import CellError
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.testing.pytestrun import run_pytest


def test_a_usage_error_is_reported_as_one(tmp_path):
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    with pytest.raises(CellError, match=r"pytest usage error \(exit 4\) for the suite's arguments json --no-such-flag"):
        run_pytest(runner, Path(sys.executable), ["json", "--no-such-flag"], tmp_path / "j.xml", suite="s",
                   source="shipped")


def test_no_tests_collected_is_an_error(tmp_path):
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    with pytest.raises(CellError, match="collected no tests from the installed json"):
        run_pytest(runner, Path(sys.executable), ["json"], tmp_path / "j.xml", suite="s", source="shipped")
