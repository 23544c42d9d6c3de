"""rpm cells of the demo, for real: the built wheel staged under an RPM distribution's
layout, relocated, packaged by rpmbuild with rpm's own dependency generators, linted by
rpmlint, tested from the unpacked package, and byte-identical when made again."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

import prerequisites
from cells import run_nox_cell, runpaths

pytestmark = pytest.mark.integration


def test_an_rpm_requires_the_openblas_soname_lints_clean_and_passes_its_tests(tmp_path):
    prerequisites.command("rpmbuild", fix="sudo apt-get install -y rpm")
    prerequisites.command("rpmlint", fix="sudo apt-get install -y rpmlint")
    home = tmp_path / "home"
    result = run_nox_cell(home, "build-3.12-system-openblas-rpm")
    assert result.returncode == 0, result.output[-3000:]
    record = result.record
    package = record["package"]
    rpm = Path(package["path"])
    assert package["format"] == "rpm" and rpm.name == "python3-blasdemo-0.1.0-1.x86_64.rpm"
    # Written by rpm's own generators: the soname, the interpreter's ABI, the dist names.
    assert "libopenblas.so.0()(64bit)" in package["depends"] and "python(abi) = 3.12" in package["depends"]
    assert "python3.12dist(blasdemo) = 0.1" in package["provides"]
    assert package["rpmlint"]["errors"] == [] and record["wheels"] == []
    listing = subprocess.run(["rpm", "-qpl", str(rpm)], capture_output=True, text=True, check=True).stdout
    assert "/usr/lib64/python3.12/site-packages/blasdemo/_linalg.cpython-312-x86_64-linux-gnu.so" in listing
    # Nothing of the build machine is left in a RUNPATH, and the system's OpenBLAS is required, not bundled.
    subprocess.run(["rpm2archive", str(rpm)], cwd=tmp_path, check=True)
    unpacked = tmp_path / "x"
    with tarfile.open(rpm.with_name(rpm.name + ".tgz")) as tar:
        tar.extractall(unpacked, filter="data")
    assert list(unpacked.rglob("*.so")) and runpaths(unpacked) == []
    assert not list(unpacked.rglob("*openblas*"))
    assert record["tests"]["passed"] >= 9 and record["tests"]["failed"] == 0
    assert record["blas_runtime"]["library"].startswith("/usr/lib/x86_64-linux-gnu/")
    again = run_nox_cell(home, "build-3.12-system-openblas-rpm")
    assert again.returncode == 0 and again.record["package"]["sha256"] == package["sha256"]
