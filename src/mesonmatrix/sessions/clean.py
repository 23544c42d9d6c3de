"""``nox -s clean``: remove what the tool wrote, saying how much space it held."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

from ..machine.ccache import ccache_dir
from ..machine.workspace import Workspace


def clean_session(session: nox.Session, project_root: Path) -> None:
    workspace = Workspace.default(project_root)
    for folder, what in (
        (workspace.root, "build dirs, wheels, results"),
        (workspace.shared_cache, "shared build envs and sdists"),
    ):
        size = folder_size(folder)
        shutil.rmtree(folder, ignore_errors=True)
        session.log(f"removed {folder} ({what}): {size / 1e6:.1f} MB")
    cache = ccache_dir()
    if cache is not None and cache.is_dir():
        # ccache's store is the user's, shared with every other project: reported, not removed.
        session.log(f"left alone: ccache's store {cache}: {folder_size(cache) / 1e6:.1f} MB (`ccache -C` empties it)")


def folder_size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total
