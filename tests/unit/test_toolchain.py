"""Toolchain floors: what meson.build enforces, how a proposal compares, what a build used."""

from __future__ import annotations

import pytest

from mesonmatrix.machine.toolchain import FloorCheck, debian_package, enforced_minimums, rejected_by_minimum

from cells import ROOT

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
    assert rejected_by_minimum(
        "meson.build:19:4: ERROR: Problem encountered: blasdemo requires Clang >= 15.0, found 14.0.6"
    )
    assert rejected_by_minimum("meson.build:52:4: ERROR: Problem encountered: SciPy requires clang >= 15.0")
    assert not rejected_by_minimum('meson.build:14:14: ERROR: Dependency "kahan" not found')
