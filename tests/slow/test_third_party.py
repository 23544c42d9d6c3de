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


def test_scs_links_openblas_by_library_search_and_keeps_its_strict_pytest_config():
    """scs 3.3.1: no blas option (cc.find_library('openblas') / dependency('openblas')), a
    cibuildwheel test-command `pytest {package}/test`, custom markers in its pytest config."""
    path = sdist("scs", "3.3.1", "dd9d43c1f2f189a84e84c26721e2c5129abf921a6a8acc48c154abae993357b1")
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", str(path), "--unlocked", target_name="scs")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["target_declares_blas"] is False and any("(openblas)" in lib for lib in r["linked_blas"])
    assert r["tests"]["source"] == "cibuildwheel" and r["tests"]["passed"] > 300 and r["tests"]["failed"] == 0
    assert "tool.cibuildwheel.test-command" in r["test_setup"]["honoured"]


def test_scikit_misc_builds_fortran_and_runs_its_script_with_its_environment():
    """scikit-misc 0.5.3: add_languages('fortran'), test-command `bash {project}/tools/wheels/
    cibw_test_command.sh {project}`, RUNNER_OS from [tool.cibuildwheel.linux.environment]."""
    prerequisites.command("gfortran", fix="sudo apt-get install -y gfortran")
    path = sdist("scikit-misc", "0.5.3", "ae1bd75c9f903295dd4e90af8d28d09d31a5e6432909f89927da231b3fbcc1e1")
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", str(path), "--unlocked",
                          target_name="scikit-misc")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["tests"]["passed"] >= 15 and r["tests"]["failed"] == 0
    assert "tool.cibuildwheel.linux.environment" in r["test_setup"]["honoured"]


def test_siphash24_needs_a_download_this_machine_cannot_make_and_says_so():
    """siphash24 1.9: its sdist fetches a meson subproject from GitHub at configure time."""
    path = sdist("siphash24", "1.9", "0aae53d2074cdddd51d36fac05efb70aa0724654f871c3b1420ca46167b143af")
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", str(path), "--unlocked", target_name="siphash24")
    assert result.returncode != 0
    assert result.record["error"].startswith("build of the full wheel failed: the build downloads https://github.com/")


def test_pywavelets_as_an_rpm_passes_its_installed_suite():
    prerequisites.command("rpmbuild", fix="sudo apt-get install -y rpm")
    prerequisites.command("rpmlint", fix="sudo apt-get install -y rpmlint")
    path = sdist("pywavelets", "1.9.0", "148d12203377772bea452a59211d98649c8ee4a05eff019a9021853a36babdc8")
    result = run_nox_cell(HOME, "build-3.12-system-openblas-rpm", "--target", str(path), target_name="PyWavelets")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["package"]["format"] == "rpm" and r["package"]["rpmlint"]["errors"] == []
    assert "python(abi) = 3.12" in r["package"]["depends"]
    assert any("python3.12dist(numpy)" in d for d in r["package"]["depends"])
    assert r["tests"]["passed"] > 1000 and r["tests"]["failed"] == 0
