"""Repaired wheels, stored and reused while nothing that decides their bytes changed.

A repaired wheel is a function of the built wheel (its sha256), the repair tool and its
version, the repair arguments and environment, and the libraries it grafted (their
sha256). The first four make the key; the grafted libraries are recorded by path and
sha256 when the repair runs, and re-hashed before a stored repair is reused, since a
library can change on disk (an apt upgrade, a rebuilt system copy) while the built
wheel that needs it does not. A tool that does not say which files it grafted gets no
stored repair: its wheels are repaired every time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ..wheels.members import sha256_file
from .wheelstore import commit_store, stored_wheel

# Part of every repair key: bump it when what a repair stores changes.
REPAIR_STORE_VERSION = "1"
SOURCES_FILE = "grafted-sources.json"


def repair_key(*, wheel: Path, wheel_sha256: str, out_dir: Path, argv: Sequence[str], env: Mapping[str, str],
               tool: str, tool_versions: Mapping[str, str]) -> str:
    """The inputs of a repair, without the paths that differ between cells sharing a build."""
    placeholders = {str(wheel): "{wheel}", str(out_dir): "{out_dir}"}
    payload = {
        "version": REPAIR_STORE_VERSION,
        "wheel_sha256": wheel_sha256,
        "tool": tool,
        "tool_versions": dict(sorted(tool_versions.items())),
        "argv": [placeholders.get(arg, arg) for arg in argv],
        "env": dict(sorted(env.items())),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def reusable_repair(store: Path, key: str, say: Callable[[str], None]) -> Path | None:
    """The stored repaired wheel for ``key`` while every library it grafted is unchanged."""
    wheel = stored_wheel(store, key, say)
    if wheel is None:
        return None
    try:
        sources: dict[str, str] = json.loads((store / SOURCES_FILE).read_text())
    except (OSError, ValueError):
        return None
    for path, digest in sources.items():
        if not Path(path).is_file() or sha256_file(Path(path)) != digest:
            say(f"    {path}, grafted into {wheel.name}, changed since it was repaired: repairing again")
            return None
    return wheel


def store_repair(repaired: Path, store: Path, key: str, sources: Sequence[Path]) -> None:
    """Keep ``repaired`` under ``key`` with the sha256 of each library it grafted."""
    partial = store.with_name(store.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    shutil.copy2(repaired, partial / repaired.name)
    (partial / SOURCES_FILE).write_text(json.dumps({str(p): sha256_file(p) for p in sources}, indent=1) + "\n")
    commit_store(partial, store, key)
