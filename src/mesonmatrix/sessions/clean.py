"""``nox -s clean``: remove what the tool made, and nothing else, saying how much space it held."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import nox

from ..machine.cachedir import CACHE_KEPT
from ..machine.ccache import ccache_dir
from ..machine.commands import probe
from ..machine.eviction import UNUSED_DAYS, evict_unused_envs, evict_unused_sources
from ..machine.locking import held_locks
from ..machine.ownership import Cleanup, folder_size, plan_cleanup
from ..machine.uv import uv_binary, uv_cache_dir
from ..machine.workspace import WORKSPACE_KEPT, Workspace

# How many of the entries left in a folder are named.
_NAMED = 8


def parser() -> argparse.ArgumentParser:
    """The session's options after ``--`` (the sessions reference is made from them too)."""
    options = argparse.ArgumentParser(prog="nox -s clean --", description="Remove what the tool wrote.")
    options.add_argument("--shared-cache", action="store_true",
                         help="also remove the shared cache (build envs, sdists) that every checkout on this "
                              "machine uses")
    options.add_argument("--prune", action="store_true",
                         help=f"remove only the shared cache's build envs and unpacked sdists that no cell used for "
                              f"{UNUSED_DAYS:g} days, and run `uv cache prune`; the workspace is kept")
    return options


def clean_session(session: nox.Session, project_root: Path) -> None:
    """Remove what the tool made in the workspace (and, with ``--shared-cache``, in the cache
    every checkout on this machine shares), and nothing else: not the folder
    ``MESONMATRIX_HOME`` or ``MESONMATRIX_CACHE`` names unless the tool made it, nor anything
    in it the tool did not make. Refuse while a cell, a build or a verify uses either, naming who."""
    args = parser().parse_args(session.posargs)
    if args.prune:
        for line in prune(Workspace.locate(project_root).shared_cache):
            session.log(line)
        return
    workspace = Workspace.locate(project_root)  # never made by clean
    # Only where the tool puts them by default may folders from before markers be taken
    # for the tool's: in a folder the user chose, a results/ or logs/ may be the user's.
    plans = [(plan_cleanup(workspace.root, WORKSPACE_KEPT, default_place=not os.environ.get("MESONMATRIX_HOME")),
              "build dirs, wheels, results")]
    if args.shared_cache:
        plans.append((plan_cleanup(workspace.shared_cache, CACHE_KEPT,
                                   default_place=not os.environ.get("MESONMATRIX_CACHE")),
                      "shared build envs and sdists"))
    busy = [(lock, holder) for plan, _ in plans for path in plan.remove for lock, holder in held_locks(path)]
    if busy:
        lock, holder = busy[0]
        session.error(f"not cleaning: {lock.with_suffix('')} is in use by {holder} (a cell, a build or a verify "
                      f"is running); {len(busy)} lock(s) held in all. Run clean when it has finished")
    for plan, what in plans:
        for line in remove(plan, what):
            session.log(line)
    if not args.shared_cache:
        session.log(f"kept the shared cache {workspace.shared_cache}: {sizes(workspace.shared_cache)} (other "
                    "checkouts use it; `nox -s clean -- --prune` removes what no cell used for "
                    f"{UNUSED_DAYS:g} days, `--shared-cache` all of it)")
    for line in other_caches():
        session.log(line)


def sizes(folder: Path) -> str:
    """``folder``'s size and that of each folder in it, largest first."""
    parts = sorted(((folder_size(p), p.name) for p in folder.iterdir()), reverse=True) if folder.is_dir() else []
    shown = ", ".join(f"{name} {size / 1e6:.1f}" for size, name in parts if size >= 100_000)
    return f"{sum(size for size, _ in parts) / 1e6:.1f} MB" + (f" ({shown})" if shown else "")


def other_caches() -> list[str]:
    """uv's and ccache's stores, which are the user's, shared with every other project:
    reported, never removed."""
    said = []
    uv = uv_cache_dir()
    if uv is not None and uv.is_dir():
        said.append(f"left alone: uv's cache {uv}: {folder_size(uv) / 1e6:.1f} MB (`uv cache prune` removes what "
                    "no package uses, `uv cache clean` all of it)")
    cache = ccache_dir()
    if cache is not None and cache.is_dir():
        said.append(f"left alone: ccache's store {cache}: {folder_size(cache) / 1e6:.1f} MB (`ccache -C` empties it)")
    return said


def prune(cache: Path) -> list[str]:
    """What no cell used for a month, out of the shared cache; uv prunes its own."""
    gone = [*evict_unused_envs(cache), *evict_unused_sources(cache)]
    said = [f"removed {path} (unused for {UNUSED_DAYS:g} days): {size / 1e6:.1f} MB" for path, size in gone]
    said.append(f"the shared cache {cache}: {sizes(cache)}" if cache.is_dir() else f"no shared cache at {cache}")
    uv = uv_cache_dir()
    if uv is not None and uv.is_dir():
        before = folder_size(uv)
        out = probe([uv_binary(), "cache", "prune"], timeout=600)
        result = "done" if out is not None and out.returncode == 0 else "failed"
        said.append(f"`uv cache prune` {result}: uv's cache {uv} went from {before / 1e6:.1f} to "
                    f"{folder_size(uv) / 1e6:.1f} MB")
    return said


def remove(plan: Cleanup, what: str) -> list[str]:
    """Remove what ``plan`` says is the tool's; return what to tell the user."""
    root = plan.root
    size = sum(folder_size(path) for path in plan.remove)
    names = ", ".join(p.name + ("/" if p.is_dir() and not p.is_symlink() else "") for p in plan.remove)
    for path in plan.remove:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if plan.remove_root:
        shutil.rmtree(root, ignore_errors=True)
        return [f"removed {root} ({what}): {size / 1e6:.1f} MB"]
    said = []
    if plan.remove:
        said.append(f"removed from {root} ({what}): {names}: {size / 1e6:.1f} MB")
    if plan.left:
        more = f", and {len(plan.left) - _NAMED} more" if len(plan.left) > _NAMED else ""
        said.append(f"left in {root}: {', '.join(plan.left[:_NAMED])}{more}")
    if root.is_dir() and not plan.root_owned:
        said.append(f"kept {root} itself: the tool did not make it (or made it before it marked what it makes)"
                    + ("" if plan.remove else "; nothing in it is the tool's"))
    return said or [f"nothing to remove: there is no {root}"]
