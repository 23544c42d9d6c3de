"""One zip rewriter for every wheel this tool derives from another.

Renaming the tests wheel and cutting a runtime or tests wheel out of the full wheel both
copy members from one wheel into a new one, keep each member's bytes, timestamp, mode
and compression, and write RECORD afresh. ``zipfile`` is used directly rather than a
wheel-writing library because the cut wheels must be byte-identical to what
meson-python writes for ``--tags`` (same member order, timestamps and modes), which a
library that normalises them would not give.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Member:
    """A member of the wheel to write: its name, its bytes, and the source member it is
    like (timestamp, mode and compression are copied from ``like``)."""

    like: zipfile.ZipInfo
    arcname: str
    data: bytes


def record_hash(data: bytes) -> str:
    """A RECORD line's hash field: ``sha256=`` and the urlsafe base64 digest, unpadded."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _copy_info(like: zipfile.ZipInfo, arcname: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=like.date_time)
    info.external_attr = like.external_attr
    info.compress_type = like.compress_type
    return info


def write_wheel(target: Path, members: Iterable[Member], *, record_name: str, record_like: zipfile.ZipInfo) -> Path:
    """Write ``members`` then a fresh RECORD into ``target``, atomically.

    The wheel is written beside ``target`` and renamed into place, so a kill half-way
    never leaves a truncated wheel under the final name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    rows: list[tuple[str, str, str | int]] = []
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as out:
        for member in members:
            out.writestr(_copy_info(member.like, member.arcname), member.data)
            if not member.arcname.endswith("/"):
                rows.append((member.arcname, record_hash(member.data), len(member.data)))
        rows.append((record_name, "", ""))
        text = io.StringIO()
        csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n").writerows(rows)
        out.writestr(_copy_info(record_like, record_name), text.getvalue().encode())
    partial.replace(target)
    return target
