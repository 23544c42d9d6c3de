"""What meson's parser read from a target's files, remembered in the shared cache while
those files are unchanged.

Every cell resolves its target, and resolving reads the meson files: the languages every
meson.build declares, the options file, the ``project()`` version. Parsing SciPy 1.17.1's
101 meson.build files takes 0.7 s, and importing ``mesonbuild.mparser`` alone takes
75 ms of every cell's start, a reused one's too (measured on the demo with
``python -X importtime``). So each reading is kept, one small JSON file per source tree
and kind, keyed by each file's path, size, mtime, ctime and inode (walking the tree for
them: 0.03 s); the parser is imported only when a file changed. The ctime is the
kernel's: a copy that keeps the mtime (cp -p, rsync -a, tar) still changes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..machine.writing import write_atomically

_T = TypeVar("_T")


def _signature(kind: str, source_dir: Path, files: Sequence[Path]) -> str:
    """The kind, the tree and each file's path, size, mtime, ctime and inode, as a digest
    (a file that does not exist is left out: its appearing changes the digest)."""
    stats = []
    for file in files:
        with contextlib.suppress(OSError):
            info = file.stat()
            stats.append([file.relative_to(source_dir).as_posix(), info.st_size, info.st_mtime_ns,
                          info.st_ctime_ns, info.st_ino])
    return hashlib.sha256(json.dumps([kind, str(source_dir), stats]).encode()).hexdigest()


def remembered(cache_dir: Path | None, kind: str, source_dir: Path, files: Sequence[Path],
               parse: Callable[[], _T], encode: Callable[[_T], object], decode: Callable[[Any], _T]) -> _T:
    """``parse()``'s answer for ``files`` of ``source_dir``: the remembered one while no file
    changed, else parsed and remembered (when ``cache_dir`` exists). ``kind`` names the
    reading and its format (bump it when what an entry holds changes). An entry of any
    other shape (torn, older, written by hand) makes ``decode`` raise, and is parsed again."""
    return remembered_walk(cache_dir, kind, source_dir, lambda: (parse(), list(files)), encode, decode,
                           known_files=files)


def remembered_walk(cache_dir: Path | None, kind: str, source_dir: Path,
                    parse: Callable[[], tuple[_T, Sequence[Path]]], encode: Callable[[_T], object],
                    decode: Callable[[Any], _T], known_files: Sequence[Path] | None = None) -> _T:
    """As ``remembered``, for a reading that finds its files as it goes (meson's
    ``subdir()`` calls): ``parse()`` returns its answer and every file it read or looked
    for, and the entry keeps that list, so the files to check come from the entry itself.
    While none of them changed, the walk would reach the same files again."""
    if cache_dir is None or not cache_dir.is_dir():
        return parse()[0]
    entry_file = cache_dir / f"meson-{kind}" / f"{hashlib.sha256(str(source_dir).encode()).hexdigest()[:16]}.json"
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        entry = json.loads(entry_file.read_text())
        files = [source_dir / name for name in entry["files"]] if known_files is None else list(known_files)
        if not all(isinstance(name, str) for name in entry["files"]):
            raise TypeError("a remembered file name of the wrong type")
        if entry["key"] == _signature(kind, source_dir, files):
            return decode(entry["value"])
    found, read = parse()
    names = [file.relative_to(source_dir).as_posix() for file in read]
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs the parse next time
        write_atomically(entry_file, json.dumps({"key": _signature(kind, source_dir, read), "files": names,
                                                 "value": encode(found)}))
    return found
