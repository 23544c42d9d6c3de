"""Small wheels made by hand with zipfile, for verify's tests: hostile ones above all (alias
members, names that fold together, non-binaries named as extensions), each with a RECORD
that vouches for every member it holds, so that only the trick under test is wrong."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def record_line(name: str, data: bytes) -> tuple[str, str, str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return name, f"sha256={digest}", str(len(data))


def make_wheel(folder: Path, files: Mapping[str, bytes] | Iterable[tuple[str, bytes]], *, name: str = "pkg",
               version: str = "1.0", tag: str = "py3-none-any", metadata: str = "",
               record_extra: Iterable[tuple[str, bytes]] = (), compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """``<name>-<version>-<tag>.whl`` in ``folder``, holding ``files`` (a list of pairs may
    name a member twice), its dist-info, and a RECORD listing every member (and
    ``record_extra``, files the archive does not hold)."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    members = list(files.items()) if isinstance(files, Mapping) else list(files)
    members += [(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata}".encode()),
                (f"{info}/WHEEL", ("Wheel-Version: 1.0\nGenerator: handmade\nRoot-Is-Purelib: true\n"
                                   + "".join(f"Tag: {t}\n" for t in _tags(tag))).encode())]
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    for member, data in [*members, *record_extra]:
        writer.writerow(record_line(member, data))
    writer.writerow((f"{info}/RECORD", "", ""))
    path = folder / f"{dist}-{version}-{tag}.whl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name a test means to write
        with zipfile.ZipFile(path, "w", compression) as archive:
            for member, data in members:
                archive.writestr(member, data)
            archive.writestr(f"{info}/RECORD", rows.getvalue())
    return path


def _tags(tag: str) -> list[str]:
    """Every tag a compressed tag set names (``cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64``)."""
    python, abi, platform = tag.split("-")
    return [f"{p}-{a}-{x}" for p in python.split(".") for a in abi.split(".") for x in platform.split(".")]
