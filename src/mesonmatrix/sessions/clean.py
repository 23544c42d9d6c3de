"""``nox -s clean``: remove what the tool wrote, saying how much space it held."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import nox

from ..machine.ccache import ccache_dir
from ..machine.locking import held_locks
from ..machine.workspace import Workspace


def clean_session(session: nox.Session, project_root: Path) -> None:
    """Remove the workspace (and, with ``--shared-cache``, the cache every checkout on this
    machine shares); refuse while a cell or a build uses either, naming who."""
    parser = argparse.ArgumentParser(prog="nox -s clean --", description="Remove what the tool wrote.")
    parser.add_argument("--shared-cache", action="store_true",
                        help="also remove the shared cache (build envs, sdists) that every checkout on this "
                             "machine uses")
    args = parser.parse_args(session.posargs)
    workspace = Workspace.default(project_root)
    folders = [(workspace.root, "build dirs, wheels, results")]
    if args.shared_cache:
        folders.append((workspace.shared_cache, "shared build envs and sdists"))
    busy = [(lock, holder) for folder, _ in folders for lock, holder in held_locks(folder)]
    if busy:
        lock, holder = busy[0]
        session.error(f"not cleaning: {lock.with_suffix('')} is in use by {holder} (a cell or build is running); "
                      f"{len(busy)} lock(s) held in all. Run clean when it has finished")
    for folder, what in folders:
        size = folder_size(folder)
        shutil.rmtree(folder, ignore_errors=True)
        session.log(f"removed {folder} ({what}): {size / 1e6:.1f} MB")
    if not args.shared_cache:
        session.log(f"kept the shared cache {workspace.shared_cache} (other checkouts use it; "
                    "`nox -s clean -- --shared-cache` removes it too)")
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
