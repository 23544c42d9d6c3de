"""Making staged extension modules relocatable: every RUNPATH/RPATH entry that leads
outside the package (into the build env, the workspace, the cache, or a system folder a
distribution never puts in an rpath) is removed with patchelf; ``$ORIGIN`` entries that
stay inside the package are kept."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from ..binaries import Binary, read_binary
from ..machine.commands import CommandRunner


@dataclass(frozen=True, kw_only=True)
class Relocation:
    file: str  # the path inside the package (e.g. /usr/lib/python3/dist-packages/pkg/_ext.so)
    old: str  # RUNPATH as built
    new: str  # RUNPATH as packaged ("" when removed)


def elf_files(root: Path) -> list[tuple[Path, Binary]]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and (path.suffix == ".so" or ".so." in path.name):
            binary = read_binary(str(path.relative_to(root)), path)
            if binary is not None and binary.format == "ELF":
                found.append((path, binary))
    return found


def _inside(root: Path, binary_path: Path, entry: str) -> bool:
    if not entry.startswith(("$ORIGIN", "${ORIGIN}")):
        return False
    resolved = posixpath.normpath(entry.replace("${ORIGIN}", str(binary_path.parent)).replace(
        "$ORIGIN", str(binary_path.parent)))
    return Path(resolved).is_relative_to(root)


def relocate(root: Path, patchelf: str, runner: CommandRunner) -> list[Relocation]:
    changes = []
    for path, binary in elf_files(root):
        if not binary.search_paths:
            continue
        kept = [e for e in binary.search_paths if _inside(root, path, e)]
        if kept == list(binary.search_paths):
            continue
        stat = path.stat()
        if kept:
            runner.run([patchelf, "--set-rpath", ":".join(kept), str(path)], label=f"relocate {path.name}")
        else:
            runner.run([patchelf, "--remove-rpath", str(path)], label=f"relocate {path.name}")
        os.utime(path, (stat.st_atime, stat.st_mtime))  # keep the staged (SOURCE_DATE_EPOCH) mtime
        changes.append(Relocation(file="/" + str(path.relative_to(root)), old=":".join(binary.search_paths),
                                  new=":".join(kept)))
    return changes
