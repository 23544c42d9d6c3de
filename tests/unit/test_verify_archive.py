"""verify on hostile archives: each trick is a named problem of that wheel, nothing of it is
read further or run, and every other wheel of a folder is still checked."""

import warnings
import zipfile
from pathlib import Path

from mesonmatrix.verify import VerifyOptions, verify_wheels, wheels_in
from mesonmatrix.verify import archive as archive_module
from mesonmatrix.verify.archive import archive_problems


def _wheel(path: Path, members: list[tuple[str | zipfile.ZipInfo, str]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we mean to write
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def _problems(wheel: Path) -> dict[str, str]:
    return {p.member: p.detail for p in archive_problems(wheel) if not p.warning}


def test_duplicate_names_are_refused_by_name(tmp_path):
    wheel = _wheel(tmp_path / "dup-1.0-py3-none-any.whl", [("dup/__init__.py", "a"), ("dup/__init__.py", "b")])
    assert "duplicate member name, 2 copies" in _problems(wheel)["dup/__init__.py"]


def test_paths_that_escape_and_links_are_named_with_the_reason(tmp_path):
    link = zipfile.ZipInfo("pkg/link")
    link.external_attr = 0o120777 << 16
    wheel = _wheel(tmp_path / "pkg-1.0-py3-none-any.whl",
                   [("../up.py", ""), ("/etc/x", ""), ("C:/x.py", ""), ("pkg\\win.py", ""), (link, "/etc/passwd"),
                    ("pkg/ok.py", "")])
    found = _problems(wheel)
    assert "'..'" in found["../up.py"] and "absolute" in found["/etc/x"] and "absolute" in found["C:/x.py"]
    assert "backslash" in found["pkg\\win.py"] and "symbolic link" in found["pkg/link"]
    assert "pkg/ok.py" not in found


def test_not_a_wheel_name_and_not_a_zip(tmp_path):
    (tmp_path / "notawheel.whl").write_text("x")
    (tmp_path / "junk-1.0-py3-none-any.whl").write_bytes(b"\x00" * 64)
    assert "file name" in _problems(tmp_path / "notawheel.whl")["notawheel.whl"]
    assert "zip" in _problems(tmp_path / "junk-1.0-py3-none-any.whl")["junk-1.0-py3-none-any.whl"]


def test_a_member_above_the_limit_is_not_read(tmp_path, monkeypatch):
    # Its size alone is no problem of the wheel (real wheels hold members above 1 GiB): what
    # verify then leaves unread makes the verdict incomplete (test_verify_hostile.py).
    monkeypatch.setattr(archive_module, "MAX_MEMBER_BYTES", 4)
    wheel = _wheel(tmp_path / "big-1.0-py3-none-any.whl", [("big/_x.so", "\x7fELF and more"), ("big/a.py", "")])
    assert archive_problems(wheel) == []
    with zipfile.ZipFile(wheel) as archive:
        assert not archive_module.readable(archive.getinfo("big/_x.so"))
        assert archive_module.readable(archive.getinfo("big/a.py"))


def test_a_folder_with_garbage_checks_every_wheel(tmp_path):
    (tmp_path / "notawheel.whl").write_text("x")
    (tmp_path / "junk-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    _wheel(tmp_path / "dup-1.0-py3-none-any.whl", [("dup/__init__.py", "a"), ("dup/__init__.py", "b")])
    said: list[str] = []
    wheels = sorted(tmp_path.glob("*.whl"))
    records = verify_wheels(wheels, VerifyOptions(out_root=tmp_path / "out", presets={}, say=said.append))
    assert [r.status for r in records] == ["failed"] * 3
    assert all(r.tests is None and "static checks failed" in (r.tests_skipped_because or "") for r in records
               if r.wheel.startswith("dup"))
    assert said[-1].startswith("0 of 3 wheels passed")


def test_a_fifo_a_folder_and_a_symlink_named_as_wheels(tmp_path):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "fifo-1.0-py3-none-any.whl")
    (folder / "dir-1.0-py3-none-any.whl").mkdir()
    store = tmp_path / "store"
    store.mkdir()
    _wheel(store / "sha-abc123", [("dup/__init__.py", "a"), ("dup/__init__.py", "b")])
    (folder / "dup-1.0-py3-none-any.whl").symlink_to(store / "sha-abc123")
    records = verify_wheels(wheels_in([folder]), VerifyOptions(out_root=tmp_path / "out", presets={},
                                                               say=lambda text: None))
    by_name = {r.wheel: r for r in records}
    assert set(by_name) == {"fifo-1.0-py3-none-any.whl", "dir-1.0-py3-none-any.whl", "dup-1.0-py3-none-any.whl"}
    assert "not a regular file" in by_name["fifo-1.0-py3-none-any.whl"].problems[0].detail
    assert "duplicate member name" in by_name["dup-1.0-py3-none-any.whl"].problems[0].detail
    assert len(list((tmp_path / "out").rglob("verify.json"))) == 3  # every one written
