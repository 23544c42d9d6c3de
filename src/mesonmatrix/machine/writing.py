"""Writing a file whole: a reader (another cell, the report, a rerun after a kill) never
sees half of one. Records, caches' entries, reports and .pc files are all written so."""

from __future__ import annotations

import os
from pathlib import Path

from ..record import ResultRecord, relative_to_root


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary name beside ``path``, flush it to disk, and rename it
    over ``path`` (a rename within one folder is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_record(record: ResultRecord, path: Path, root: Path | None = None) -> None:
    """``root``: the project root; the file then names paths under it relative to it."""
    write_atomically(path, (record if root is None else relative_to_root(record, root)).to_json())
