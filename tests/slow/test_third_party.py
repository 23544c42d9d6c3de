"""Third-party meson-python projects, from their pinned sdists, with their own tests.

Slow (minutes each): run with ``python3 -m pytest -m slow``. The sdists are fetched once
into the shared cache with their sha256 checked; the targets are given by path, so they
run unlocked (the cell says so).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.machine.workspace import Workspace
from mesonmatrix.targets.sdists import fetch_sdist

import prerequisites
from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.slow
HOME = ROOT / ".matrix"


def sdist(name: str, version: str, sha256: str) -> Path:
    cache = Workspace.default(ROOT).shared_cache
    return fetch_sdist(name, version, sha256, cache, CommandRunner(log=HOME / "logs" / "fetch.log"))


def test_pywavelets_has_no_blas_option_and_passes_its_installed_tests():
    """PyWavelets 1.9.0: Cython, no BLAS option, no meson.options, imports as pywt."""
    path = sdist("pywavelets", "1.9.0", "148d12203377772bea452a59211d98649c8ee4a05eff019a9021853a36babdc8")
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", str(path), target_name="PyWavelets")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["target_declares_blas"] is False and not any(a.startswith("-Dblas") for a in r["setup_args"])
    assert r["tests"]["passed"] > 1000 and r["tests"]["failed"] == 0 and r["tests"]["errors"] == 0
    assert r["locks"]["unlocked"] is True
    sibling = run_nox_cell(HOME, "build-3.12-netlib", "--target", str(path), target_name="PyWavelets")
    assert sibling.record["status"] == "skipped" and "build-3.12-openblas builds and tests" in sibling.record["error"]


def test_contourpy_runs_its_own_cibuildwheel_test_command_from_a_copy():
    """contourpy 1.3.3: C++ with pybind11, no BLAS, package under lib/, tests in a top-level
    tests/ folder, and a [tool.cibuildwheel] test-command with {project}."""
    path = sdist("contourpy", "1.3.3", "083e12155b210502d0bca491432bb04d56dc3432f95a979b429f2848c3dbe880")
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", str(path), target_name="contourpy")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["target_version"] == "1.3.3" and r["target_declares_blas"] is False
    assert r["tests"]["source"] == "cibuildwheel" and r["tests"]["passed"] > 20 and r["tests"]["failed"] == 0
    split = run_nox_cell(HOME, "build-3.12-openblas-split", "--target", str(path), target_name="contourpy")
    assert split.record["status"] == "skipped" and "outside the package" in split.record["error"]


def test_pycairo_runs_its_top_level_tests_against_a_wheel_that_bundles_cairo():
    """pycairo 1.29.2: C against the system's cairo (Debian's libcairo2-dev), tests in a
    top-level tests/ folder with no cibuildwheel test command and no test extra."""
    import subprocess

    if subprocess.run(["pkg-config", "--exists", "cairo"]).returncode != 0:
        prerequisites.missing("cairo's development files", "sudo apt-get install -y libcairo2-dev")
    path = sdist("pycairo", "1.29.2", "3e69fff74fe64f5ba2dfa31f67c6bdf26413342574047437d2ac520d35e9a489")
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", str(path), target_name="pycairo")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["tests"]["source"] == "tests-dir" and r["tests"]["passed"] > 200 and r["tests"]["failed"] == 0
    assert any(lib.startswith("libcairo") for lib in r["repair"]["grafted"])
