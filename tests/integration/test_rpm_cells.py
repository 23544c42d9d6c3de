"""rpm cells of the demo, for real: the built wheel staged under an RPM distribution's
layout, relocated, packaged by rpmbuild with rpm's own dependency generators, linted by
rpmlint, tested from the unpacked package, and byte-identical when made again."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

import prerequisites
from cells import ROOT, run_nox_cell, runpaths

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


def test_executable_modules_get_an_exact_shebang_or_lose_their_mode(tmp_path):
    """A project whose modules are installed executable, one without a #! line and one
    with ``#!/usr/bin/env python3``: rpmlint fails both (script-without-shebang,
    env-script-interpreter) until the mode is fixed and the shebang made exact, as
    Fedora's %py3_shebang_fix does; RECORD keeps the new hashes."""
    prerequisites.command("rpmbuild", fix="sudo apt-get install -y rpm")
    prerequisites.command("rpmlint", fix="sudo apt-get install -y rpmlint")
    project = tmp_path / "exec"
    shutil.copytree(ROOT / "demo", project)
    tests = project / "src" / "blasdemo" / "tests"
    (tests / "run_me.py").write_text("#!/usr/bin/env python3\nprint('ran')\n")
    (tests / "no_shebang.py").write_text("VALUE = 3\n")
    for name in ("run_me.py", "no_shebang.py"):
        (tests / name).chmod(0o755)
    build = tests / "meson.build"
    build.write_text(build.read_text().replace("'test_kahan.py']", "'test_kahan.py', 'run_me.py', 'no_shebang.py']"))
    result = run_nox_cell(tmp_path / "home", "build-3.12-system-openblas-rpm", "--target", str(project),
                          target_name="blasdemo")
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["package"]["rpmlint"]["errors"] == []
    rpm = Path(result.record["package"]["path"])
    modes = subprocess.run(["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]", str(rpm)],
                           capture_output=True, text=True, check=True).stdout
    site = "/usr/lib64/python3.12/site-packages/blasdemo/tests"
    assert f"-rw-r--r-- {site}/no_shebang.py" in modes, modes
    assert f"-rwxr-xr-x {site}/run_me.py" in modes, modes
    subprocess.run(["rpm2archive", str(rpm)], cwd=tmp_path, check=True)
    with tarfile.open(rpm.with_name(rpm.name + ".tgz")) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    unpacked = tmp_path / "x" / site.lstrip("/")
    assert (unpacked / "run_me.py").read_text() == "#!/usr/bin/python3.12\nprint('ran')\n"
    record = next(unpacked.parent.parent.glob("blasdemo-*.dist-info")) / "RECORD"
    assert "blasdemo/tests/run_me.py,sha256=" in record.read_text()
    assert "made 0644 (executable, no #!) 1 files (blasdemo/tests/no_shebang.py" in result.output
