"""Is the file a wheel that can be read safely at all? Checked before anything else reads it.

An installer writes each member to the path it names: a name twice means the second copy
silently replaces the first (what RECORD vouches for is not what runs); an absolute name,
one with ``..`` or a drive, escapes the install folder; a symlink member points wherever
it likes. None of these is something a wheel may hold (PEP 427, and the "binary
distribution format" specification: members are files below the wheel's root), so each is
a problem of that wheel, by name, and its contents are not read further. Members are read
in bounded pieces, and one larger than ``MAX_MEMBER_BYTES`` uncompressed is not read at all.
"""

from __future__ import annotations

import stat
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath, PureWindowsPath

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from .problems import Problem

# The largest member verify reads (a binary it parses, a script it scans). The largest
# library in the official wheels checked here is SciPy's bundled OpenBLAS (about 35 MB);
# a member above this is named, not read, so verify's memory stays bounded.
MAX_MEMBER_BYTES = 1 << 30


def archive_problems(wheel: Path) -> list[Problem]:
    """What makes ``wheel`` unsafe or impossible to read: each problem names the member and
    why. Empty when the rest of verify may read it."""
    try:
        parse_wheel_filename(wheel.name)
    except InvalidWheelFilename as exc:
        return [Problem(member=wheel.name, rule="archive", detail=f"not a wheel's file name: {exc}")]
    try:
        with zipfile.ZipFile(wheel) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return [Problem(member=wheel.name, rule="archive", detail=f"not a readable zip archive: {exc}")]
    problems = [Problem(member=name, rule="archive",
                        detail=f"duplicate member name, {count} copies in the archive: an installer writes the "
                               "last over the others, so what RECORD describes is not what would run")
                for name, count in Counter(info.filename for info in infos).items() if count > 1]
    for info in infos:
        why = _unsafe(info)
        if why:
            problems.append(Problem(member=info.filename, rule="archive", detail=why))
        elif info.file_size > MAX_MEMBER_BYTES:
            problems.append(Problem(member=info.filename, rule="archive", warning=True,
                                    detail=f"{info.file_size:,} bytes uncompressed, above the {MAX_MEMBER_BYTES:,} "
                                           "bytes verify reads of one member: its contents were not checked"))
    return problems


def readable(info: zipfile.ZipInfo) -> bool:
    """A member verify reads the contents of: not above the size it reads."""
    return info.file_size <= MAX_MEMBER_BYTES


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
