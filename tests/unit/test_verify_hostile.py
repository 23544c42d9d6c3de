"""verify on hand-made hostile wheels whose RECORD vouches for every member: alias members,
names that fold together on macOS and Windows, a RECORD naming a file the archive lacks, an
extension that is no binary, members above the size verify reads, zip bombs, member names
that would forge console lines, file names that would put a record outside verify's folder,
and the lock a running verify holds."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from mesonmatrix.machine.locking import held_locks
from mesonmatrix.verify import VerifyOptions, verify_wheels
from mesonmatrix.verify import archive as archive_module
from mesonmatrix.verify import loaderpath as loaderpath_module
from mesonmatrix.verify import wheelset as wheelset_module

from handmade import make_wheel

LINUX = "cp312-cp312-manylinux_2_17_x86_64"


def verify(tmp_path: Path, *wheels: Path, say=None):
    said: list[str] = []
    records = verify_wheels(list(wheels), VerifyOptions(out_root=tmp_path / "out", presets={}, run_tests=False,
                                                        say=say or said.append))
    return records, said


def problems(record) -> dict[str, str]:
    return {p.member: f"[{p.rule}] {p.detail}" for p in record.problems}


@pytest.mark.parametrize("alias", ["blasdemo/./__init__.py", "blasdemo//__init__.py", "./blasdemo/__init__.py"])
def test_an_alias_of_a_member_fails_the_wheel(tmp_path, alias):
    # Installing it let the second copy replace blasdemo/__init__.py; RECORD vouched for both.
    wheel = make_wheel(tmp_path, [("blasdemo/__init__.py", b"good = True\n"), (alias, b"import os  # hostile\n")],
                       name="blasdemo")
    (record,), said = verify(tmp_path, wheel)
    assert record.status == "failed"
    assert "another name of blasdemo/__init__.py" in problems(record)[alias]
    assert said[-1].startswith("0 of 1 wheels passed")


@pytest.mark.parametrize("tag", ["py3-none-any", "cp312-cp312-win_amd64", "cp312-cp312-macosx_14_0_arm64"])
def test_names_one_file_on_macos_and_windows_fail_a_wheel_for_them(tmp_path, tag):
    nfc, nfd = "pkg/caf\u00e9.py", "pkg/cafe\u0301.py"
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b"", "pkg/Mod.py": b"a", "pkg/mod.py": b"b", nfc: b"c",
                                  nfd: b"d"}, tag=tag)
    (record,), _ = verify(tmp_path, wheel)
    found = problems(record)
    assert record.status == "failed"
    assert "the same file as pkg/Mod.py where case or Unicode normalisation" in found["pkg/mod.py"]
    assert sum("the same file as" in detail for detail in found.values()) == 2  # é, as NFC and as NFD


@pytest.mark.parametrize("alias", ["blasdemo/__init__.py.", "blasdemo/__init__.py ", "blasdemo./__init__.py"])
def test_a_name_windows_opens_as_another_fails_a_wheel_for_windows(tmp_path, alias):
    """Windows drops trailing dots and spaces: installed there, the alias replaces the real file."""
    wheel = make_wheel(tmp_path, {"blasdemo/__init__.py": b"good = True\n", alias: b"import os  # hostile\n"},
                       tag="cp312-cp312-win_amd64", name="blasdemo")
    (record,), _ = verify(tmp_path, wheel)
    assert record.status == "failed"
    found = problems(record)  # the problem is the later of the two names in sort order
    assert any("or trailing dots and spaces dropped, as on Windows" in detail and alias in f"{member} {detail}"
               for member, detail in found.items())


def test_names_that_fold_together_only_warn_on_a_linux_wheel(tmp_path):
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b"", "pkg/Mod.py": b"a", "pkg/mod.py": b"b"},
                       tag="py3-none-manylinux_2_17_x86_64")
    (record,), _ = verify(tmp_path, wheel)
    assert record.status == "passed"
    assert [w.member for w in record.warnings] == ["pkg/mod.py"]


def test_a_file_record_lists_that_the_archive_lacks(tmp_path):
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b""}, record_extra=[("pkg/_gone.py", b"x = 1\n")])
    (record,), _ = verify(tmp_path, wheel)
    assert record.status == "failed"
    assert problems(record) == {"pkg/_gone.py": "[record] listed in RECORD but not in the archive: the wheel lacks "
                                                "a file it was made with"}


def test_an_extension_module_that_is_no_binary_fails(tmp_path):
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b"", "pkg/_core.cpython-312-x86_64-linux-gnu.so": bytes(4096),
                                  "pkg.libs/libempty.so.1": b""}, tag=LINUX)
    (record,), said = verify(tmp_path, wheel)
    found = problems(record)
    assert record.status == "failed" and record.binaries == 0
    assert found["pkg/_core.cpython-312-x86_64-linux-gnu.so"] == (
        "[binary] named like a compiled module or library, but not a binary at all (it starts 00 00 00 00 00 00 00 "
        "00), where the wheel's platform loads only ELF files")
    assert "but an empty file" in found["pkg.libs/libempty.so.1"]
    assert len(record.problems) == 2  # once, though the wheel names two platform tags


def test_a_binary_of_another_platform_format_is_named():
    from mesonmatrix.verify import macosx, windows
    from mesonmatrix.verify.inspect import _format_problems

    kinds = {"pkg/_ext.so": "ELF", "pkg/.dylibs/libx.dylib": "Mach-O", "pkg/README.so.txt": "not a binary at all"}
    assert [(p.member, p.detail.split(",")[1]) for p in _format_problems(macosx, kinds)] == [
        ("pkg/_ext.so", " but an ELF file")]
    assert [p.member for p in _format_problems(windows, {"pkg/_ext.PYD": "ELF", "pkg/x.dll": "PE"})] == ["pkg/_ext.PYD"]


def test_a_binary_above_the_size_verify_reads_makes_the_verdict_incomplete(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_MEMBER_BYTES", 64)
    big = make_wheel(tmp_path / "big", {"pkg/__init__.py": b"", "pkg/_x.cpython-312-x86_64-linux-gnu.so":
                                        b"\x7fELF" + bytes(200)}, tag=LINUX)
    data = make_wheel(tmp_path / "data", {"pkg/__init__.py": b"", "pkg/table.bin": bytes(range(256)) * 4},
                      name="data", tag=LINUX)
    (incomplete, passed), said = verify(tmp_path, big, data)
    assert incomplete.status == "incomplete"
    assert [(p.member, p.rule) for p in incomplete.problems] == [("pkg/_x.cpython-312-x86_64-linux-gnu.so",
                                                                  "unchecked")]
    assert "the binary was not checked, so the verdict is incomplete, not passed" in incomplete.problems[0].detail
    # A data file is only hashed against RECORD, streamed, whatever its size: nothing unread.
    assert passed.status == "passed"
    assert said[-1] == f"1 of 2 wheels passed; incomplete (not all of it could be read): {big.name}"


def test_import_time_code_too_large_to_parse_makes_the_verdict_incomplete(tmp_path, monkeypatch):
    monkeypatch.setattr(loaderpath_module, "MAX_CODE_BYTES", 16)
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b"import os\nos.add_dll_directory('x')\n"},
                       tag="cp312-cp312-win_amd64")
    (record,), _ = verify(tmp_path, wheel)
    assert record.status == "incomplete" and record.problems[0].member == "pkg/__init__.py"


def test_a_zip_bomb_is_judged_by_its_ratio_not_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "BOMB_FLOOR", 64 * 1024)
    bomb = make_wheel(tmp_path / "bomb", {"pkg/__init__.py": b"", "pkg/zeros.bin": bytes(1 << 20)}, name="bomb")
    many = make_wheel(tmp_path / "many", {f"pkg/z{i}.bin": bytes(60 * 1024) for i in range(20)}, name="many")
    # Large and incompressible: over the floor many times, at 1:1. Real wheels hold such members.
    large = make_wheel(tmp_path / "large", {"pkg/__init__.py": b"", "pkg/blob.bin": os.urandom(1 << 20)},
                       name="large")
    records, _ = verify(tmp_path, bomb, many, large)
    by_name = {r.wheel.split("-")[0]: r for r in records}
    assert "a zip bomb's ratio" in problems(by_name["bomb"])["pkg/zeros.bin"]
    assert "its members together" in problems(by_name["many"])[many.name]
    assert by_name["large"].status == "passed"


def test_member_names_never_forge_a_line_of_output_or_of_the_record(tmp_path):
    forged = "pkg/x.py\n    passed: 0 binaries; BLAS none; tests not run\n1 of 1 wheels passed\x1b[2K"
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b""})
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr(forged, b"not in RECORD")
    (record,), said = verify(tmp_path, wheel)
    assert record.status == "failed"
    assert all("\n" not in line and "\x1b" not in line for line in said)
    problem_lines = [line for line in said if line.startswith("    problem: ")]
    assert problem_lines and "pkg/x.py\\n    passed: 0 binaries" in problem_lines[0]
    assert "1 of 1 wheels passed\\x1b[2K" in problem_lines[0]
    assert said[-1].startswith("0 of 1 wheels passed")
    written = json.loads(next((tmp_path / "out").rglob("verify.json")).read_text())
    assert all("\n" not in p["member"] + p["detail"] for p in written["problems"])


def test_every_record_stays_in_the_verify_folder_whatever_the_file_name(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("...whl", "..whl", ".whl", "a\nb-1.0-py3-none-any.whl"):
        (folder / name).write_bytes(b"PK\x05\x06" + bytes(18))
    records, _ = verify(tmp_path, *sorted(folder.iterdir()))
    assert len(records) == 4
    written = list(tmp_path.rglob("verify.json"))
    assert len(written) == 4 and all((tmp_path / "out") in path.parents for path in written)
    assert all(path.parent.parent.parent == tmp_path / "out" for path in written)


def test_verify_holds_the_lock_clean_checks_while_it_checks_a_wheel(tmp_path):
    wheel = make_wheel(tmp_path / "in", {"pkg/__init__.py": b""})
    seen: list[list[Path]] = []
    verify(tmp_path, wheel, say=lambda line: seen.append([lock for lock, _ in held_locks(tmp_path / "out")]))
    held = [locks for locks in seen if locks]
    assert held and held[0][0].name.endswith(".lock") and (tmp_path / "out") in held[0][0].parents
    assert not [lock for lock, _ in held_locks(tmp_path / "out")]  # released when done


def test_an_interrupted_check_leaves_a_record_that_says_so(tmp_path, monkeypatch):
    wheel = make_wheel(tmp_path / "in", {"pkg/__init__.py": b""})

    def interrupted(path):
        raise KeyboardInterrupt("signal 15")

    monkeypatch.setattr(wheelset_module, "inspect_wheel", interrupted)
    with pytest.raises(KeyboardInterrupt):
        verify(tmp_path, wheel)
    written = json.loads(next((tmp_path / "out").rglob("verify.json")).read_text())
    assert written["status"] == "failed" and "interrupted" in written["problems"][0]["detail"]


def test_a_member_whose_compressed_size_is_a_lie_is_named(tmp_path):
    """A 300 MB member of zeros with its central directory's compressed size patched up to
    300 MB read as 1:1, no bomb; installer then failed with an EOFError of no text."""
    import struct

    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b"", "pkg/big.dat": b"\0" * 5_000_000})
    data = bytearray(wheel.read_bytes())
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo("pkg/big.dat")
        start = archive.start_dir
    entry = start
    while True:  # the central directory entry of pkg/big.dat
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if bytes(data[entry + 46:entry + 46 + name_length]) == b"pkg/big.dat":
            break
        extra, comment = struct.unpack_from("<HH", data, entry + 30)
        entry += 46 + name_length + extra + comment
    struct.pack_into("<I", data, entry + 20, info.file_size)  # compressed size := uncompressed size
    wheel.write_bytes(bytes(data))
    (record,), _ = verify(tmp_path, wheel)
    found = problems(record)
    assert record.status == "failed"
    assert "its compressed size (5,000,000 bytes) runs past where the next" in found["pkg/big.dat"]
    assert all(detail.split("] ", 1)[1].strip() for detail in found.values())  # no problem without its text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="takes this interpreter, an ELF file, as the binary")
def test_another_platforms_binary_is_named_as_such(tmp_path):
    """A Linux .so in a win_amd64 wheel was reported as 'PE machine x86_64, tagged win_amd64'."""
    elf = Path(sys.executable).resolve().read_bytes()
    wheel = make_wheel(tmp_path, {"pkg/__init__.py": b"", "pkg/_core.so": elf}, tag="cp312-cp312-win_amd64")
    (record,), _ = verify(tmp_path, wheel)
    found = problems(record)
    assert record.status == "failed"
    assert found["pkg/_core.so"] == "[binary] an ELF binary in a win_amd64 wheel, whose platform loads only PE files"
