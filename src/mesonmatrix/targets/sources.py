"""A source tree's files, its digest, and the SOURCE_DATE_EPOCH its builds use."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..machine.commands import probe

_SKIP_DIRS = {".git", "__pycache__", ".mesonpy", ".nox", ".matrix", "build", ".tox"}
_SKIP_FILES = {".wraplock"}
# Beside an unpacked sdist's root folder: its SOURCE_DATE_EPOCH, read from the tarball.
SDIST_EPOCH_FILE = ".source-date-epoch"


def source_files(source_dir: Path) -> Iterator[Path]:
    """The files of a source tree, in a stable order, without what builds write into it:
    build and cache folders, and meson's ``subprojects/.wraplock``, which every
    ``meson setup`` touches (SciPy's first cell would otherwise change its own inputs)."""
    for root, dirs, files in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name not in _SKIP_FILES:
                yield Path(root, name)


def source_tree_digest(source_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in source_files(source_dir):
        digest.update(str(path.relative_to(source_dir)).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()

def source_date_epoch(source_dir: Path) -> int:
    """A timestamp fixed by the sources, for SOURCE_DATE_EPOCH.

    The last commit touching a tree in git (file mtimes in a fresh clone are checkout
    times); for an unpacked sdist, its newest member's mtime, read from the tarball when
    it was unpacked (meson touches ``subprojects/.wraplock`` on every setup, which made
    SciPy's epoch the time of its last build); otherwise the newest source file's mtime.
    """
    out = probe(["git", "log", "-1", "--format=%ct", "--", "."], cwd=source_dir)
    if out is not None and out.returncode == 0 and out.stdout.strip().isdigit():
        return int(out.stdout.strip())
    recorded = source_dir.parent / SDIST_EPOCH_FILE
    if recorded.is_file() and recorded.read_text().strip().isdigit():
        return int(recorded.read_text().strip()) or 315532800
    newest = 0.0
    for path in source_files(source_dir):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return int(newest) or 315532800  # 1980-01-01, the earliest time a zip file can hold
