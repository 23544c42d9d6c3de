"""Extracting an untrusted tarball (an sdist) safely on every Python the tool runs on.

tarfile's ``data`` filter checks each member with ``os.path.realpath``, which gives up
resolving links once a path grows past PATH_MAX and carries on lexically. A chain of long
directory names and links then makes a link look inside the destination while the kernel
follows it outside (CVE-2025-4517, python/cpython#135034; fixed in 3.13.4, 3.12.11,
3.11.13 and 3.10.18, so not in the 3.12.1 of this machine and of many CI images, nor in
3.10.13, 3.11.7 or 3.13.0 here). So every member also passes checks of our own, made right
before it is extracted (the links before it already exist): a name of sane length without
``..``, and where the kernel will really land, resolved with ``realpath(strict=True)``,
which raises where the lax one gave up. Regular files are counted against a bound, so a
small sdist cannot fill the disk.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable
from pathlib import Path

from ..errors import TargetError

MAX_UNPACKED_VARIABLE = "MESONMATRIX_MAX_UNPACKED"
# Measured 2026-12-07: NumPy 2.4.6's sdist (20.7 MB) unpacks to 67 MB, SciPy 1.17.1's
# (30.6 MB) to 113 MB; a gigabyte is nine times SciPy's.
DEFAULT_MAX_UNPACKED = 1 << 30
# What a member costs at least: a block and an inode. NumPy's 8,250 members then count
# 34 MB more than their bytes.
MEMBER_COST = 4096
# NumPy's longest member name is 165 bytes (a vendored meson test case), SciPy's 135.
MAX_NAME_BYTES = 1024
NAME_MAX = 255  # one path component, on every file system the tool writes to
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class UnsafeMember(tarfile.TarError):
    """A member that would leave the destination or that cannot be checked."""


def max_unpacked() -> int:
    """The bound on an sdist's unpacked size: ``MESONMATRIX_MAX_UNPACKED`` (bytes, or a
    number with K, M, G or T, powers of 1024: ``4G``), else 1 GiB."""
    raw = os.environ.get(MAX_UNPACKED_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_UNPACKED
    spelled = raw.upper()
    number = spelled.rstrip("KMGTIB").strip()
    unit = spelled[len(spelled.rstrip("KMGTIB")):].removesuffix("B").removesuffix("I")
    if not number.isdigit() or unit not in _UNITS or int(number) < 1:
        raise TargetError(f"{MAX_UNPACKED_VARIABLE}={raw!r} is not a size: write bytes, or a number with K, M, G "
                          "or T (e.g. 4G)")
    return int(number) * _UNITS[unit]


def size_text(size: int) -> str:
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit]:
            return f"{size / _UNITS[unit]:g} {unit}iB"
    return f"{size} bytes"


def extract(archive: tarfile.TarFile, dest: Path, *, max_bytes: int, label: str) -> None:
    """Extract ``archive`` into the existing, empty folder ``dest``; raise UnsafeMember for
    a member that is not safe, TargetError when it unpacks past ``max_bytes``."""
    archive.extractall(dest, filter=_member_filter(dest, max_bytes, label))


def _member_filter(dest: Path, max_bytes: int, label: str) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo]:
    root = os.path.realpath(dest, strict=True)
    path_max = os.pathconf(root, "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
    total = 0
    # Folders already resolved, by name in the archive: members share a few thousand
    # folders, and NumPy's 8,250 members took 2.5 s more to unpack when each was resolved
    # from the top. Only a new link can change where a folder lands: each clears it.
    folders: dict[str, str] = {}

    def landing(relative: str, follow_last: bool) -> str:
        head, last = os.path.split(relative)
        if head not in folders:
            parent, complete = _resolve(os.path.join(root, head))
            if not complete:
                return _last(parent, last, follow_last)
            folders[head] = parent
        return _last(folders[head], last, follow_last)

    def check(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
        nonlocal total
        # The standard filter first: it refuses devices, absolute links and the plain
        # escapes, and strips leading slashes and unsafe modes.
        filtered = tarfile.data_filter(member, path)
        _check_names(filtered)
        _check_inside(root, landing(filtered.name, not filtered.issym()), filtered.name, path_max)
        if filtered.issym():
            target = os.path.join(os.path.dirname(filtered.name), filtered.linkname)
            _check_inside(root, landing(target, True), filtered.name, path_max)
            folders.clear()  # what was resolved through an older link of this name
        elif filtered.islnk():
            _check_inside(root, landing(filtered.linkname, True), filtered.name, path_max)
        # Every member costs the disk a block and an inode, whatever its size: 300,000 empty
        # files (a 1.8 MB sdist) took 306,000 inodes and a minute before they were counted.
        total += max(filtered.size if filtered.isreg() else 0, MEMBER_COST)
        if total > max_bytes:
            raise TargetError(
                f"{label} unpacks to more than {size_text(max_bytes)} (each member counted as at least 4 KiB; "
                f"{filtered.name} passes it): refused, it could fill the disk (SciPy's sdist unpacks to 113 MB); "
                f"set {MAX_UNPACKED_VARIABLE} higher (e.g. {MAX_UNPACKED_VARIABLE}=4G) if it is meant to")
        return filtered

    return check


def _check_names(member: tarfile.TarInfo) -> None:
    for kind, name in (("name", member.name), ("link target", member.linkname)):
        size = len(name.encode("utf-8", "surrogateescape"))
        if size > MAX_NAME_BYTES:
            raise UnsafeMember(f"{member.name[:60]}…: a {kind} of {size} bytes, longer than {MAX_NAME_BYTES}")
        if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in name.split("/")):
            raise UnsafeMember(f"{member.name[:60]}…: a {kind} with a component longer than {NAME_MAX} bytes")
    if ".." in member.name.split("/"):
        raise UnsafeMember(f"{member.name}: a name with a '..' component")


def _check_inside(root: str, landing: str, name: str, path_max: int) -> None:
    if os.path.commonpath([root, landing]) != root:
        raise UnsafeMember(f"{name} leads outside the destination (to {landing[:200]})")
    if len(landing.encode("utf-8", "surrogateescape")) >= path_max:
        raise UnsafeMember(f"{name[:60]}… leads to a path longer than PATH_MAX ({path_max})")


def _last(parent: str, last: str, follow: bool) -> str:
    """Where the kernel ends up for ``last`` in the resolved folder ``parent``: through it
    when it is a link to follow (tarfile writes a file through one, and chmods through it)."""
    path = os.path.join(parent, last)
    if follow and last and os.path.islink(path):
        return _resolve(path)[0]
    return os.path.normpath(path)


def _resolve(path: str) -> tuple[str, bool]:
    """``realpath(strict=True)`` of the part of ``path`` that exists, then the missing rest,
    which holds no link yet; and whether it all exists. Any other failure (a path past
    PATH_MAX, a link loop) refuses."""
    missing: list[str] = []
    while True:
        try:
            resolved = os.path.realpath(path, strict=True)
            break
        except FileNotFoundError:
            if os.path.lexists(path):
                raise UnsafeMember(f"{path[-120:]}: a link to nothing on the way") from None
            path, name = os.path.split(path)
            if not name:
                raise UnsafeMember(f"{path[-120:]}: cannot be resolved") from None
            missing.append(name)
        except OSError as exc:
            raise UnsafeMember(f"{path[-120:]} cannot be resolved: {exc.strerror}") from None
    return os.path.normpath(os.path.join(resolved, *reversed(missing))), not missing
