"""Is the file a wheel that can be read safely at all? Checked before anything else reads it.

An installer writes each member to the path it names: a name twice means the second copy
silently replaces the first (what RECORD vouches for is not what runs), and so do two
names of one file (``pkg/./x.py`` beside ``pkg/x.py``; ``pkg/X.py`` beside ``pkg/x.py`` on
macOS and Windows, see ``names``); an absolute name, one with ``..`` or a drive, escapes
the install folder; a symlink member points wherever it likes. None of these is something
a wheel may hold (PEP 427, and the "binary distribution format" specification: members are
files below the wheel's root), so each is a problem of that wheel, by name, and its
contents are not read further. So is a zip bomb, judged by its compression ratio: real
wheels hold members of gigabytes, but none that deflate packs 100 to 1.

Members are read in bounded pieces; a binary above ``MAX_MEMBER_BYTES``, and a file read
whole above ``MAX_TEXT_BYTES`` (``MAX_CODE_BYTES`` for code verify parses) are not read,
and the wheel's verdict is then incomplete.
"""

from __future__ import annotations

import stat
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath, PureWindowsPath

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from .names import canonical, folded
from .problems import UNCHECKED, Problem

# The largest member verify copies out and parses (a binary), in pieces: it bounds the
# scratch disk, not memory. The largest library measured in official wheels is NVIDIA's
# libcufft.so.12 (287 MB, nvidia-cufft 12.0.0.61); PyTorch's CUDA wheels hold members
# above 1 GiB.
MAX_MEMBER_BYTES = 4 << 30
# The largest member read whole into memory: the dist-info's files (the largest measured:
# lm_eval 0.4.13's RECORD, 1.9 MB) ...
MAX_TEXT_BYTES = 64 << 20
# ... and a package's import-time code, parsed (ast) for the DLL folders it adds: parsing
# takes about 190 bytes of memory per byte of code (8 MB of calls: 1.5 GB, 12.6 s here).
# The largest measured in 200 official wheels: torch/_refs/__init__.py, 237 KB.
MAX_CODE_BYTES = 2 << 20
# A zip bomb: more than this many bytes out for each byte in, above BOMB_FLOOR bytes
# uncompressed. Deflate's ceiling is 1032:1. Measured on 60 official wheels: whole wheels
# 1.1 to 5.6:1, members above 1 MiB at most 57:1 (pysam 0.24.1's grafted libbz2); small
# test files reach 235:1 (SciPy's), hence the floor.
BOMB_RATIO = 100
BOMB_FLOOR = 16 << 20


def archive_problems(wheel: Path) -> list[Problem]:
    """What makes ``wheel`` unsafe or impossible to read: each problem names the member and
    why. Nothing but warnings when the rest of verify may read it."""
    try:
        tags = parse_wheel_filename(wheel.name)[3]
    except InvalidWheelFilename as exc:
        return [Problem(member=wheel.name, rule="archive", detail=f"not a wheel's file name: {exc}")]
    try:
        with zipfile.ZipFile(wheel) as archive:
            infos = archive.infolist()
            directory = archive.start_dir  # where the central directory starts
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return [Problem(member=wheel.name, rule="archive", detail=f"not a readable zip archive: {exc}")]
    problems = [Problem(member=info.filename, rule="archive", detail=why) for info in infos if (why := _unsafe(info))]
    problems += _overlaps(infos, directory)
    files = [info.filename for info in infos if not info.filename.endswith("/")]
    # Only a wheel that can be installed on macOS or Windows (or anywhere) meets a filesystem
    # that folds case; on Linux the names are two files, which is odd but harmless.
    folding = any(t.platform == "any" or t.platform.startswith(("macosx_", "win")) for t in tags)
    return problems + _aliases(files) + _collisions(files, warning=not folding) + _bombs(infos, wheel.name)


def _aliases(names: list[str]) -> list[Problem]:
    """Members that an installer writes to one path: the same name twice, or names that
    differ only by ``.`` or empty folder names."""
    by_path: dict[str, list[str]] = {}
    for name in names:
        by_path.setdefault(canonical(name), []).append(name)
    problems = [Problem(member=name, rule="archive",
                        detail=f"duplicate member name, {count} copies in the archive: an installer writes the "
                               "last over the others, so what RECORD describes is not what would run")
                for name, count in Counter(names).items() if count > 1]
    for path, spellings in by_path.items():
        aliases = sorted(set(spellings))
        if len(aliases) > 1:
            problems += [Problem(member=name, rule="archive",
                                 detail=f"another name of {path} ({len(spellings)} members are written there once "
                                        "'.' and empty folder names are dropped): an installer writes the last over "
                                        "the others, so what RECORD describes is not what would run")
                         for name in aliases if name != path or path not in spellings]
    return problems


def _collisions(names: list[str], *, warning: bool) -> list[Problem]:
    """Different paths that are one file where case and Unicode normalisation fold, or
    where trailing dots and spaces are dropped (Windows)."""
    by_file: dict[str, set[str]] = {}
    for name in names:
        by_file.setdefault(folded(name), set()).add(canonical(name))
    problems = []
    for paths in by_file.values():
        first, *others = sorted(paths)
        problems += [Problem(member=other, rule="archive", warning=warning,
                             detail=f"the same file as {first} where case or Unicode normalisation (NFC/NFD) is "
                                    "folded, as on macOS and Windows, or trailing dots and spaces dropped, as on "
                                    "Windows: installed there, one replaces the other")
                     for other in others]
    return problems


def _overlaps(infos: list[zipfile.ZipInfo], directory: int) -> list[Problem]:
    """Members whose stated compressed size runs into the next member or the central
    directory: a lie in the directory (which makes a zip bomb's ratio look like 1:1, and
    which zipfile on Python before 3.12.2 and 3.11.8 does not catch, CVE-2024-0450)."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    ends = [info.header_offset for info in ordered[1:]] + [directory]
    return [Problem(member=info.filename, rule="archive",
                    detail=f"its compressed size ({info.compress_size:,} bytes) runs past where the next "
                           f"{'member' if end != directory else 'part of the archive'} starts, "
                           f"{end - info.header_offset:,} bytes on: the archive lies about it")
            for info, end in zip(ordered, ends, strict=True) if info.header_offset + info.compress_size > end]


def _bombs(infos: list[zipfile.ZipInfo], wheel: str) -> list[Problem]:
    """Members, and the whole archive, that inflate beyond any real wheel's ratio."""
    def bomb(size: int, packed: int) -> str | None:
        if size <= BOMB_FLOOR or size <= BOMB_RATIO * max(packed, 1):
            return None
        return (f"{size:,} bytes uncompressed from {packed:,} ({size / max(packed, 1):,.0f}:1): a zip bomb's ratio, "
                f"above the {BOMB_RATIO}:1 of any real wheel; not read")

    problems = [Problem(member=info.filename, rule="archive", detail=why)
                for info in infos if (why := bomb(info.file_size, info.compress_size))]
    whole = bomb(sum(i.file_size for i in infos), sum(i.compress_size for i in infos))
    if whole and not problems:
        problems.append(Problem(member=wheel, rule="archive", detail=f"its members together: {whole}"))
    return problems


def readable(info: zipfile.ZipInfo) -> bool:
    """A member verify copies out and parses: not above the size it reads."""
    return info.file_size <= MAX_MEMBER_BYTES


def read_whole(archive: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes | None:
    """The member ``name`` in memory, or None when it is above ``limit`` bytes (by default
    ``MAX_TEXT_BYTES``; the caller names it with ``unread``: the verdict is then incomplete)."""
    if archive.getinfo(name).file_size > (MAX_TEXT_BYTES if limit is None else limit):
        return None
    return archive.read(name)


def unread(member: str, size: int, limit: int, what: str) -> Problem:
    """A member verify had to read to check ``what`` and did not: the verdict is incomplete."""
    return Problem(member=member, rule=UNCHECKED,
                   detail=f"{size:,} bytes, above the {limit:,} verify reads of one member: {what} was not "
                          "checked, so the verdict is incomplete, not passed")


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive:
        return "an absolute path: installing it would write outside the install folder"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "a path with '..': installing it would write outside the install folder"
    if "\\" in name:
        return "a path with a backslash: wheels separate folders with '/'"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link: a wheel's members are files, and a link may point anywhere on the machine"
    return None
