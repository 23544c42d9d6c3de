#!/usr/bin/env python3
"""Benchmarks for the matrix's costs, printed as ratios measured in one run.

Usage: python scripts/bench.py [--target demo|numpy|PATH] [--only warm,tag-sets,ccache,overhead,venv] [--out FILE]
       python scripts/bench.py --matrix [--target T] [--python 3.12 …] [--suite S] [--sample N]
       python scripts/bench.py --across-pythons [--target scipy] [--python 3.12 --python 3.13] [--suite S]
       python scripts/bench.py --summarize .matrix/bench/matrix-scipy.cells.jsonl [--target scipy]

Each figure runs real cells through nox in a fresh workspace, so timings are comparable
within one run only (this machine is shared and noisy; compare ratios, not seconds):
  warm/cold      build stage of an unchanged cell's second run vs its cold run
  tag sets       full + runtime + split cells of one combination vs one cold full cell
  overhead       a cold cell vs the same commands typed by hand (build, repair, venv, pytest)
  ccache         a second BLAS flavour's first build (started from the first's build dir,
                 warm ccache) vs the cold build
  uv vs venv     a fresh test venv with uv vs python -m venv + pip

--matrix runs every Linux wheel cell of the default matrix for the target (or the chosen
Pythons) in one fresh workspace with empty caches (build envs, ccache), and prints the
total wall time, the time per stage summed over the cells, and two ratios measured in the
same run:
  vs from scratch  the matrix against every cell run the cibuildwheel way, each from
                   nothing (a sample of cells, each in its own empty workspace and caches,
                   scaled to the matrix's cell count)
  vs the floor     the matrix against what it cannot avoid: one cold compile per Python
                   (the build stage of its first cell), each later flavour's BLAS-touching
                   objects (the compiles ccache missed, timed by ninja's log, summed over
                   the steps ninja runs at once), and every cell's repairs and tests; also
                   per Python

--across-pythons builds one flavour on two Pythons (default 3.12, then 3.13) in one fresh
workspace sharing one empty ccache, and prints the second build stage against the first,
the second's ccache hits and misses, and the first (cold) build's compile time split by
whether an object sees Python's or NumPy's headers: the part no cache shared between
Pythons can serve.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _with_the_tools_requirements() -> None:
    """Run on an interpreter that has what the tool and nox need. ``python3`` may be a bare
    pyenv Python (acceptance selects 3.12.1 first, which a fresh machine has nothing in):
    then the first of the machine's Pythons that has them runs this script instead."""
    needed = ("nox", "packaging", "elftools", "tomlkit")
    if all(importlib.util.find_spec(name) is not None for name in needed):
        return
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which("python3.11"), shutil.which("python3"), *sorted(map(str, pyenv.glob("*/bin/python3")))]
    check = f"import {', '.join(needed)}"
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", check], capture_output=True).returncode == 0:
            print(f"bench: {sys.executable} lacks {', '.join(needed)}; running on {candidate}", file=sys.stderr)
            os.execv(candidate, [candidate, __file__, *sys.argv[1:]])
    sys.exit(f"bench: no Python here has {', '.join(needed)}: run `{sys.executable} -m pip install -e {ROOT}`")


_with_the_tools_requirements()

from mesonmatrix.config.matrixfile import load_matrices  # noqa: E402
from mesonmatrix.machine.ccache import ccache_on_path  # noqa: E402
from mesonmatrix.machine.pythons import find_python  # noqa: E402
from mesonmatrix.machine.uv import uv_binary  # noqa: E402
from mesonmatrix.machine.workspace import Workspace  # noqa: E402
from mesonmatrix.targets.resolve import resolve_target  # noqa: E402
from mesonmatrix.targets.target import Target  # noqa: E402

Record = dict[str, Any]  # a result record as JSON, plus the cell's wall time under "wall"
DEFAULT_TARGET = "demo"


def run_cell(home: Path, session: str, target: str) -> Record:
    env = dict(os.environ, MESONMATRIX_HOME=str(home), UV_PYTHON_DOWNLOADS="never")
    print(f"... {session} --target {target}", flush=True)
    args = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", session, "--", "--target", target]
    start = time.monotonic()
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    results = sorted((home / "results").glob(f"*/{session}/result.json"))
    if proc.returncode != 0 or not results:
        sys.exit(f"{session} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    record: Record = json.loads(results[0].read_text())
    record["wall"] = wall
    return record


def timed(argv: list[str], ok_codes: tuple[int, ...] = (0,), **kwargs: Any) -> float:
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, **kwargs)
    if proc.returncode not in ok_codes:
        sys.exit(f"{' '.join(argv[:4])} … exited {proc.returncode}:\n{proc.stdout[-2000:]!r}\n{proc.stderr[-2000:]!r}")
    return time.monotonic() - start


def by_hand(record: Record, target: Target, work: Path) -> float:
    """The cell's own commands, typed by hand: build (fresh build dir), repair, venv, install, pytest."""
    build_env = Path(record["build_env"])
    bin_dir = build_env / "bin"
    env = dict(
        os.environ,
        UV_PYTHON_DOWNLOADS="never",
        SOURCE_DATE_EPOCH=str(record["source_date_epoch"]),
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        PKG_CONFIG_PATH=str(Workspace(ROOT, cache=build_env.parent.parent).pkg_config_dir(build_env, record["blas"])),
    )
    total = timed(
        [
            str(bin_dir / "python"),
            "-m",
            "build",
            "-wnx",
            f"-Cbuild-dir={work / 'bd'}",
            "--outdir",
            str(work / "dist"),
            *[f"-Csetup-args={a}" for a in record["setup_args"]],
            str(target.source_dir),
        ],
        env=env,
    )
    wheel = next((work / "dist").glob("*.whl"))
    total += timed([str(bin_dir / "auditwheel"), "repair", "-w", str(work / "repaired"), str(wheel)], env=env)
    uv = uv_binary()
    total += timed([uv, "venv", "--python", str(find_python(record["python"])), str(work / "venv")], env=env)
    total += timed(
        [
            uv,
            "pip",
            "install",
            "--python",
            str(work / "venv" / "bin" / "python"),
            *map(str, (work / "repaired").glob("*.whl")),
            *target.test_requires,
        ],
        env=env,
    )
    test_env = dict(env, PATH=f"{work / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    total += timed(
        [
            str(work / "venv" / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--pyargs",
            *target.suite_args(record["tests"]["suite"]),
        ],
        cwd=tempfile.gettempdir(),
        env=test_env,
        ok_codes=(0, 1),
    )
    return total


def venv_comparison(record: Record, work: Path) -> tuple[float, float]:
    python = str(find_python(record["python"]))
    wheels = [w["path"] for w in record["wheels"]]
    uv = uv_binary()
    t_uv = timed([uv, "venv", "--python", python, str(work / "uv")]) + timed(
        [uv, "pip", "install", "--python", str(work / "uv" / "bin" / "python"), *wheels, "pytest"]
    )
    t_pip = timed([python, "-m", "venv", str(work / "pip")]) + timed(
        [str(work / "pip" / "bin" / "python"), "-m", "pip", "install", "-q", *wheels, "pytest"]
    )
    return t_uv, t_pip


def warm_rebuild(*, cold: Record, home: Path, args: argparse.Namespace, **_: object) -> dict[str, object]:
    warm = run_cell(home, "build-3.12-openblas", args.target)
    return {
        "warm_build_s": warm["durations"]["build"],
        "warm_over_cold_build": warm["durations"]["build"] / cold["durations"]["build"],
    }


def tag_sets(*, cold: Record, home: Path, args: argparse.Namespace, **_: object) -> dict[str, object]:
    runtime = run_cell(home, "build-3.12-openblas-runtime", args.target)
    split = run_cell(home, "build-3.12-openblas-split", args.target)
    cells = (cold, runtime, split)
    return {
        "tag_sets_build_over_cold_full_build": sum(c["durations"]["build"] for c in cells) / cold["durations"]["build"],
        "tag_sets_total_over_cold_full_total": sum(c["durations"]["total"] for c in cells) / cold["durations"]["total"],
    }


def compiler_cache(*, cold: Record, home: Path, args: argparse.Namespace, **_: object) -> dict[str, object]:
    """The second BLAS flavour's first build against the cold one, which filled this run's
    empty CCACHE_DIR."""
    if not ccache_on_path():
        return {"second_flavour_over_cold_build_with_ccache": "ccache not installed"}
    second = run_cell(home, "build-3.12-openblas64", args.target)
    return {
        "second_flavour_build_s": second["durations"]["build"],
        "second_flavour_over_cold_build_with_ccache": second["durations"]["build"] / cold["durations"]["build"],
        "second_flavour_ccache": second.get("compiler_cache"),
    }


def overhead(*, cold: Record, tmp: Path, args: argparse.Namespace, **_: object) -> dict[str, object]:
    """Alternate tool and hand runs, each from a fresh build dir, and compare medians: one
    run of a 5-second cell is at the mercy of whatever else this machine does. Both sides
    compile everything (ccache off): with it this would only measure its hit rate."""
    os.environ["CCACHE_DISABLE"] = "1"
    try:
        target = resolve_target(
            args.target, load_matrices(ROOT / "matrices", ROOT).presets, Workspace.default(ROOT).shared_cache
        )
        repeat = args.repeat if args.repeat is not None else (3 if args.target == "demo" else 1)
        tool_cell, tool_wall, hand = [], [], []
        for i in range(repeat):
            tool = run_cell(tmp / f"tool-home-{i}", "build-3.12-openblas", args.target)
            tool_cell.append(tool["durations"]["total"])
            tool_wall.append(tool["wall"])
            print(f"... the same commands by hand ({i + 1}/{repeat})", flush=True)
            hand.append(by_hand(cold, target, tmp / f"hand-{i}"))
    finally:
        del os.environ["CCACHE_DISABLE"]
    figures: dict[str, object] = {
        "tool_cold_cell_s": statistics.median(tool_cell),
        "tool_cold_cell_with_nox_startup_s": statistics.median(tool_wall),
        "hand_typed_s": statistics.median(hand),
    }
    figures["tool_over_hand"] = statistics.median(tool_cell) / statistics.median(hand)
    figures["tool_with_nox_startup_over_hand"] = statistics.median(tool_wall) / statistics.median(hand)
    return figures


def venvs(*, cold: Record, tmp: Path, **_: object) -> dict[str, object]:
    t_uv, t_pip = venv_comparison(cold, tmp / "venvs")
    return {"uv_venv_s": t_uv, "pip_venv_s": t_pip, "uv_over_pip_venv": t_uv / t_pip}


MEASURES: dict[str, Callable[..., dict[str, object]]] = {
    "warm": warm_rebuild,
    "tag-sets": tag_sets,
    "ccache": compiler_cache,
    "overhead": overhead,
    "venv": venvs,
}


STAGE_NAMES = ("build_env", "build", "repair", "test_env", "test")


def _isolated(home: Path) -> dict[str, str]:
    """Environment for a workspace with its own, empty, caches."""
    return {"MESONMATRIX_HOME": str(home), "MESONMATRIX_CACHE": str(home / "cache"),
            "CCACHE_DIR": str(home / "ccache")}


def _matrix_cell(home: Path, session: str, args: argparse.Namespace) -> Record:
    saved = {k: os.environ.get(k) for k in ("MESONMATRIX_CACHE", "CCACHE_DIR")}
    os.environ.update({k: v for k, v in _isolated(home).items() if k != "MESONMATRIX_HOME"})
    try:
        extra = ["--suite", args.suite] if args.suite else []
        env = dict(os.environ, MESONMATRIX_HOME=str(home), UV_PYTHON_DOWNLOADS="never")
        start = time.monotonic()
        print(f"... {session} --target {args.target} {' '.join(extra)}", flush=True)
        proc = subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", session, "--",
                               "--target", args.target, *extra], cwd=ROOT, env=env, capture_output=True, text=True)
        results = sorted((home / "results").glob(f"*/{session}/result.json"))
        if not results:
            sys.exit(f"{session} wrote no record:\n{proc.stdout[-3000:]}")
        record: Record = json.loads(results[0].read_text())
        record["wall"] = time.monotonic() - start
        return record
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def matrix_cells(args: argparse.Namespace) -> list[str]:
    matrices = load_matrices(ROOT / "matrices", ROOT)
    wanted = list(args.python or ())
    cells = [c for c in matrices.matrix.cells
             if c.platform == "linux-x86_64" and c.kind == "build" and c.package == "wheel"
             and str(c.matrix_file).endswith("default.toml") and (not wanted or c.python in wanted)]
    # In the order the Pythons were given: `--python 3.12 --python 3.13` builds 3.12's cells
    # from cold first, then 3.13's with the ccache 3.12 filled.
    return [c.session_name for c in sorted(cells, key=lambda c: wanted.index(c.python) if wanted else 0)]


def _ninja_steps(build_dir: Path) -> dict[str, float]:
    """Seconds per output of the build dir's last ninja run (its own log, newest entry wins)."""
    steps: dict[str, float] = {}
    for line in (build_dir / ".ninja_log").read_text().splitlines()[1:]:
        start, end, _, output, _ = line.split("\t")
        steps[output] = (int(end) - int(start)) / 1000
    return steps


def _missed_compile_s(record: Record) -> float:
    """A later flavour's unavoidable compile: the objects ccache missed (those the BLAS
    touches), timed by ninja, as the wall time they took together."""
    build_dir, stats = Path(record["build_dir"]), Path(record["log"]).with_name("ccache-stats.log")
    if not stats.is_file():
        return 0.0  # ninja ran no compile at all (a seeded build dir that only relinked)
    entries: dict[str, list[bool]] = {}
    for block in stats.read_text(errors="replace").split("# ")[1:]:
        source, *counters = block.splitlines()
        entries.setdefault(source.strip(), []).append("cache_miss" in counters)
    steps = _ninja_steps(build_dir)
    missed: list[float] = []
    for command in json.loads((build_dir / "compile_commands.json").read_text()):
        outcomes = entries.get(command["file"], [])
        if outcomes and command["output"] in steps:
            # One source compiled for several targets: its share of misses.
            missed.append(steps[command["output"]] * sum(outcomes) / len(outcomes))
    return max(sum(missed) / _ninja_jobs(), max(missed, default=0.0))


def _ninja_jobs() -> int:
    """How many steps ninja runs at once: meson-python passes no -j, so ninja's default
    (GuessParallelism in ninja's src/ninja.cc: 2 for one core, 3 for two, cores + 2
    beyond). Each step's logged time is wall time shared with the others, so the steps'
    sum over this, not over the cores, is the wall time they took (dividing by the cores
    overstated a big compile's misses by half on two cores)."""
    cores = os.cpu_count() or 1
    return 2 if cores <= 1 else 3 if cores == 2 else cores + 2


def matrix_floor(records: list[Record]) -> dict[str, float]:
    """Per Python: its first cell's build stage (the cold compile), each later flavour's
    missed objects, and every cell's repairs and tests."""
    floors: dict[str, float] = {}
    compiled: set[str] = set()
    for r in records:
        floor = r["durations"].get("repair", 0.0) + r["durations"].get("test", 0.0)
        if r["python"] not in compiled:
            floor += r["durations"].get("build", 0.0)
            compiled.add(r["python"])
        elif r.get("compiler_cache") and not r["build_reused"]:
            floor += r["missed_compile_s"]
        floors[r["python"]] = floors.get(r["python"], 0.0) + floor
    return floors


FORTRAN_SUFFIXES = (".f", ".f77", ".f90", ".f95", ".F", ".F90")


def _ninja_log_entries(home: Path) -> dict[str, set[str]]:
    """Each build dir's ninja log entries. Compared as sets, not by length: ninja rewrites a
    log that has grown to several entries per output (its "recompaction")."""
    return {str(log.parent): set(log.read_text().splitlines()[1:]) for log in (home / "build").glob("*/.ninja_log")}


def _build_evidence(record: Record, before: dict[str, set[str]]) -> dict[str, object]:
    """What this cell's build ran: ninja's steps (the entries its run added to the build dir's
    log; a new dir seeded from a sibling starts from the sibling's), the Fortran objects among
    them (ccache does not cache Fortran), ccache's misses, and how the repair was had."""
    evidence: dict[str, object] = {"ccache_misses": (record.get("compiler_cache") or {}).get("misses")}
    build_dir = str(record.get("build_dir"))
    log = Path(build_dir) / ".ninja_log"
    if record.get("build_dir") and log.is_file() and not record["build_reused"]:
        seed = str(Path(build_dir).with_name(record.get("build_seeded_from") or "-"))  # a sibling's name
        known = before.get(build_dir, before.get(seed, set()))
        steps = [line.split("\t") for line in log.read_text().splitlines()[1:] if line not in known]
        commands = json.loads((Path(build_dir) / "compile_commands.json").read_text())
        fortran = {c["output"] for c in commands if c["file"].endswith(FORTRAN_SUFFIXES)}
        timed = [(output, (int(end) - int(begin)) / 1000) for begin, end, _, output, _ in steps]
        fortran_steps = [seconds for output, seconds in timed if output in fortran]
        link_steps = [seconds for output, seconds in timed if _is_link(output)]
        evidence |= {"ninja_steps_run": len(steps), "ninja_step_s": round(sum(seconds for _, seconds in timed), 1),
                     "fortran_objects_compiled": len(fortran_steps), "fortran_step_s": round(sum(fortran_steps), 1),
                     "links_run": len(link_steps), "link_step_s": round(sum(link_steps), 1)}
    repair = record.get("repair") or {}
    evidence["repair_s"] = record["durations"].get("repair")
    evidence["repair"] = ("reused" if repair.get("reused") else
                          f"derived {','.join(repair['derived'])}" if repair.get("derived") else
                          "repaired" if repair else None)
    evidence["peak_rss_mb"] = record.get("peak_rss_mb", {})
    return evidence


def _is_link(output: str) -> bool:
    """A link step's output: an extension module or a library (a new flavour relinks every
    target given the BLAS dependency, which no cache serves)."""
    name = Path(output).name
    return name.endswith((".so", ".a", ".dylib", ".pyd", ".dll")) or ".so." in name


def _provide_system_libraries(target: str, prefix: Path) -> None:
    """The demo's `all` and `kahan` cells link a system kahan, which no distro ships: the
    copy the test suite builds (tests/syslib.py) is put on PKG_CONFIG_PATH, so those cells
    build, repair and test as on a machine that has it, instead of failing at once."""
    if target != "demo":
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from syslib import install_system_kahan  # type: ignore[import-not-found]

    pkgconfig = install_system_kahan(prefix)
    os.environ["PKG_CONFIG_PATH"] = os.pathsep.join(p for p in (str(pkgconfig), os.environ.get("PKG_CONFIG_PATH")) if p)


_PROGRESS_KEYS = ("session", "python", "status", "error", "wall", "durations", "build_reused", "build_seeded_from",
                  "compiler_cache", "missed_compile_s", "evidence")


def _run_matrix_cells(args: argparse.Namespace, home: Path, cells: list[str]) -> tuple[list[Record], float]:
    """Every cell in turn, each one's figures appended to a .jsonl beside --out as it ends
    (a long run's figures so far: `--summarize` reads them)."""
    progress = args.out.with_name(f"matrix-{args.target}.cells.jsonl")
    progress.parent.mkdir(parents=True, exist_ok=True)
    if progress.is_file() and progress.stat().st_size:
        progress.replace(progress.with_name(f"{progress.stem}.previous.jsonl"))  # an earlier run's, kept once
    progress.write_text("")
    start, records = time.monotonic(), []
    for session in cells:
        before = _ninja_log_entries(home)
        record = _matrix_cell(home, session, args)
        # Read now, while the build dir and its logs are as this cell left them.
        record["evidence"] = _build_evidence(record, before)
        record["missed_compile_s"] = _missed_compile_s(record) if record.get("compiler_cache") else 0.0
        records.append(record)
        with progress.open("a") as cells_file:
            cells_file.write(json.dumps({k: record.get(k) for k in _PROGRESS_KEYS}) + "\n")
    return records, time.monotonic() - start


def matrix_benchmark(args: argparse.Namespace) -> dict[str, object]:
    cells = matrix_cells(args)
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-bench-matrix-") as tmp:
        home = Path(tmp) / "matrix"
        _provide_system_libraries(args.target, Path(tmp) / "system")
        records, wall = _run_matrix_cells(args, home, cells)
        ran = [r for r in records if r["status"] != "skipped"]
        if args.sample:
            sample = [r["session"] for r in ran[:: max(1, len(ran) // args.sample)]][: args.sample]
            scratch = [_matrix_cell(Path(tmp) / f"scratch-{i}", s, args)["wall"] for i, s in enumerate(sample)]
        else:
            sample, scratch = [], []
    return summarize_matrix(args, records, wall, sample, scratch, cells=len(cells))


def summarize_matrix(args: argparse.Namespace, records: list[Record], wall: float, sample: list[str],
                     scratch: list[float], *, cells: int) -> dict[str, object]:
    """The matrix's figures from its cells' records. Without a separate from-scratch sample
    (--sample 0), the matrix's first cell is the sample: it ran as a cell from nothing
    does, in an empty workspace with empty caches."""
    ran = [r for r in records if r["status"] != "skipped"]
    if not ran:
        sys.exit("no cell ran (every one was skipped, or the run stopped during its first)")
    if not scratch:
        sample, scratch = [ran[0]["session"]], [ran[0]["wall"]]
    floors = matrix_floor(ran)
    stages = {k: round(sum(r["durations"].get(k, 0.0) for r in ran), 1) for k in STAGE_NAMES}
    floor, from_scratch = sum(floors.values()), statistics.mean(scratch) * len(ran)
    relinked = relinks(ran)
    return {
        "target": args.target, "suite": args.suite, "cells": cells, "cells_run": len(ran),
        "cells_failed": [r["session"] for r in ran if r["status"] != "passed"],
        "matrix_wall_s": round(wall, 1), "stage_seconds_summed": stages,
        "from_scratch_sample": sample, "from_scratch_cell_s_mean": round(statistics.mean(scratch), 1),
        "from_scratch_estimate_s": round(from_scratch, 1), "matrix_over_from_scratch": round(wall / from_scratch, 3),
        "floor_s": round(floor, 1), "matrix_over_floor": round(wall / floor, 3) if floor else None,
        # Not the goal's floor, beside it: the later builds' relinks counted as unavoidable
        # too (a new flavour relinks every target its BLAS flags reach; no cache serves links).
        "floor_with_relinks_s": round(floor + relinked, 1),
        "matrix_over_floor_with_relinks": round(wall / (floor + relinked), 3) if floor else None,
        "per_python": _per_python(ran, floors, statistics.mean(scratch)),
        # The tool's own share: outside any stage (nox start-up, planning, the record), and
        # the stages the floor does not count.
        "outside_stages_s": round(sum(r["wall"] - r["durations"].get("total", 0.0) for r in ran), 1),
        "peak_rss_mb_per_stage": _peaks(ran),
        "per_cell": [{"session": r["session"], "status": r["status"], "wall_s": round(r["wall"], 2),
                      "build": "reused" if r["build_reused"] else ("seeded" if r.get("build_seeded_from") else "built"),
                      "durations": r["durations"], "missed_compile_s": round(r.get("missed_compile_s", 0.0), 1),
                      **r["evidence"]} for r in ran],
    }


def relinks(records: list[Record]) -> float:
    """The link steps of every build after each Python's first, in wall time (summed over
    the steps ninja runs at once, as the floor's compiles are)."""
    first: set[str] = set()
    total = 0.0
    for r in records:
        if r["python"] not in first:
            first.add(r["python"])
        elif not r["build_reused"]:
            total += (r.get("evidence") or {}).get("link_step_s", 0.0) / _ninja_jobs()
    return total


def _per_python(ran: list[Record], floors: dict[str, float], scratch_mean: float) -> dict[str, object]:
    per_python: dict[str, object] = {}
    cold = ran[0]["durations"].get("build")
    for python, python_floor in floors.items():
        cells_wall = sum(r["wall"] for r in ran if r["python"] == python)
        count = sum(r["python"] == python for r in ran)
        first = next(r for r in ran if r["python"] == python)
        per_python[python] = {
            "cells": count, "wall_s": round(cells_wall, 1), "floor_s": round(python_floor, 1),
            "over_floor": round(cells_wall / python_floor, 3) if python_floor else None,
            "over_from_scratch": round(cells_wall / (scratch_mean * count), 3),
            # The Python's first build against the matrix's first (cold) one: 1.0 for the
            # first Python; later ones had its ccache.
            "first_build_s": first["durations"].get("build"),
            "first_build_over_cold": round(first["durations"].get("build", 0.0) / cold, 3) if cold else None,
            "first_build_ccache": first.get("compiler_cache"),
        }
    return per_python


def summarize_progress(args: argparse.Namespace) -> dict[str, object]:
    """`--summarize FILE.jsonl`: the figures of a run from its cells' progress file (a run
    stopped before its end, or one whose cells were run in turn with nothing between)."""
    records = [json.loads(line) for line in args.summarize.read_text().splitlines() if line.strip()]
    # The target is in the file's name (matrix-<target>.cells.jsonl) unless given.
    if args.target == DEFAULT_TARGET and args.summarize.name.startswith("matrix-"):
        args.target = args.summarize.name.removeprefix("matrix-").split(".cells", 1)[0]
    return summarize_matrix(args, records, sum(r["wall"] for r in records), [], [], cells=len(records))


def _peaks(records: list[Record]) -> dict[str, float]:
    """The largest resident set of one process in each stage, over the whole matrix."""
    peaks: dict[str, float] = {}
    for record in records:
        for stage, mb in record["evidence"].get("peak_rss_mb", {}).items():
            peaks[stage] = max(peaks.get(stage, 0.0), mb)
    return peaks


def _python_dependent(command: str, record: Record) -> bool:
    """Whether a compile command sees Python's headers (or NumPy's, installed per Python):
    such an object can never come from another Python's build."""
    include = Path(record["python_executable"]).resolve().parent.parent / "include"
    return f"-I{include}" in command or "/site-packages/numpy/" in command or "-I/usr/include/python3" in command


def _compile_split(record: Record) -> dict[str, float]:
    """The cold build's compile seconds (ninja's own step times, summed) split by whether
    the object sees Python: the most any cache shared between Pythons could save."""
    build_dir = Path(record["build_dir"])
    commands = {Path(c["output"]).as_posix(): c["command"]
                for c in json.loads((build_dir / "compile_commands.json").read_text())}
    steps = _ninja_steps(build_dir)
    split = {"python_dependent_s": 0.0, "python_independent_s": 0.0, "other_steps_s": 0.0,
             "python_dependent_objects": 0, "python_independent_objects": 0}
    for output, seconds in steps.items():
        if output not in commands:
            split["other_steps_s"] += seconds
        elif _python_dependent(commands[output], record):
            split["python_dependent_s"] += seconds
            split["python_dependent_objects"] += 1
        else:
            split["python_independent_s"] += seconds
            split["python_independent_objects"] += 1
    return {k: round(v, 1) for k, v in split.items()}


def across_pythons(args: argparse.Namespace) -> dict[str, object]:
    """The same flavour on two Pythons, one ccache: the second build against the cold first."""
    first, second = (args.python or ["3.12", "3.13"])[:2]
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-bench-pythons-") as tmp:
        home = Path(tmp) / "home"
        cold = _matrix_cell(home, f"build-{first}-openblas", args)
        warm = _matrix_cell(home, f"build-{second}-openblas", args)
        split = _compile_split(cold)
    for record in (cold, warm):
        if record["status"] != "passed":
            sys.exit(f"{record['session']}: {record['status']}: {record['error']}")
    cold_build, warm_build = cold["durations"]["build"], warm["durations"]["build"]
    independent = split["python_independent_s"] / max(1e-9, split["python_independent_s"]
                                                      + split["python_dependent_s"] + split["other_steps_s"])
    return {
        "target": args.target, "cold_python": first, "warm_python": second,
        "cold_build_s": round(cold_build, 1), "warm_build_s": round(warm_build, 1),
        "warm_over_cold_build": round(warm_build / cold_build, 3),
        "warm_ccache": warm.get("compiler_cache"), "cold_ninja_steps": split,
        "python_independent_share_of_cold_step_time": round(independent, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--target", default=DEFAULT_TARGET)
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of the tool-vs-hand comparison, median kept (default: 3 for the demo, 1 otherwise)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".matrix" / "bench" / "bench.json")
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help=f"comma list of measures to run (default: all of {','.join(MEASURES)}); the cold cell always runs",
    )
    parser.add_argument("--matrix", action="store_true", help="the whole-matrix benchmark (see above)")
    parser.add_argument("--across-pythons", action="store_true",
                        help="the first two --python values (default 3.12, 3.13), one shared ccache: the second "
                             "Python's build stage against the first's cold one")
    parser.add_argument("--python", action="append", help="--matrix: only cells of this Python (repeatable)")
    parser.add_argument("--suite", help="--matrix: the target's test-suite preset")
    parser.add_argument("--summarize", type=Path, metavar="JSONL",
                        help="--matrix's figures from a run's matrix-<target>.cells.jsonl (its cells' walls summed)")
    parser.add_argument("--sample", type=int, default=2,
                        help="--matrix: cells run from scratch (default 2); 0: the matrix's own first cell, "
                             "which ran from empty caches, is the sample (for targets whose cold build is long)")
    args = parser.parse_args()
    if args.matrix or args.across_pythons or args.summarize:
        result = summarize_progress(args) if args.summarize else matrix_benchmark(args) if args.matrix \
            else across_pythons(args)
        name = f"{'pythons' if args.across_pythons else 'matrix'}-{args.target}.json"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name(name).write_text(json.dumps(result, indent=2) + "\n")
        for key, value in result.items():
            print(f"{key:30} {value}")
        return
    chosen = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = sorted(set(chosen) - set(MEASURES))
    if unknown:
        parser.error(f"unknown measure(s) {', '.join(unknown)}; choose from {', '.join(MEASURES)}")
    figures: dict[str, object] = {
        "target": args.target,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
    }
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-bench-") as tmp:
        home = Path(tmp) / "home"
        # An empty compiler cache of this run's own: the first build is really cold.
        os.environ["CCACHE_DIR"] = str(Path(tmp) / "ccache")
        cold = run_cell(home, "build-3.12-openblas", args.target)
        figures["cold_build_s"] = cold["durations"]["build"]
        figures["cold_cell_s"] = cold["durations"]["total"]
        for measure in chosen:
            figures.update(MEASURES[measure](cold=cold, home=home, tmp=Path(tmp), args=args))
        shutil.rmtree(home, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    for key, value in figures.items():
        print(f"{key:45} {value:.3f}" if isinstance(value, float) else f"{key:45} {value}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
