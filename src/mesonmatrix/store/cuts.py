"""Runtime and tests wheels cut from the full wheel by install tag (see wheels/tagsets.py
for why this, and not a second meson-python build, is the default)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from ..errors import CellError
from ..machine.progress import Say
from ..model import INSTALL_TAGS_BY_ROLE, Role
from ..wheels.tagsets import read_member_tags, subset_wheel
from .wheelstore import FINGERPRINT_FILE, SHA256_FILE, commit_store, stored_wheel

# Part of every cut wheel's fingerprint: bump it when subset_wheel's output changes.
TAGSETS_VERSION = "2"  # 2: the full wheel's sha256 is part of the key


def cut_role(role: Role, full: Path, store: Path, say: Say) -> Path:
    """The ``role`` wheel cut from the full wheel, as meson-python --tags would pack it."""
    tags = read_member_tags(full.parent)
    if tags is None:
        raise CellError(f"no install tags stored beside {full}; delete {full.parent} and run the cell again")
    keep = INSTALL_TAGS_BY_ROLE[role]
    # The full wheel's inputs and its bytes: a full wheel made again from the same inputs
    # but with other bytes (a build that is not reproducible) gets new cut wheels too.
    full_inputs = (full.parent / FINGERPRINT_FILE).read_text().strip()
    full_bytes = (full.parent / SHA256_FILE).read_text().strip()
    payload = f"{full_inputs}|{full_bytes}|{','.join(keep)}|{TAGSETS_VERSION}"
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()
    wheel = stored_wheel(store, fingerprint, say)
    if wheel is not None:
        say(f"    {role} wheel up to date: {wheel.name} (cut from the unchanged full wheel)")
        return wheel
    partial = store.with_name(role + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    wheel = subset_wheel(full, tags, keep, partial)
    commit_store(partial, store, fingerprint)
    say(f"    {role} wheel cut from the full wheel by install tag ({', '.join(keep)}): {wheel.name}")
    return store / wheel.name
