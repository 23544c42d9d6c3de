"""A repaired wheel deflated where the repair changed it, and nowhere else.

auditwheel unpacks the whole wheel, patches the extensions that load a grafted library,
adds the libraries and a new RECORD, and deflates every member again: SciPy's repair took
10-12 s on a quiet machine, most of it deflating members byte-for-byte the same as the
built wheel's. Asked to store its members (``--zip-compression-level 0``), it writes the
same wheel uncompressed in a fraction of that; this then gives each member the built
wheel's compressed bytes where its content is the built wheel's (compared byte for byte,
not by name or checksum), and deflates only the rest, at zlib's default level as
auditwheel would. Names, order, timestamps, modes and RECORD are auditwheel's.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .rewrite import Member, StoredBytes, write_members


@dataclass(frozen=True, kw_only=True)
class Deflated:
    copied: int  # members given the built wheel's compressed bytes
    deflated: int  # members the repair changed or added, deflated here


def deflate_changed(repaired: Path, built: Path) -> Deflated:
    """Rewrite ``repaired`` (written with its members stored) in place: each member whose
    bytes are the same-named member of ``built`` takes that member's compressed bytes."""
    counts = {"copied": 0, "deflated": 0}
    with zipfile.ZipFile(repaired) as out_of_repair, zipfile.ZipFile(built) as original, \
            StoredBytes(built) as stored:
        before = {info.filename: info for info in original.infolist()}

        def members() -> Iterator[Member]:
            for info in out_of_repair.infolist():
                data = out_of_repair.read(info)
                source = before.get(info.filename)
                if (source is not None and not info.is_dir() and source.file_size == len(data)
                        and source.compress_type == zipfile.ZIP_DEFLATED and original.read(source) == data):
                    counts["copied"] += 1
                    like = _with_compression(info, source.compress_type)
                    yield Member(like=like, arcname=info.filename, data=data, stored=stored.read(source))
                    continue
                counts["deflated"] += not info.is_dir()
                yield Member(like=_with_compression(info, zipfile.ZIP_DEFLATED if not info.is_dir()
                                                    else info.compress_type), arcname=info.filename, data=data)

        write_members(repaired, members())
    return Deflated(**counts)


def _with_compression(info: zipfile.ZipInfo, compress_type: int) -> zipfile.ZipInfo:
    """``info``'s timestamp and mode, and a compression of its own choosing (write_members
    copies the compression from the member it is given)."""
    like = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    like.external_attr = info.external_attr
    like.compress_type = compress_type
    like.CRC, like.file_size = info.CRC, info.file_size
    return like
