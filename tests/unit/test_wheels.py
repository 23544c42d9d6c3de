"""Partition check and wheel renaming on real zip files."""

import base64
import hashlib
import zipfile

from mesonmatrix.wheels.members import grafted_libraries, payload_files
from mesonmatrix.wheels.rename import rename_wheel
from mesonmatrix.wheels.split import check_partition


def make_wheel(path, files, name="pkg", version="1.0"):
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        for member in files:
            archive.writestr(member, f"content of {member}")
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nLong text.\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


FULL = ["pkg/__init__.py", "pkg/_ext.so", "pkg/tests/__init__.py", "pkg/tests/test_a.py", "pkg/tests/data/x.txt"]
RUNTIME = ["pkg/__init__.py", "pkg/_ext.so"]
TESTS = ["pkg/tests/__init__.py", "pkg/tests/test_a.py", "pkg/tests/data/x.txt"]


def test_exact_partition_holds(tmp_path):
    full = make_wheel(tmp_path / "full.whl", FULL + ["pkg.libs/libblas-1234.so"])
    p = check_partition(full, make_wheel(tmp_path / "r.whl", RUNTIME), make_wheel(tmp_path / "t.whl", TESTS))
    assert p.ok and p.tests_files == 3


def test_lost_duplicated_and_extra_are_named(tmp_path):
    full = make_wheel(tmp_path / "full.whl", FULL)
    runtime = make_wheel(tmp_path / "r.whl", RUNTIME + ["pkg/tests/__init__.py", "pkg/stray.py"])
    tests = make_wheel(tmp_path / "t.whl", ["pkg/tests/__init__.py", "pkg/tests/test_a.py"])
    p = check_partition(full, runtime, tests)
    assert not p.ok
    assert p.lost == ("pkg/tests/data/x.txt",)
    assert p.duplicated == ("pkg/tests/__init__.py",)
    assert p.extra == ("pkg/stray.py",)
    assert "lost: pkg/tests/data/x.txt" in p.describe()


def test_empty_tests_wheel_fails(tmp_path):
    full = make_wheel(tmp_path / "full.whl", RUNTIME)
    p = check_partition(full, make_wheel(tmp_path / "r.whl", RUNTIME), make_wheel(tmp_path / "t.whl", []))
    assert not p.ok and "empty" in p.describe()


def test_rename_wheel_keeps_payload_and_writes_valid_record(tmp_path):
    src = make_wheel(tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl", TESTS)
    out = rename_wheel(src, "pkg-tests", tmp_path / "out", requires=("pkg==1.0",))
    assert out.name == "pkg_tests-1.0-cp312-cp312-linux_x86_64.whl"
    assert payload_files(out) == payload_files(src)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "pkg_tests-1.0.dist-info/METADATA" in names
        assert not any(n.startswith("pkg-1.0.dist-info/") for n in names)
        metadata = archive.read("pkg_tests-1.0.dist-info/METADATA").decode()
        assert "Name: pkg-tests\n" in metadata and "Requires-Dist: pkg==1.0\n" in metadata
        assert metadata.endswith("Long text.\n")
        for line in archive.read("pkg_tests-1.0.dist-info/RECORD").decode().splitlines():
            member, digest, size = line.split(",")
            if member.endswith("RECORD"):
                continue
            data = archive.read(member)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data)


def test_grafted_libraries(tmp_path):
    wheel = make_wheel(
        tmp_path / "w.whl", RUNTIME + ["pkg.libs/libscipy_openblas-ab12.so", "pkg.libs/libgfortran-1.so.5"]
    )
    assert grafted_libraries(wheel) == ["libgfortran-1.so.5", "libscipy_openblas-ab12.so"]


def test_runtime_check_flags_test_modules_not_a_package_level_conftest(tmp_path):
    """NumPy tags numpy/conftest.py python-runtime; its runtime wheel is still test-free."""
    from mesonmatrix.wheels.members import stray_test_files

    wheel = tmp_path / "numpy-2.4.6-cp312-cp312-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in (
            "numpy/conftest.py",
            "numpy/testing/_private/utils.py",
            "numpy/_core/tests/test_x.py",
            "numpy/tests/conftest.py",
        ):
            archive.writestr(name, "")
    assert stray_test_files(wheel) == ["numpy/_core/tests/test_x.py", "numpy/tests/conftest.py"]


def test_a_staging_root_has_a_distributions_modes_whatever_the_umask(tmp_path):
    import os
    import stat
    import zipfile

    from mesonmatrix.repackage.staging import DEBIAN, stage_wheel

    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        archive.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
        archive.writestr("pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\n"
                                                   "Tag: py3-none-any\n")
        archive.writestr("pkg-1.0.dist-info/RECORD", "")
    old = os.umask(0o077)
    try:
        files = stage_wheel(wheel, tmp_path / "root", DEBIAN, epoch=1_700_000_000)
    finally:
        os.umask(old)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o644 for f in files)
    assert all(stat.S_IMODE(d.stat().st_mode) == 0o755 for d in (tmp_path / "root").rglob("*") if d.is_dir())
