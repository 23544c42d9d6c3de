"""deb and conda cells of the demo, for real: the built wheel staged under Debian's layout,
relocated, packaged with dpkg-deb, linted by lintian and tested from the unpacked package;
a .conda made with conda-package-handling and inspected."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

import prerequisites
from cells import run_nox_cell, runpaths

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    prerequisites.command("dpkg-deb", "lintian", fix="sudo apt-get install -y lintian")
    return tmp_path_factory.mktemp("repackage-home")


def test_a_deb_depends_on_debians_openblas_lints_clean_and_passes_its_tests(home, tmp_path):
    result = run_nox_cell(home, "build-3.12-system-openblas-deb")
    assert result.returncode == 0, result.output[-3000:]
    record = result.record
    package = record["package"]
    deb = Path(package["path"])
    assert package["format"] == "deb" and deb.name == "python3-blasdemo_0.1.0-1_amd64.deb"
    control = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Depends: libc6, libopenblas0-pthread, python3 (>= 3.12~), python3 (<< 3.13~)" in control
    # Built on pyenv's 3.12: honest that Ubuntu 24.04 installs it, and what apt here says.
    assert package["installs_on"] == ["Ubuntu 24.04"]
    distro_python = subprocess.run(["/usr/bin/python3", "-c", "import sys; print(sys.version_info[:2])"],
                                   capture_output=True, text=True).stdout.strip()
    if distro_python != "(3, 12)":
        assert package["apt_here"].startswith("apt cannot install it here: "), package["apt_here"]
    assert package["lintian"]["errors"] == [] and record["wheels"] == [] and record["repair"] is None
    # The RUNPATH into Debian's openblas-pthread folder was removed; nothing is bundled.
    assert [r["old"] for r in package["relocated"]] == ["/usr/lib/x86_64-linux-gnu/openblas-pthread"]
    unpacked = tmp_path / "x"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    assert runpaths(unpacked) == [] and not list(unpacked.rglob("*.libs"))
    names = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "./usr/lib/python3/dist-packages/blasdemo/_linalg.cpython-312-x86_64-linux-gnu.so" in names
    assert "./usr/share/doc/python3-blasdemo/copyright" in names and "root/root" in names
    # Tested from the unpacked package, with Debian's OpenBLAS loaded.
    assert record["tests"]["passed"] >= 9 and record["tests"]["failed"] == 0
    assert record["blas_runtime"]["name"] == "openblas"
    assert record["blas_runtime"]["library"].startswith("/usr/lib/x86_64-linux-gnu/")
    # Reproducible: the same inputs give the same bytes.
    again = run_nox_cell(home, "build-3.12-system-openblas-deb")
    assert again.returncode == 0 and again.record["package"]["sha256"] == package["sha256"]


def test_lintian_reports_an_unstripped_extension_as_an_error(tmp_path):
    """What makes a deb cell fail: lintian's errors, read from its real output."""
    prerequisites.command("lintian", "gcc", fix="sudo apt-get install -y lintian gcc")
    from mesonmatrix.machine.commands import CommandRunner
    from mesonmatrix.repackage import deb as debian

    root = tmp_path / "root"
    site = root / "usr" / "lib" / "python3" / "dist-packages" / "tiny"
    site.mkdir(parents=True)
    source = tmp_path / "tiny.c"
    source.write_text("int tiny(int x) { return x + 1; }\n")
    subprocess.run(["gcc", "-g", "-shared", "-fPIC", "-o", str(site / "_tiny.cpython-312-x86_64-linux-gnu.so"),
                    str(source)], check=True)
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    debian.write_policy_files(root, package="python3-tiny", version="1.0-1", copyright="License: Expat\n",
                              epoch=1700000000)
    control = debian.control_file(package="python3-tiny", version="1.0-1", depends=["libc6"],
                                  description="Tiny numbers for tests\n Tiny.\n",
                                  installed_kib=debian.installed_size_kib(root))
    deb = debian.build_deb(root, control, tmp_path / "python3-tiny_1.0-1_amd64.deb", runner, epoch=1700000000)
    lint = debian.run_lintian(deb, runner)
    assert any(e.startswith("unstripped-binary-or-object") for e in lint.errors), lint
    debian.strip_binaries([site / "_tiny.cpython-312-x86_64-linux-gnu.so"], runner)
    deb = debian.build_deb(root, control, deb, runner, epoch=1700000000)
    assert not any(e.startswith("unstripped") for e in debian.run_lintian(deb, runner).errors)


def test_a_conda_package_holds_the_staged_files_and_its_metadata(home):
    result = run_nox_cell(home, "build-3.12-netlib-conda")
    assert result.returncode == 0, result.output[-3000:]
    package = result.record["package"]
    conda = Path(package["path"])
    assert package["format"] == "conda" and conda.name == "blasdemo-0.1.0-py312_0.conda"
    assert package["depends"] == ["python >=3.12,<3.13.0a0", "libblas", "liblapack"]
    assert result.record["tests"] is None and "a channel" in package["tests_skipped_because"]
    with zipfile.ZipFile(conda) as outer:
        names = outer.namelist()
    assert "metadata.json" in names and any(n.startswith("info-") for n in names) and any(
        n.startswith("pkg-") for n in names)
    import conda_package_handling.api as api
    out = conda.parent / "x"
    api.extract(str(conda), dest_dir=str(out))
    index = json.loads((out / "info" / "index.json").read_text())
    assert index["name"] == "blasdemo" and index["subdir"] == "linux-64"
    assert (out / "lib" / "python3.12" / "site-packages" / "blasdemo" / "__init__.py").is_file()
