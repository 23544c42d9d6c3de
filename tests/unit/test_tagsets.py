"""Cutting tag-set wheels from a full wheel: the layouts the demo does not have.

The demo, NumPy and SciPy cases are checked end to end against meson-python's own
``--tags`` wheels (tests/integration/test_cells.py); these cover install_subdir exclusions, a subset
that becomes pure Python, and a member the install plan does not know.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from mesonmatrix.errors import TagSetError
from mesonmatrix.wheels.tagsets import member_tags, subset_wheel

WHEEL = "Wheel-Version: 1.0\nGenerator: meson\nRoot-Is-Purelib: false\nTag: cp312-cp312-linux_x86_64\n"


def make_full_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
        archive.writestr("pkg-1.0.dist-info/WHEEL", WHEEL)
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("pkg-1.0.dist-info/RECORD", "")
    return path


def write_plan(build_dir: Path, plan: dict) -> Path:
    (build_dir / "meson-info").mkdir(parents=True)
    (build_dir / "meson-info" / "intro-install_plan.json").write_text(json.dumps(plan))
    return build_dir


def test_install_subdir_exclusions_and_nested_tests_get_their_own_tags(tmp_path):
    source = tmp_path / "src" / "pkg" / "typing"
    (source / "tests").mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "skip.txt").write_text("")
    (source / "tests" / "test_t.py").write_text("")
    build_dir = write_plan(tmp_path / "build", {
        "targets": {"ext.so": {"destination": "{py_platlib}/pkg/_ext.so", "tag": "runtime"}},
        "install_subdirs": {
            str(source): {"destination": "{py_platlib}/pkg/typing", "tag": "python-runtime",
                          "exclude_dirs": ["tests"], "exclude_files": ["skip.txt"]},
            str(source / "tests"): {"destination": "{py_platlib}/pkg/typing/tests", "tag": "tests",
                                    "exclude_dirs": [], "exclude_files": []},
        },
    })
    full = make_full_wheel(tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl", {
        "pkg/_ext.so": b"\x7fELF", "pkg/typing/__init__.py": b"", "pkg/typing/tests/test_t.py": b"",
    })
    assert member_tags(full, build_dir) == {
        "pkg/_ext.so": "runtime", "pkg/typing/__init__.py": "python-runtime", "pkg/typing/tests/test_t.py": "tests",
    }


def test_a_pure_python_subset_becomes_a_pure_wheel(tmp_path):
    build_dir = write_plan(tmp_path / "build", {
        "targets": {"ext.so": {"destination": "{py_platlib}/pkg/_ext.so", "tag": "runtime"}},
        "python": {"t.py": {"destination": "{py_purelib}/pkg_tests/test_a.py", "tag": "tests"}},
    })
    full = make_full_wheel(tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl", {
        "pkg/_ext.so": b"\x7fELF", "pkg-1.0.data/purelib/pkg_tests/test_a.py": b"def test(): pass\n",
    })
    tests = subset_wheel(full, member_tags(full, build_dir), ["tests"], tmp_path / "out")
    assert tests.name == "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(tests) as archive:
        names = archive.namelist()
        assert "pkg_tests/test_a.py" in names and "pkg/_ext.so" not in names
        assert "Root-Is-Purelib: true" in archive.read("pkg-1.0.dist-info/WHEEL").decode()
        assert "Tag: py3-none-any" in archive.read("pkg-1.0.dist-info/WHEEL").decode()
        rows = list(csv.reader(io.StringIO(archive.read("pkg-1.0.dist-info/RECORD").decode())))
        for name, digest, size in rows[:-1]:
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, int(size)) == (f"sha256={expected}", len(data))
        assert sorted(r[0] for r in rows) == sorted(names)
    runtime = subset_wheel(full, member_tags(full, build_dir), ["runtime", "python-runtime"], tmp_path / "rt")
    assert runtime.name == "pkg-1.0-cp312-cp312-linux_x86_64.whl"


def test_a_member_outside_the_install_plan_is_an_error_not_a_guess(tmp_path):
    build_dir = write_plan(tmp_path / "build", {
        "targets": {"ext.so": {"destination": "{py_platlib}/pkg/_ext.so", "tag": "runtime"}},
    })
    full = make_full_wheel(tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl", {
        "pkg/_ext.so": b"\x7fELF", "pkg/stray.py": b"",
    })
    with pytest.raises(TagSetError, match="pkg/stray.py is not in meson's install plan"):
        member_tags(full, build_dir)


def test_a_missing_install_plan_names_the_file(tmp_path):
    full = make_full_wheel(tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl", {"pkg/_ext.so": b""})
    with pytest.raises(TagSetError, match="intro-install_plan.json"):
        member_tags(full, tmp_path / "nowhere")


def test_install_locations_meson_python_leaves_out_of_the_wheel_are_passed_over(tmp_path):
    # pyshtools 4.14.1 installs a static library (tag devel) that its own
    # `[tool.meson-python.args] install = ['--tags=…']` keeps out of the wheel.
    build_dir = write_plan(tmp_path / "build", {
        "targets": {"ext.so": {"destination": "{py_platlib}/pkg/_ext.so", "tag": "runtime"},
                    "libSHTOOLS.a": {"destination": "{libdir_static}/libSHTOOLS.a", "tag": "devel"}},
    })
    full = make_full_wheel(tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl", {"pkg/_ext.so": b"\x7fELF"})
    assert member_tags(full, build_dir) == {"pkg/_ext.so": "runtime"}


def test_unchanged_members_are_copied_as_stored_and_changed_ones_compressed_again(tmp_path):
    """A member the cut or the rename does not change keeps the source's compressed bytes
    (here deflated at level 1, which this machine's default level would not give again);
    a changed one (the renamed METADATA, a WHEEL with a new tag) is compressed afresh. The
    wheels read back whole, with a RECORD that matches every member."""
    from mesonmatrix.wheels.rename import rename_wheel
    from mesonmatrix.wheels.rewrite import StoredBytes

    payload = "".join(f"line {i}: {hashlib.sha256(str(i).encode()).hexdigest()}\n" for i in range(20000)).encode()
    full = tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl"
    with zipfile.ZipFile(full, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n" * 50)
        archive.writestr("pkg-1.0.dist-info/WHEEL", WHEEL)
        archive.writestr("pkg/_ext.so", b"\x7fELF" + payload)
        archive.writestr("pkg/tests/test_a.py", payload)
        archive.writestr("pkg-1.0.dist-info/RECORD", "")
    tags = {"pkg/_ext.so": "runtime", "pkg/tests/test_a.py": "tests"}
    cut = subset_wheel(full, tags, ["tests"], tmp_path / "cut")  # pure Python: WHEEL changes
    renamed = rename_wheel(cut, "pkg-tests", tmp_path / "renamed")
    with zipfile.ZipFile(full) as src, StoredBytes(full) as stored:
        source = {i.filename: stored.read(i) for i in src.infolist()}
    for wheel, unchanged, changed in ((cut, "pkg/tests/test_a.py", "pkg-1.0.dist-info/WHEEL"),
                                      (renamed, "pkg/tests/test_a.py", "pkg_tests-1.0.dist-info/METADATA")):
        with zipfile.ZipFile(wheel) as out, StoredBytes(wheel) as stored:
            assert out.testzip() is None
            assert stored.read(out.getinfo(unchanged)) == source["pkg/tests/test_a.py"]
            assert out.read(unchanged) == payload
            assert stored.read(out.getinfo(changed)) == zlib_deflated(out.read(changed))
            record = next(n for n in out.namelist() if n.endswith("/RECORD"))
            for name, digest, size in csv.reader(io.StringIO(out.read(record).decode())):
                if digest:
                    data = out.read(name)
                    assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
                        b"=").decode() and int(size) == len(data)


def zlib_deflated(data: bytes) -> bytes:
    """What zipfile's writer stores for ``data`` at its default level (raw deflate)."""
    import zlib

    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()
