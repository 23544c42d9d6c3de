"""One zip rewriter for every wheel this tool derives from another.

Renaming the tests wheel and cutting a runtime or tests wheel out of the full wheel both
copy members from one wheel into a new one, keep each member's bytes, timestamp, mode
and compression, and write RECORD afresh. ``zipfile`` is used directly rather than a
wheel-writing library because the cut wheels must be byte-identical to what
meson-python writes for ``--tags`` (same member order, timestamps and modes), which a
library that normalises them would not give.

A member whose bytes do not change is copied compressed, as it is stored: deflating it
again was most of a cut's time (SciPy's runtime and tests wheels, 4-7 s each, for the
same bytes). Its compressed bytes are then the source wheel's, whichever zlib this
machine has, so the copy is as reproducible as its source. zipfile has no public way to
add compressed bytes (``_write_stored``), so that one step uses its writer's state.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import struct
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Member:
    """A member of the wheel to write: its name, its bytes, and the source member it is
    like (timestamp, mode and compression are copied from ``like``). ``stored``: ``like``'s
    compressed bytes, when ``data`` is its content unchanged (``StoredBytes``)."""

    like: zipfile.ZipInfo
    arcname: str
    data: bytes
    stored: bytes | None = None


class StoredBytes:
    """The compressed bytes of a wheel's members as they are stored, read through a file
    handle of its own: after each member's local header, whose fixed 30 bytes end with the
    lengths of its name and extra field (PKWARE's APPNOTE.TXT, 4.3.7)."""

    def __init__(self, wheel: Path) -> None:
        self._file = wheel.open("rb")

    def __enter__(self) -> StoredBytes:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def read(self, info: zipfile.ZipInfo) -> bytes:
        self._file.seek(info.header_offset)
        header = self._file.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename} at {info.header_offset}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self._file.seek(info.header_offset + 30 + name_length + extra_length)
        stored = self._file.read(info.compress_size)
        if len(stored) != info.compress_size:
            raise zipfile.BadZipFile(f"{info.filename} is cut short")
        return stored


def record_hash(data: bytes) -> str:
    """A RECORD line's hash field: ``sha256=`` and the urlsafe base64 digest, unpadded."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _copy_info(like: zipfile.ZipInfo, arcname: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=like.date_time)
    info.external_attr = like.external_attr
    info.compress_type = like.compress_type
    return info


def write_wheel(target: Path, members: Iterable[Member], *, record_name: str, record_like: zipfile.ZipInfo) -> Path:
    """Write ``members`` then a fresh RECORD into ``target``, atomically (``write_members``)."""
    rows: list[tuple[str, str, str | int]] = []

    def with_record() -> Iterator[Member]:
        for member in members:
            yield member
            if not member.arcname.endswith("/"):
                rows.append((member.arcname, record_hash(member.data), len(member.data)))
        rows.append((record_name, "", ""))
        text = io.StringIO()
        csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n").writerows(rows)
        yield Member(like=record_like, arcname=record_name, data=text.getvalue().encode())

    return write_members(target, with_record())


def write_members(target: Path, members: Iterable[Member]) -> Path:
    """Write ``members`` as they are, in their order, into ``target``, atomically: written
    beside it and renamed into place, so a kill half-way never leaves a truncated wheel
    under the final name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as out:
        for member in members:
            info = _copy_info(member.like, member.arcname)
            if member.stored is not None and _can_write_stored(out):
                _write_stored(out, info, member)
            else:
                out.writestr(info, member.data)
    partial.replace(target)
    return target


def _can_write_stored(out: zipfile.ZipFile) -> bool:
    """Whether this Python's zipfile writer has the state ``_write_stored`` keeps up to date
    (CPython 3.10-3.14's); where it does not, members are compressed again."""
    return all(hasattr(out, name) for name in ("fp", "filelist", "NameToInfo", "start_dir", "_didModify"))


def _write_stored(out: zipfile.ZipFile, info: zipfile.ZipInfo, member: Member) -> None:
    """What ``ZipFile.writestr`` does once it has compressed (CPython's ``_open_to_write``
    and ``_ZipWriteFile.close``): the local header, the bytes, the central directory's
    entry; with ``member.like``'s compressed bytes, CRC and sizes."""
    assert member.stored is not None and out.fp is not None
    info.CRC, info.file_size, info.compress_size = member.like.CRC, member.like.file_size, len(member.stored)
    zip64 = max(info.file_size, info.compress_size) > zipfile.ZIP64_LIMIT
    info.header_offset = out.fp.tell()
    out._didModify = True  # type: ignore[attr-defined]
    out.fp.write(info.FileHeader(zip64))
    out.fp.write(member.stored)
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info
    out.start_dir = out.fp.tell()
