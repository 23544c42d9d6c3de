"""toolchain-min cells for real: the declared floor, a newer proposal, a compiler below the floor."""

from __future__ import annotations

import pytest

from cells import run_nox_cell

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("toolchain-home")


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


def test_a_newer_proposal_reports_that_meson_build_disagrees(home):
    result = run_nox_cell(home, "toolchain-min-3.12", "--cc", "gcc-12")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["toolchain"]["used"]["c"]["version"].startswith("12.")
    assert r["toolchain"]["floor"]["agrees"] is False
    assert "meson.build still accepts GCC 11.0" in r["toolchain"]["floor"]["verdict"]


def test_a_compiler_below_the_floor_is_rejected_by_the_target(home):
    result = run_nox_cell(home, "toolchain-min-3.12", "--cc", "clang-14")
    r = result.record
    assert result.returncode != 0
    assert r["error"].startswith("rejected by the target's minimum:")
    assert "found clang 14." in r["error"] and r["toolchain"]["rejected"] is True
