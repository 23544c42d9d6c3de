"""Stored wheels: a folder per (build dir, role) holding one wheel, its sha256, and the
fingerprint of the inputs it was made from.

A stored wheel is reused only while both hold: the fingerprint says its inputs are
unchanged, and its bytes still have the sha256 recorded when it was stored (a truncated
or edited wheel would otherwise be shipped, or fail every later run with BadZipFile).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ..wheels.members import sha256_file

FINGERPRINT_FILE = "fingerprint"
SHA256_FILE = "wheel.sha256"


def stored_wheel(store: Path, fingerprint: str, say: Callable[[str], None] | None = None) -> Path | None:
    """The wheel stored for this fingerprint, or None when it must be made again
    (``say`` is told why, when the inputs matched but the bytes did not)."""
    stamp = store / FINGERPRINT_FILE
    wheels = sorted(store.glob("*.whl"))
    if not (stamp.is_file() and stamp.read_text().strip() == fingerprint and len(wheels) == 1):
        return None
    recorded = store / SHA256_FILE
    expected = recorded.read_text().strip() if recorded.is_file() else None
    if expected is None or sha256_file(wheels[0]) != expected:
        if say is not None:
            why = ("has no recorded sha256" if expected is None
                   else "no longer has the sha256 recorded when it was stored")
            say(f"    stored {wheels[0].name} {why} (changed or truncated since): making it again")
        return None
    return wheels[0]


def commit_store(partial: Path, store: Path, fingerprint: str) -> Path:
    """Move a finished ``partial`` folder holding one wheel into place as ``store``.

    The wheel's sha256 is recorded, then the fingerprint is written last: a build or
    cut killed half-way is never taken as done.
    """
    (wheel,) = sorted(partial.glob("*.whl"))
    (partial / SHA256_FILE).write_text(sha256_file(wheel) + "\n")
    shutil.rmtree(store, ignore_errors=True)
    partial.rename(store)
    (store / FINGERPRINT_FILE).write_text(fingerprint)
    return store
