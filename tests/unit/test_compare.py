import zipfile

from mesonmatrix.compare.wheels import compare_wheels


def wheel(path, members, stamp=(2024, 1, 1, 0, 0, 0)):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
    return path


def test_identical_wheels(tmp_path):
    a = wheel(tmp_path / "a.whl", {"p/__init__.py": "x = 1\n"})
    b = wheel(tmp_path / "b.whl", {"p/__init__.py": "x = 1\n"})
    result = compare_wheels(a, b)
    assert result.identical and result.describe().startswith("identical")


def test_names_the_members_that_differ_and_how(tmp_path):
    a = wheel(tmp_path / "a.whl", {"p/__init__.py": "x = 1\n", "p/_ext.so": b"\x7fELF\xff\x01\x02", "p/only_a.py": ""})
    b = wheel(tmp_path / "b.whl", {"p/__init__.py": "x = 2\n", "p/_ext.so": b"\x7fELF\xff\x01\x03"})
    result = compare_wheels(a, b, run_diffoscope=False)
    assert not result.identical
    by_name = {m.name: m for m in result.members}
    assert set(by_name) == {"p/__init__.py", "p/_ext.so", "p/only_a.py"}
    assert "-x = 1" in by_name["p/__init__.py"].detail and "+x = 2" in by_name["p/__init__.py"].detail
    assert "first difference at byte 0x6" in by_name["p/_ext.so"].detail
    assert by_name["p/only_a.py"].size_b is None


def test_timestamps_alone_are_reported(tmp_path):
    a = wheel(tmp_path / "a.whl", {"p/__init__.py": "x"}, stamp=(2024, 1, 1, 0, 0, 0))
    b = wheel(tmp_path / "b.whl", {"p/__init__.py": "x"}, stamp=(2025, 1, 1, 0, 0, 0))
    result = compare_wheels(a, b, run_diffoscope=False)
    assert not result.identical and not result.members
    assert any("timestamp" in note for note in result.archive_notes)
