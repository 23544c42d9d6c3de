"""A project whose wheels workflow sets CIBW_TEST_COMMAND and CIBW_TEST_REQUIRES in its
env (not in pyproject.toml): a cell runs those tests, as the maintainers' CI does, and
the record says where the command was found."""

from __future__ import annotations

import shutil

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration

WORKFLOW = """name: Build wheels
on: [push, pull_request]
jobs:
  wheels:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: pypa/cibuildwheel@v2.22.0
        env:
          CIBW_TEST_REQUIRES: pytest
          CIBW_TEST_COMMAND: pytest {project}/tests
"""
TESTS = """import blasdemo

def test_one():
    assert blasdemo.__name__ == "blasdemo"

def test_two():
    assert "site-packages" in blasdemo.__file__

def test_three():
    assert 1 + 1 == 2
"""


def test_a_cibw_test_command_in_a_workflow_runs_and_is_counted(tmp_path):
    project = tmp_path / "wf"
    shutil.copytree(ROOT / "demo", project)
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "wheels.yml").write_text(WORKFLOW)
    (project / "tests").mkdir()
    (project / "tests" / "test_from_ci.py").write_text(TESTS)
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--target", str(project), "--unlocked",
                          target_name="blasdemo")
    assert result.returncode == 0, result.output[-3000:]
    tests, setup = result.record["tests"], result.record["test_setup"]
    assert tests["suite"] == "cibuildwheel test-command" and tests["passed"] == 3 and tests["failed"] == 0
    assert any("wheels.yml" in h and "CIBW_TEST_COMMAND" in h for h in setup["honoured"]), setup
