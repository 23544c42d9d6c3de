"""A cached sdist that does not match its pin is refused before any build starts."""

from __future__ import annotations

import gzip
import io
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
