#!/usr/bin/env python3
"""Simulate nightly CI's caches here: how much compile work do shared caches save?

Usage: python scripts/simulate_nightly.py [--cells A,B,…] [--target T] [--out FILE]

Each cell runs as one CI job would: in a fresh clone of this repository at one fixed path
(a runner's workspace path is the same for every job), starting from nothing but the
cache entries the workflow would restore, applying ``actions/cache`` semantics to the
keys in ``.github/workflows/nightly.yml``:

- a job restores the entry whose key equals its key; otherwise, for each restore-key in
  order, the newest entry whose key starts with it;
- a job that did not hit its key exactly saves its paths under its key when it ends.

Jobs run one after another, as a queue on a few runners does. The same cells are then run
again each from empty caches (the cibuildwheel-like baseline). Printed: compile time (the
build stage) and ccache hits, both ways, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CELLS = ("build-3.12-openblas", "build-3.12-openblas64", "build-3.12-netlib", "build-3.12-blis",
                 "build-3.12-mkl", "build-3.12-openblas-split")
SHARED_PATHS = (".cache/mesonmatrix", ".cache/ccache")  # the workflow's shared entry
CELL_PATHS = (".matrix/build", ".matrix/wheels", ".matrix/repaired")  # the workflow's per-cell entry


@dataclass
class CacheStore:
    """actions/cache, on disk: entries by key, each remembering when it was saved."""

    root: Path
    saved: list[str] = field(default_factory=list)  # keys, oldest first

    def restore(self, key: str, restore_keys: list[str], workspace: Path) -> str | None:
        hit = key if key in self.saved else None
        for prefix in restore_keys if hit is None else ():
            hit = next((k for k in reversed(self.saved) if k.startswith(prefix)), None)
            if hit:
                break
        if hit:
            shutil.copytree(self.root / hit, workspace, symlinks=True, dirs_exist_ok=True)
        return hit

    def save(self, key: str, paths: tuple[str, ...], workspace: Path) -> None:
        if key in self.saved:
            return  # an entry is immutable once saved
        entry = self.root / key
        for relative in paths:
            if (workspace / relative).exists():
                shutil.copytree(workspace / relative, entry / relative, symlinks=True)
        self.saved.append(key)


@dataclass(frozen=True)
class JobResult:
    session: str
    build_seconds: float
    hits: int
    misses: int
    restored: tuple[str | None, str | None]

    def describe(self, caches: str) -> str:
        restored = f"; restored {self.restored[0] or '-'}" if caches == "shared" else ""
        return (f"  {caches + ' caches':14} {self.session:32} build {self.build_seconds:6.1f} s, ccache {self.hits} "
                f"hits, {self.misses} misses{restored}")


def _keys(session: str, python: str, target: str, run_id: str) -> tuple[str, list[str], str, list[str]]:
    """The workflow's keys for one job (platform linux-x86_64; hashFiles as one constant)."""
    shared = f"shared-linux-x86_64-py{python}-{target}"
    cell = f"cell-{session}-{target}-"
    return f"{shared}-{session}-{run_id}", [f"{shared}-{session}-", f"{shared}-"], f"{cell}inputs", [cell]


def _clone(workspace: Path) -> None:
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(workspace)], check=True)
    # Uncommitted work of this checkout goes along, as CI would have it committed.
    diff = subprocess.run(["git", "diff", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    if diff:
        subprocess.run(["git", "apply"], cwd=workspace, input=diff, check=True)


def run_job(session: str, target: str, workspace: Path, store: CacheStore | None, run_id: str) -> JobResult:
    _clone(workspace)
    python = session.split("-")[1]
    shared_key, shared_restore, cell_key, cell_restore = _keys(session, python, target, run_id)
    restored = (
        (store.restore(shared_key, shared_restore, workspace), store.restore(cell_key, cell_restore, workspace))
        if store
        else (None, None)
    )
    env = dict(
        os.environ,
        MESONMATRIX_HOME=str(workspace / ".matrix"),
        MESONMATRIX_CACHE=str(workspace / ".cache" / "mesonmatrix"),
        CCACHE_DIR=str(workspace / ".cache" / "ccache"),
        CCACHE_BASEDIR=str(workspace),
        UV_PYTHON_DOWNLOADS="never",
    )
    args = ["--target", target] if target != "demo" else []
    subprocess.run(
        [sys.executable, "-m", "nox", "-s", session, "--", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
    )
    record = json.loads(next((workspace / ".matrix" / "results").rglob(f"{session}/result.json")).read_text())
    if store:
        store.save(shared_key, SHARED_PATHS, workspace)
        store.save(cell_key, CELL_PATHS, workspace)
    cache = record.get("compiler_cache") or {}
    return JobResult(
        session=session,
        build_seconds=float(record["durations"].get("build", 0.0)),
        hits=int(cache.get("hits", 0)),
        misses=int(cache.get("misses", 0)),
        restored=restored,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cells", default=",".join(DEFAULT_CELLS))
    parser.add_argument("--target", default="demo")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    cells = [c for c in args.cells.split(",") if c]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-nightly-") as scratch:
        workspace, store = Path(scratch) / "work", CacheStore(Path(scratch) / "cache-store")
        passes: dict[str, list[JobResult]] = {}
        for label, caches in (("shared", store), ("empty", None)):
            passes[label] = [run_job(c, args.target, workspace, caches, run_id="1") for c in cells]
            for job in passes[label]:
                print(job.describe(label), flush=True)
    shared, alone = passes["shared"], passes["empty"]
    with_cache = sum(j.build_seconds for j in shared)
    without = sum(j.build_seconds for j in alone)
    compiled = (sum(j.misses for j in shared), sum(j.misses for j in alone))
    figures = {
        "cells": cells,
        "target": args.target,
        "build_seconds_shared": round(with_cache, 1),
        "build_seconds_empty": round(without, 1),
        "ratio": round(with_cache / without, 3) if without else None,
        "objects_compiled_shared": compiled[0],
        "objects_compiled_empty": compiled[1],
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    print(
        f"simulated nightly, {len(cells)} cells of {args.target}: compile (build stage) {with_cache:.1f} s with the "
        f"shared caches vs {without:.1f} s from empty caches: ratio {figures['ratio']}; objects compiled "
        f"{compiled[0]} vs {compiled[1]}"
    )
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
