"""ccache, used when it is installed: what a cell's compile took from it.

Meson puts ccache in front of the C, C++ and Fortran compilers by itself when ccache is
on PATH and CC/CXX/FC are not set, so the tool does not wrap compilers. It gives each
build a stats log of its own (``CCACHE_STATSLOG``) and reads the hits and misses of that
build alone from it; the global counters would mix in every other build on the machine.
The cache itself is the user's (``CCACHE_DIR``, by default ``~/.cache/ccache``).

A second BLAS flavour of the same target configures a new build dir beside the first;
with sources and include folders relative to it (``ccache_env``), every object whose
preprocessed source does not change with the BLAS is a hit.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .commands import probe


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    uncached: int  # calls ccache could not cache (linking, configure checks, …)

    @property
    def hit_rate(self) -> float:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else 0.0


def ccache_on_path(path: str | None = None) -> str | None:
    return shutil.which("ccache", path=path)


def ccache_env(stats_log: Path, build_root: Path) -> dict[str, str]:
    """A stats log for this build alone, and ``base_dir`` at the folder of all build dirs.

    NumPy passes its generated ``meson_cpu`` folder as an absolute ``-I`` inside the build
    dir, so every object's preprocessed source names that build dir and a second
    flavour's build dir missed on everything (27 hits of 208). With ``base_dir`` ccache
    rewrites such paths relative to the build dir, and sibling build dirs hash alike.
    A ``CCACHE_BASEDIR`` the user set is left as it is.
    """
    env = {"CCACHE_STATSLOG": str(stats_log)}
    if not os.environ.get("CCACHE_BASEDIR"):
        env["CCACHE_BASEDIR"] = str(build_root)
    return env


def read_stats_log(stats_log: Path) -> CacheStats:
    """Count one result per compiler call in a ccache stats log (``# <source>`` then counters)."""
    hits = misses = uncached = 0
    try:
        text = stats_log.read_text(errors="replace")
    except OSError:
        return CacheStats(0, 0, 0)
    for block in text.split("\n# "):
        counters = set(block.splitlines()[1:]) if block.strip() else set()
        if not counters:
            continue
        if counters & {"direct_cache_hit", "preprocessed_cache_hit"}:
            hits += 1
        elif "cache_miss" in counters:
            misses += 1
        else:
            uncached += 1
    return CacheStats(hits, misses, uncached)


def build_dir_uses_ccache(build_dir: Path) -> bool:
    """Whether meson configured any compiler of this build dir behind ccache."""
    try:
        compilers = json.loads((build_dir / "meson-info" / "intro-compilers.json").read_text())
    except (OSError, ValueError):
        return False
    return any(os.path.basename(str((info.get("exelist") or [""])[0])) == "ccache"
               for machine in compilers.values() for info in machine.values())


def ccache_dir() -> Path | None:
    """Where ccache keeps its objects (``ccache -k cache_dir``), or None without ccache."""
    ccache = ccache_on_path()
    if ccache is None:
        return None
    out = probe([ccache, "-k", "cache_dir"])
    return Path(out.stdout.strip()) if out is not None and out.returncode == 0 and out.stdout.strip() else None
