"""Repacking a wheel under another distribution name (the split cell's ``<name>-tests``)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

from .rewrite import Member, StoredBytes, write_wheel


def rename_wheel(wheel: Path, new_name: str, out_dir: Path, *, requires: tuple[str, ...] = (),
                 drop_metadata: tuple[str, ...] = ()) -> Path:
    """Repack ``wheel`` as distribution ``new_name``; the payload is byte-for-byte the same.

    Meson ties a build dir to one source dir, so the tests wheel is built from the same
    build dir under the project's own name and renamed here, instead of editing the
    user's pyproject.toml in place. ``requires`` are added as Requires-Dist; dist-info
    files whose path inside it starts with one of ``drop_metadata`` are left out.
    """
    old_name, version, _build, _tags = parse_wheel_filename(wheel.name)
    old_info = f"{_normalised(old_name)}-{version}.dist-info/"
    new_info = f"{_normalised(new_name)}-{version}.dist-info/"
    tag = wheel.name[:-4].split("-", 2)[2]  # python-abi-platform, as written
    target = out_dir / f"{_normalised(new_name)}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel) as src, StoredBytes(wheel) as stored:
        record_like = src.infolist()[-1]
        members = [m for m in _renamed_members(src, stored, old_info, new_info, new_name, requires)
                   if not (m.arcname.startswith(new_info) and drop_metadata
                           and m.arcname[len(new_info):].startswith(drop_metadata))]
    return write_wheel(target, members, record_name=new_info + "RECORD", record_like=record_like)


def _normalised(name: str) -> str:
    return str(canonicalize_name(name)).replace("-", "_")


def _renamed_members(src: zipfile.ZipFile, stored: StoredBytes, old_info: str, new_info: str, new_name: str,
                     requires: tuple[str, ...]) -> Iterator[Member]:
    for info in src.infolist():
        name = info.filename
        if name == old_info + "RECORD":
            continue
        data = src.read(info)
        if name.startswith(old_info):
            name = new_info + name[len(old_info):]
            if name == new_info + "METADATA":
                yield Member(like=info, arcname=name, data=_renamed_metadata(data, new_name, requires))
                continue
        # The payload's bytes are unchanged: copied as stored (wheels/rewrite.py).
        yield Member(like=info, arcname=name, data=data, stored=stored.read(info))


def _renamed_metadata(data: bytes, new_name: str, requires: tuple[str, ...]) -> bytes:
    text = data.decode("utf-8")
    head, sep, body = text.partition("\n\n")
    lines = [f"Name: {new_name}" if line.startswith("Name: ") else line for line in head.split("\n")]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + (sep + body if sep else "\n")).encode("utf-8")
