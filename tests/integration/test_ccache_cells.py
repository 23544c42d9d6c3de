"""ccache across BLAS flavours, for real: a second flavour's compile from an empty build
dir reuses every object that does not depend on the BLAS, and a wheel made from cache hits
has the same bytes."""

from __future__ import annotations

import pytest

from mesonmatrix.machine.ccache import ccache_on_path

import prerequisites
from cells import run_nox_cell

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def needs_ccache():
    if ccache_on_path() is None:
        prerequisites.missing("ccache", "sudo apt-get install -y ccache")


def test_second_flavour_hits_the_cache_and_builds_the_same_wheel(tmp_path):
    env = {"CCACHE_DIR": str(tmp_path / "ccache")}
    first = run_nox_cell(tmp_path / "a", "build-3.12-openblas", env=env)
    assert first.returncode == 0, first.output[-3000:]
    cold = first.record["compiler_cache"]
    assert cold["tool"] == "ccache" and cold["hits"] == 0 and cold["misses"] >= 3

    # A second flavour in the same workspace starts from the first one's build dir: ninja
    # reruns only the compile the BLAS changes, so ccache sees one call.
    second = run_nox_cell(tmp_path / "a", "build-3.12-openblas64", env=env)
    assert second.returncode == 0, second.output[-3000:]
    assert second.record["build_seeded_from"] is not None
    assert second.record["compiler_cache"]["hits"] + second.record["compiler_cache"]["misses"] == 1

    # From an empty build dir (another workspace, the same ccache): every object that does
    # not see the BLAS is a hit.
    fresh = run_nox_cell(tmp_path / "c", "build-3.12-netlib", env=env)
    assert fresh.returncode == 0, fresh.output[-3000:]
    warm = fresh.record["compiler_cache"]
    # The vendored kahan library and the test-only extension do not see the BLAS: hits.
    # _linalg.c takes the BLAS symbol prefix/suffix and integer size: a miss.
    assert fresh.record["build_seeded_from"] is None and warm["hits"] >= 2 and warm["misses"] >= 1, warm

    again = run_nox_cell(tmp_path / "b", "build-3.12-openblas64", env={"CCACHE_DIR": str(tmp_path / "empty")})
    assert again.returncode == 0 and again.record["compiler_cache"]["hits"] == 0
    assert again.record["wheels"][0]["sha256"] == second.record["wheels"][0]["sha256"]
