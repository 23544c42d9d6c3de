"""Toolchain floors: what meson.build enforces, how a proposal compares, what a build used."""

from __future__ import annotations

import pytest

from cells import ROOT, run_nox_cell
from mesonmatrix.toolchain import FloorCheck, debian_package, enforced_minimums, rejected_by_minimum

SCIPY_STYLE = """
if cc.get_id() == 'gcc'
  if not cc.version().version_compare('>=9.1')
    error('SciPy requires GCC >= 9.1')
  endif
elif cc.get_id() == 'clang' or cc.get_id() == 'clang-cl'
  if not cc.version().version_compare('>=15.0')
    error('SciPy requires clang >= 15.0')
  endif
endif
if not cy.version().version_compare('>=3.0.8')
  error('SciPy requires Cython >= 3.0.8')
endif
"""


def test_reads_scipy_style_floors(tmp_path):
    (tmp_path / "meson.build").write_text(SCIPY_STYLE)
    assert enforced_minimums(tmp_path / "meson.build") == {"gcc": "9.1", "clang": "15.0", "clang-cl": "15.0"}


def test_reads_the_demo_floor():
    assert enforced_minimums(ROOT / "demo" / "meson.build") == {"gcc": "11.0", "clang": "15.0"}


@pytest.mark.parametrize(("proposed", "enforced", "verdict"), [
    ("11.3.0", "11.0", "agrees: meson.build enforces GCC >= 11.0"),
    ("12.2.0", "9.1", "disagrees: meson.build still accepts GCC 9.1"),
    ("10.2.1", "11.0", "below the floor"),
])
def test_floor_verdicts(proposed, enforced, verdict):
    assert FloorCheck(compiler="gcc", proposed=proposed, enforced=enforced).verdict.startswith(verdict)


def test_no_enforcement_is_reported():
    assert "enforces no minimum" in FloorCheck(compiler="gcc", proposed="12.2.0", enforced=None).verdict


def test_debian_packages_for_compilers():
    assert [debian_package(c) for c in ("gcc-11", "g++-11", "clang-15", "clang++-15", "gfortran-11")] == [
        "gcc-11", "g++-11", "clang-15", "clang-15", "gfortran-11"]


def test_rejection_is_told_from_other_configure_errors():
    assert rejected_by_minimum("meson.build:19:4: ERROR: Problem encountered: blasdemo requires Clang >= 15.0, found 14.0.6")
    assert rejected_by_minimum("meson.build:52:4: ERROR: Problem encountered: SciPy requires clang >= 15.0")
    assert not rejected_by_minimum('meson.build:14:14: ERROR: Dependency "kahan" not found')


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("toolchain-home")


@pytest.mark.integration
def test_declared_floor_builds_with_lowest_build_deps(home):
    result = run_nox_cell(home, "toolchain-min-3.12")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["toolchain"]["used"]["c"]["id"] == "gcc" and r["toolchain"]["used"]["c"]["version"].startswith("11.")
    # meson-python's own floor is 0.15.0; meson is raised by what meson-python 0.15.0 needs on 3.12.
    assert r["toolchain"]["build_deps"]["meson-python"] == "0.15.0"
    assert "meson" in r["toolchain"]["build_deps"]
    assert r["toolchain"]["floor"]["agrees"] is True
    assert r["tests"]["passed"] >= 10 and r["tests"]["failed"] == 0


@pytest.mark.integration
def test_a_newer_proposal_reports_that_meson_build_disagrees(home):
    result = run_nox_cell(home, "toolchain-min-3.12", "--cc", "gcc-12")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["toolchain"]["used"]["c"]["version"].startswith("12.")
    assert r["toolchain"]["floor"]["agrees"] is False
    assert "meson.build still accepts GCC 11.0" in r["toolchain"]["floor"]["verdict"]


@pytest.mark.integration
def test_a_compiler_below_the_floor_is_rejected_by_the_target(home):
    result = run_nox_cell(home, "toolchain-min-3.12", "--cc", "clang-14")
    r = result.record
    assert result.returncode != 0
    assert r["error"].startswith("rejected by the target's minimum:")
    assert "found clang 14." in r["error"] and r["toolchain"]["rejected"] is True
