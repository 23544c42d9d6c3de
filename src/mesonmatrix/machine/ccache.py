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
import re
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .commands import probe


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    uncached: int  # calls ccache could not cache (linking, configure checks, …)
    remote_hits: int = 0  # of the hits, those the remote storage served
    remote_errors: int = 0  # calls for which the remote storage failed or timed out

    @property
    def hit_rate(self) -> float:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else 0.0

    @property
    def local_hits(self) -> int:
        return self.hits - self.remote_hits


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


# ccache 4.x's stats log names, for each call, the counters it raised (ccache's
# src/core/Statistic.hpp): a hit from the remote raises remote_storage_hit and not
# local_storage_hit; a remote that cannot be reached, remote_storage_error or _timeout.
_HITS = {"direct_cache_hit", "preprocessed_cache_hit"}
_REMOTE_FAILED = {"remote_storage_error", "remote_storage_timeout"}


def read_stats_log(stats_log: Path) -> CacheStats:
    """Count one result per compiler call in a ccache stats log (``# <source>`` then counters)."""
    hits = misses = uncached = remote_hits = remote_errors = 0
    try:
        text = stats_log.read_text(errors="replace")
    except OSError:
        return CacheStats(0, 0, 0)
    for block in text.split("\n# "):
        counters = set(block.splitlines()[1:]) if block.strip() else set()
        if not counters:
            continue
        remote_errors += bool(counters & _REMOTE_FAILED)
        if counters & _HITS:
            hits += 1
            remote_hits += "remote_storage_hit" in counters and "local_storage_hit" not in counters
        elif "cache_miss" in counters:
            misses += 1
        else:
            uncached += 1
    return CacheStats(hits, misses, uncached, remote_hits, remote_errors)


def remote_storage(env: Mapping[str, str] | None = None) -> str | None:
    """ccache's remote storage as ccache would use it (``CCACHE_REMOTE_STORAGE``, else its
    configuration file), or None: none, or no ccache."""
    ccache = ccache_on_path(None if env is None else env.get("PATH"))
    if ccache is None:
        return None
    out = probe([ccache, "-k", "remote_storage"], env=env)
    value = out.stdout.strip() if out is not None and out.returncode == 0 else ""
    return value or None


def redacted(remote: str) -> str:
    """``remote`` fit for a record or a log: passwords and tokens left out (a URL's
    ``user:password@``, a ``|password=`` or ``|bearer-token=`` attribute)."""
    remote = re.sub(r"(://[^:/@\s|]*:)[^@\s|]+@", r"\1***@", remote)
    return re.sub(r"(\|[\w-]*(?:password|token)[\w-]*=)[^|\s]*", r"\1***", remote)


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


def check_remote(remote: str, compiler: str = "cc") -> tuple[bool, str]:
    """Whether ccache can use ``remote``, and what was seen, in a few words. ccache has no
    command that asks its remote storage anything, so this is two compiles of one tiny new
    file through ccache, each with an empty local cache of its own: the second is served
    by the remote, or the remote does not work (or is read-only, which is said)."""
    ccache = ccache_on_path()
    if ccache is None:
        return False, "ccache is not installed"
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-ccache-") as tmp:
        folder = Path(tmp)
        source = folder / "probe.c"
        source.write_text(f"int mesonmatrix_remote_probe_{uuid.uuid4().hex}(void) {{ return 0; }}\n")
        seen: list[set[str]] = []
        for turn in ("store", "read"):
            env = {**os.environ, "CCACHE_DIR": str(folder / turn), "CCACHE_STATSLOG": str(folder / f"{turn}.log"),
                   "CCACHE_REMOTE_STORAGE": remote}
            out = probe([ccache, compiler, "-c", str(source), "-o", str(folder / f"{turn}.o")], env=env, timeout=120)
            if out is None or out.returncode != 0:
                return False, f"the probe's compile through ccache failed: run `ccache {compiler} --version`"
            seen.append(set((folder / f"{turn}.log").read_text(errors="replace").split()))
    failed = sorted(set().union(*seen) & _REMOTE_FAILED)
    if failed:
        return False, f"ccache could not use it ({', '.join(failed)})"
    if "remote_storage_hit" in seen[1]:
        return True, "a compile stored there was read back"
    if "remote_storage_write" not in seen[0] and "remote_storage_miss" in seen[0]:
        return True, "reachable, read-only (nothing was stored)"
    return False, "a compile stored there was not read back"
