"""A cached sdist that does not match its pin is refused before any build starts."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from mesonmatrix.errors import SdistError, TargetError
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.targets.sdists import fetch_sdist, unpack_sdist

from cells import ROOT

WRONG = "0" * 64


def test_a_cached_sdist_that_does_not_match_its_pin_is_refused(tmp_path):
    cached = tmp_path / "sdists" / f"pkg-1.0-{WRONG[:12]}"
    cached.mkdir(parents=True)
    (cached / "pkg-1.0.tar.gz").write_bytes(b"not what was pinned")
    with pytest.raises(SdistError, match="does not match sha256"):
        fetch_sdist("pkg", "1.0", WRONG, tmp_path, CommandRunner(log=tmp_path / "log", echo_output=False))


def make_sdist(path, members):
    """A .tar.gz whose members are TarInfo objects with optional data."""
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def regular(name, data=b"x"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def device(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    return info, None


@pytest.mark.parametrize("members", [
    [regular("pkg-1.0/pyproject.toml"), regular("pkg-1.0/../../escaped")],
    [regular("pkg-1.0/pyproject.toml"), link("pkg-1.0/passwd", "/etc/passwd")],
    [regular("pkg-1.0/pyproject.toml"), link("pkg-1.0/up", "../../../outside")],
    [regular("pkg-1.0/pyproject.toml"), link("pkg-1.0/hard", "/etc/passwd", tarfile.LNKTYPE)],
    [regular("pkg-1.0/pyproject.toml"), device("pkg-1.0/tty")],
], ids=["dotdot", "absolute-symlink", "escaping-symlink", "hardlink-outside", "device"])
def test_a_malformed_sdist_is_refused_in_one_line_and_leaves_nothing(tmp_path, members):
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", members)
    with pytest.raises(TargetError, match=r"^pkg-1.0.tar.gz is not a safe, readable sdist: ") as caught:
        unpack_sdist(sdist, tmp_path / "cache")
    assert "\n" not in str(caught.value)
    sources = tmp_path / "cache" / "sources"
    assert not [p for p in sources.iterdir() if not p.name.endswith(".lock")]
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "outside").exists()


def test_an_absolute_member_name_stays_inside_the_cache(tmp_path):
    """tarfile's data filter strips a leading / (it does not refuse it): the file lands inside."""
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [regular("/pkg-1.0/pyproject.toml")])
    root = unpack_sdist(sdist, tmp_path / "cache")
    assert (root / "pyproject.toml").is_file() and root.is_relative_to(tmp_path / "cache")


@pytest.mark.parametrize("content", [b"not a tarball at all", gzip.compress(b"\0" * 10)[:-6]], ids=["garbage", "cut"])
def test_garbage_is_refused_in_one_line(tmp_path, content):
    sdist = tmp_path / "pkg-1.0.tar.gz"
    sdist.write_bytes(content)
    with pytest.raises(TargetError, match=r"pkg-1.0.tar.gz (is not a safe, readable sdist|cannot be read)"):
        unpack_sdist(sdist, tmp_path / "cache")


UNPACK = """
import sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from mesonmatrix.targets.sdists import unpack_sdist
print(unpack_sdist(Path(sys.argv[1]), Path(sys.argv[2])))
"""


def test_two_processes_unpacking_one_sdist_both_get_the_whole_tree(tmp_path):
    """The adversarial case: 3,000 files, two unpackers at once (one used to crash with
    'Directory not empty' while the other passed from a partial tree)."""
    files = [regular("pkg-1.0/pyproject.toml")] + [regular(f"pkg-1.0/junk/f{i}", b"y" * 512) for i in range(3000)]
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", files)
    cache = tmp_path / "cache"
    argv = [sys.executable, "-c", UNPACK, str(sdist), str(cache), str(ROOT / "src")]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    roots = {out.strip().splitlines()[-1] for out, _ in outs}
    assert len(roots) == 1
    assert len(list((Path(roots.pop()) / "junk").iterdir())) == 3000
    assert not list((cache / "sources").glob("*.tmp*"))


def test_a_python_without_tarfile_filters_refuses_to_unpack(tmp_path, monkeypatch):
    """Python before 3.10.12 / 3.11.4 has no extraction filters: refuse rather than unpack unsafely."""
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [regular("pkg-1.0/pyproject.toml")])
    monkeypatch.delattr(tarfile, "data_filter")
    with pytest.raises(TargetError, match=r"has no extraction filters, so pkg-1.0.tar.gz cannot be unpacked safely"):
        unpack_sdist(sdist, tmp_path / "cache")
    assert not (tmp_path / "cache" / "sources").exists() or not [
        p for p in (tmp_path / "cache" / "sources").iterdir() if not p.name.endswith(".lock")]


def sources_left(cache):
    """What a refused sdist left in the cache's sources folder (its lock file aside)."""
    sources = cache / "sources"
    return [p.name for p in sources.iterdir() if not p.name.endswith(".lock")] if sources.is_dir() else []


def path_max_chain(tmp_path, sdist_name, *, short_names):
    """CVE-2025-4517 (python/cpython#135034; the proof of concept published with it): 16
    directories with names long enough that the 16 links to them expand to nearly PATH_MAX
    at the extraction folder, then a link past PATH_MAX pointing back up, which
    ``os.path.realpath`` no longer resolves, so the data filter sees ``escape`` inside while
    the kernel follows it to ``tmp_path``. With ``short_names`` each directory is made
    through the links before it, so no member name is long either.

    The folder it is unpacked in is ``cache/sources/<16 hex>.tmp-<pid>`` (sdists.py); the
    name length is chosen from it as CPython's own test of the fix does."""
    dest = tmp_path / "cache" / "sources" / f"{'0' * 16}.tmp-{os.getpid()}"
    steps = "abcdefghijklmnop"
    component = "d" * ((os.pathconf(tmp_path, "PC_PATH_MAX") - len(str(dest)) - 1) // (len(steps) + 1))
    members, real, via_links = [], "", ""
    for step in steps:
        members.append(directory(os.path.join(via_links if short_names else real, component)))
        members.append(link(os.path.join(via_links, step), component))
        real, via_links = os.path.join(real, component), os.path.join(via_links, step)
    overflow = os.path.join(via_links, "l" * 254)
    members.append(link(overflow, "../" * len(steps)))  # back to the extraction folder
    members.append(link("escape", overflow + "/../../.."))  # ../.. of it: sources, cache, tmp_path
    members.append(regular("escape/pwned", b"written outside\n"))
    members.append(link("flaglink", "escape/precious", tarfile.LNKTYPE))
    members.append(regular("flaglink", b"overwritten\n"))
    members.append(regular("pkg-1.0/pyproject.toml"))
    return make_sdist(tmp_path / sdist_name, members)


def directory(name):
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, 0o755
    return info, None


@pytest.mark.parametrize("short_names", [False, True], ids=["as-published", "short-member-names"])
def test_the_path_max_link_chain_of_cve_2025_4517_is_refused_and_nothing_is_written_outside(tmp_path, short_names):
    """On 3.12.1 (and 3.10.13, 3.11.7, 3.13.0) tarfile's data filter let this write
    ``tmp_path/pwned`` and overwrite ``tmp_path/precious``; the cell then failed on "does
    not unpack to a single top-level directory" with the tree left in cache/sources."""
    precious = tmp_path / "precious"
    precious.write_text("mine\n")
    sdist = path_max_chain(tmp_path, "pkg-1.0.tar.gz", short_names=short_names)
    with pytest.raises(TargetError, match=r"^pkg-1.0.tar.gz is not a safe, readable sdist: ") as caught:
        unpack_sdist(sdist, tmp_path / "cache")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "pwned").exists() and precious.read_text() == "mine\n"
    assert sources_left(tmp_path / "cache") == []


def test_an_over_long_member_name_is_refused(tmp_path):
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [regular("pkg-1.0/pyproject.toml"),
                                                    regular("pkg-1.0/" + "/".join(["x" * 200] * 6))])
    with pytest.raises(TargetError, match=r"is not a safe, readable sdist: pkg-1.0/x+…: a name of 1213 bytes, "
                                          r"longer than 1024$"):
        unpack_sdist(sdist, tmp_path / "cache")
    assert sources_left(tmp_path / "cache") == []


def test_a_link_to_a_link_that_leaves_is_refused(tmp_path):
    """Each link is checked where the kernel lands, after the links extracted before it."""
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [
        regular("pkg-1.0/pyproject.toml"), directory("pkg-1.0/d"), link("pkg-1.0/d/up", ".."),
        link("pkg-1.0/d/up2", "up/.."), link("pkg-1.0/out", "d/up2/.."), regular("pkg-1.0/out/x")])
    with pytest.raises(TargetError, match="is not a safe, readable sdist"):
        unpack_sdist(sdist, tmp_path / "cache")
    assert not (tmp_path / "cache" / "x").exists() and sources_left(tmp_path / "cache") == []


def test_links_that_stay_inside_are_kept(tmp_path):
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [
        regular("pkg-1.0/pyproject.toml"), regular("pkg-1.0/include/a.h", b"int a;"),
        link("pkg-1.0/src/a.h", "../include/a.h"), link("pkg-1.0/hard.h", "pkg-1.0/include/a.h", tarfile.LNKTYPE)])
    root = unpack_sdist(sdist, tmp_path / "cache")
    assert (root / "src" / "a.h").read_text() == "int a;" and (root / "hard.h").read_text() == "int a;"


def test_an_sdist_that_unpacks_past_the_bound_is_refused_naming_it(tmp_path, monkeypatch):
    """A 2 MB sdist unpacked to 2.1 GB without a word: now the bound stops it, and the
    message says what it is and how to raise it."""
    zeros = b"\0" * (3 << 20)
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [regular("pkg-1.0/pyproject.toml"), regular("pkg-1.0/big", zeros)])
    assert sdist.stat().st_size < 100_000
    monkeypatch.setenv("MESONMATRIX_MAX_UNPACKED", "2M")
    with pytest.raises(TargetError, match=r"^pkg-1.0.tar.gz unpacks to more than 2 MiB \(each member counted as "
                                          r"at least 4 KiB; pkg-1.0/big passes it\): "
                                          r"refused, .* set MESONMATRIX_MAX_UNPACKED higher \(e.g. "
                                          r"MESONMATRIX_MAX_UNPACKED=4G\) if it is meant to$"):
        unpack_sdist(sdist, tmp_path / "cache")
    assert sources_left(tmp_path / "cache") == []
    monkeypatch.setenv("MESONMATRIX_MAX_UNPACKED", "4M")
    assert (unpack_sdist(sdist, tmp_path / "cache") / "big").stat().st_size == 3 << 20


def test_the_default_bound_is_a_gibibyte_and_is_checked_before_a_byte_is_written(tmp_path):
    """A member whose header claims 1.5 GiB is refused from its header: its data is never
    read (this tarball holds none of it)."""
    info = tarfile.TarInfo("pkg-1.0/huge")
    info.size = 3 << 29
    head, _ = regular("pkg-1.0/pyproject.toml")
    sdist = tmp_path / "pkg-1.0.tar"
    sdist.write_bytes(head.tobuf() + b"x".ljust(512, b"\0") + info.tobuf() + b"\0" * 4096)
    with pytest.raises(TargetError, match=r"unpacks to more than 1 GiB \(each member counted as at least 4 KiB; "
                                          r"pkg-1.0/huge passes it\)"):
        unpack_sdist(sdist, tmp_path / "cache")
    assert sources_left(tmp_path / "cache") == []


def test_a_bound_that_is_not_a_size_is_named(tmp_path, monkeypatch):
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", [regular("pkg-1.0/pyproject.toml")])
    monkeypatch.setenv("MESONMATRIX_MAX_UNPACKED", "lots")
    with pytest.raises(TargetError, match=r"MESONMATRIX_MAX_UNPACKED='lots' is not a size: write bytes, or a number"):
        unpack_sdist(sdist, tmp_path / "cache")


def test_an_sdist_of_many_empty_members_is_refused_before_it_takes_the_disks_inodes(tmp_path, monkeypatch):
    """A 1.8 MB sdist of 300,000 empty files took 306,000 inodes: each member counts."""
    import io
    import tarfile

    from mesonmatrix.targets.sdists import unpack_sdist

    monkeypatch.setenv("MESONMATRIX_MAX_UNPACKED", "4M")  # 1,024 members of 4 KiB
    sdist = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for i in range(2000):
            archive.addfile(tarfile.TarInfo(f"pkg-1.0/empty/{i}"), io.BytesIO(b""))
    with pytest.raises(TargetError, match=r"unpacks to more than 4 MiB \(each member counted as at least 4 KiB; "
                                          r"pkg-1.0/empty/10[0-9]{2} passes it\)"):
        unpack_sdist(sdist, tmp_path / "cache")
    assert not any((tmp_path / "cache" / "sources").glob("*/pkg-1.0"))
