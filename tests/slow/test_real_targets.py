"""NumPy and SciPy from their sdists, with their own installed test suites.

Slow (minutes to an hour on 2 cores): run on request with ``python3 -m pytest -m slow``.
They use the project's own workspace (.matrix/), so a second run reuses the builds.
"""

from __future__ import annotations

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.slow
HOME = ROOT / ".matrix"


@pytest.mark.parametrize("target", ["numpy", "scipy"])
def test_full_cell(target):
    result = run_nox_cell(HOME, "build-3.12-openblas", "--target", target, target_name=target)
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["status"] == "passed" and r["tests"]["failed"] == 0 and r["tests"]["errors"] == 0
    assert r["tests"]["passed"] > 100
    assert r["repair"]["tag"].startswith("manylinux")
    assert r["blas_runtime"]["name"] == "openblas" and r["blas_runtime"]["int_size"] == 32


@pytest.mark.parametrize("target", ["numpy", "scipy"])
def test_split_cell(target):
    result = run_nox_cell(HOME, "build-3.12-openblas-split", "--target", target, target_name=target)
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["partition"]["ok"]
    assert {w["role"] for w in r["wheels"]} == {"runtime", "tests"}
    assert any(f"{target}_tests-" in w["path"] for w in r["wheels"])
    assert r["tests"]["passed"] > 100 and r["tests"]["failed"] == 0


@pytest.mark.parametrize("target", ["numpy", "scipy"])
def test_runtime_cell(target):
    """NumPy and SciPy tag their package-level conftest.py python-runtime: that is no test
    module, and the runtime-only wheel must still pass its check and import smoke test."""
    result = run_nox_cell(HOME, "build-3.12-openblas-runtime", "--target", target, target_name=target)
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    assert r["tests"]["source"] == "smoke" and r["tests"]["passed"] == 1
    assert r["tag_wheels"] == "install-plan"


def test_numpy_ilp64():
    result = run_nox_cell(HOME, "build-3.12-openblas64", "--target", "numpy", target_name="numpy")
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["blas_runtime"]["int_size"] == 64


def test_scipy_system_libraries_records_what_came_from_the_system():
    """`auto` with Debian 12's libqhull-dev (qhull_r 8.0.2, SciPy's exact version) and
    libboost-dev (1.74, SciPy wants its bundled 1.89): qhull from the system, boost vendored."""
    import subprocess

    result = run_nox_cell(HOME, "build-3.12-openblas-auto", "--target", "scipy", target_name="scipy")
    r = result.record
    assert result.returncode == 0, result.output[-3000:]
    qhull = subprocess.run(["pkg-config", "--modversion", "qhull_r"], capture_output=True, text=True).stdout.strip()
    assert r["system_components"] == {"boost.math": "vendored", "qhull": "system" if qhull == "8.0.2" else "vendored"}
    assert r["tests"]["failed"] == 0 and r["tests"]["passed"] > 100
