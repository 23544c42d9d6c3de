"""A .deb cell on the distro's own Python ('distro' on the python axis): built against
/usr/bin/python3 and its python3-dev, depending on that python3 as Debian's own packages
do, resolved by apt on this very machine, then installed by apt in a clean chroot of this
release (mmdebstrap, from the machine's apt sources) and tested there by the chroot's
python3 against the installed package, as autopkgtest does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import prerequisites
from cells import run_nox_cell

pytestmark = pytest.mark.integration


def test_the_distro_cells_package_installs_on_this_distro_and_passes_its_tests_there(tmp_path):
    prerequisites.root_with_apt()
    prerequisites.command("mmdebstrap", fix="sudo apt-get install -y mmdebstrap")
    prerequisites.command("lintian", fix="sudo apt-get install -y lintian")
    from mesonmatrix.machine.pythons import distro_version

    version = distro_version()
    assert version is not None
    major, minor = (int(x) for x in version.split("."))
    result = run_nox_cell(tmp_path / "home", "build-distro-system-openblas-deb",
                          env={"MESONMATRIX_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.output[-3000:]
    package, tests = result.record["package"], result.record["tests"]
    deb = Path(package["path"])
    control = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True,
                             check=True).stdout
    assert f"python3 (>= {version}~), python3 (<< {major}.{minor + 1}~)" in control
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert f"./usr/lib/python3/dist-packages/blasdemo/_linalg.cpython-{major}{minor}-" in listing
    assert package["apt_here"] == "apt resolves every Depends" and package["lintian"]["errors"] == []
    # Installed by apt in a clean chroot, tested there by the chroot's own python3.
    assert tests["where"].startswith("installed by apt in a clean ") and "chroot (mmdebstrap)" in tests["where"]
    assert f"python3 {version}." in tests["where"]
    assert tests["passed"] >= 9 and tests["failed"] == 0 and tests["errors"] == 0
    assert (result.record_path.parent / "junit-chroot.xml").is_file()
    assert not (result.record_path.parent / "chroot").exists()  # the chroot copy does not stay
    # The chroot is made once and kept in the cache for the next cell.
    assert list((tmp_path / "cache" / "chroots").glob("*.tar"))


def test_a_project_tested_by_a_command_keeps_its_own_counts_and_the_chroot_imports_it(tmp_path):
    """A project whose tests are a cibuildwheel command with a pinned requirement (pycairo's
    workflow: CIBW_TEST_REQUIRES pytest==8.3.5): the pin is no Debian package name, and the
    chroot's import is not counted as the tests (it once recorded '1 passed, smoke')."""
    import shutil

    from cells import ROOT

    prerequisites.root_with_apt()
    prerequisites.command("mmdebstrap", fix="sudo apt-get install -y mmdebstrap")
    project = tmp_path / "wf"
    shutil.copytree(ROOT / "demo", project)
    workflows = project / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "wheels.yml").write_text(
        "on: [push]\njobs:\n  wheels:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: pypa/cibuildwheel@v3\n"
        "        env:\n          CIBW_TEST_REQUIRES: \"pytest==9.2.0\"\n"
        "          CIBW_TEST_COMMAND: \"pytest --pyargs blasdemo\"\n")
    result = run_nox_cell(tmp_path / "home", "build-distro-system-openblas-deb", "--target", str(project),
                          target_name="blasdemo", env={"MESONMATRIX_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.output[-3000:]
    tests = result.record["tests"]
    assert tests["source"] == "cibuildwheel" and tests["passed"] == 10, tests
    assert "where `import blasdemo` ran; the project's test commands ran against the package unpacked" \
        in tests["where"]
    assert "pytest--" not in Path(result.record["log"]).read_text()
