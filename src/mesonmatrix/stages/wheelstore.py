"""Stored wheels: a folder per (build dir, role) holding one wheel and the fingerprint
of the inputs it was made from."""

from __future__ import annotations

import shutil
from pathlib import Path


def stored_wheel(store: Path, fingerprint: str) -> Path | None:
    """The wheel stored for this fingerprint, or None when it must be made again."""
    stamp = store / "fingerprint"
    wheels = sorted(store.glob("*.whl"))
    if stamp.is_file() and stamp.read_text().strip() == fingerprint and len(wheels) == 1:
        return wheels[0]
    return None


def commit_store(partial: Path, store: Path, fingerprint: str) -> Path:
    """Move a finished ``partial`` folder into place as ``store``. The fingerprint is
    written last: a build or cut killed half-way is never taken as done."""
    shutil.rmtree(store, ignore_errors=True)
    partial.rename(store)
    (store / "fingerprint").write_text(fingerprint)
    return store
