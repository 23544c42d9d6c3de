"""A distro packager's cells on SciPy 1.17.1: its build dependencies without upper bounds,
and a .deb that depends on Debian's qhull instead of vendoring it.

Slow (a SciPy build each, about half an hour cold on 2 cores): ``python3 -m pytest -m slow``.
"""

from __future__ import annotations

import subprocess

import pytest

import prerequisites
from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.slow
HOME = ROOT / ".matrix"
COLD = 3 * 3600  # a cold SciPy build with its tests: 35-40 minutes here, more on a busy machine


def test_scipy_builds_and_passes_with_its_bounds_loosened():
    result = run_nox_cell(HOME, "loosened-3.12", "--target", "scipy", target_name="scipy", timeout=COLD)
    deps = result.record["build_deps"]
    # What SciPy 1.17.1 declares: meson-python, Cython, pybind11 and pythran bounds go; numpy's stays.
    assert sorted(r.split(">")[0].lower() for r in deps["loosened"]) == ["cython", "meson-python", "pybind11",
                                                                         "pythran"]
    assert list(deps["kept"]) == ["numpy>=2.0.0,<2.7"]
    print("resolved above SciPy's bounds:", deps["above_bounds"], "; status:", result.record["status"],
          "; retry:", deps["retry"])
    assert result.returncode == 0 or deps["likely_culprit"] is None or deps["retry"] is not None, \
        result.output[-3000:]


def test_scipy_deb_depends_on_debians_qhull():
    prerequisites.command("dpkg-deb", "lintian", fix="sudo apt-get install -y lintian libqhull-dev")
    prerequisites.pkg_config_module("qhull_r", fix="sudo apt-get install -y libqhull-dev")
    result = run_nox_cell(HOME, "build-3.12-system-openblas-auto-deb", "--target", "scipy", target_name="scipy",
                          timeout=COLD)
    assert result.returncode == 0, result.output[-3000:]
    record = result.record
    assert record["system_components"].get("qhull") == "system", record["system_components"]
    deb = ROOT / record["package"]["path"]  # the workspace is inside the project: relative to it
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                             text=True, check=True).stdout
    assert "libqhull" in depends and "libopenblas0-pthread" in depends, depends
    unpacked = deb.parent / "check"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    assert not list(unpacked.rglob("libqhull*")), "qhull was bundled instead of depended on"
    assert record["tests"]["passed"] > 100 and record["tests"]["failed"] == 0


def test_scipy_rpm_requires_the_systems_openblas_and_qhull_by_soname():
    prerequisites.command("rpmbuild", fix="sudo apt-get install -y rpm")
    prerequisites.command("rpmlint", fix="sudo apt-get install -y rpmlint")
    prerequisites.pkg_config_module("qhull_r", fix="sudo apt-get install -y libqhull-dev")  # else vendored
    result = run_nox_cell(HOME, "build-3.12-system-openblas-auto-rpm", "--target", "scipy", "--suite", "smoke",
                          target_name="scipy", timeout=COLD)
    assert result.returncode == 0, result.output[-3000:]
    package = result.record["package"]
    assert package["format"] == "rpm" and package["rpmlint"]["errors"] == []
    assert "libopenblas.so.0()(64bit)" in package["depends"] and "python(abi) = 3.12" in package["depends"]
    assert any(d.startswith("libqhull_r.so") for d in package["depends"])
    assert any("python3.12dist(numpy)" in d for d in package["depends"])
    assert result.record["tests"]["passed"] > 1000 and result.record["tests"]["failed"] == 0
