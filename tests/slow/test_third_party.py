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
