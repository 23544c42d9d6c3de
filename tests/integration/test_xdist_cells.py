"""--test-jobs for real: the demo's suite in two pytest-xdist workers, installed into the
test venv for it (the demo's lock has no pytest-xdist), with the same test counts."""

from __future__ import annotations

import pytest

from cells import run_nox_cell

pytestmark = pytest.mark.integration


def test_the_suite_runs_in_xdist_workers_with_the_same_counts(tmp_path):
    one = run_nox_cell(tmp_path / "home", "build-3.12-openblas")
    two = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--test-jobs", "2")
    for cell in (one, two):
        assert cell.returncode == 0, cell.output[-3000:]
    log = (two.record_path.parent / "cell.log").read_text()
    assert "pytest-xdist: 2 workers (test_jobs = 2" in two.output
    assert " pip install --python " in log and " pytest-xdist\n" in log  # not in the lock: installed for it
    assert "--pyargs blasdemo -n 2" in log or " -n 2\n" in log
    assert "bringing up nodes..." in log  # pytest-xdist started its workers (its line under -q)
    counts = ("passed", "failed", "skipped", "errors")
    assert [two.record["tests"][k] for k in counts] == [one.record["tests"][k] for k in counts]
    assert two.record["blas_runtime"]["name"] == one.record["blas_runtime"]["name"]
