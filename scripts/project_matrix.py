#!/usr/bin/env python3
"""A whole matrix's cost on this machine, projected from the per-stage costs one measured run
gave, and checked against a slice that run did not include.

Usage: python scripts/project_matrix.py MEASURED.cells.jsonl [--slice SLICE.cells.jsonl]
           [--pythons 4] [--modes none,auto,all] [--out FILE.json]

MEASURED is `bench.py --matrix`'s progress file (one record per cell, in the order run).
Each cell is classed by what its build had to do, as the tool runs a matrix (Pythons in
turn, flavours in turn, each flavour's system-library modes after its `none` cell, the
runtime and split cells after the full one):
  cold            the first build of the first Python (empty ccache)
  other-python    the first build of a later Python (ccache from the first)
  seeded-flavour  a later flavour's build, started from a sibling's build dir
  seeded-mode     a system-library mode's build, started from its flavour's `none` dir
  reused          runtime and split cells: the full cell's build, repair cut, not redone
and costs its build stage (per flavour where measured), its repair (the full cell's, per
flavour; a cut for reused builds), its suite (per tag set) and what every cell pays
besides (nox start-up, build env, test venv). A mode whose measured cell failed (SciPy's
`all` on Debian 12: no system boost of the version SciPy wants) costs what that cell
cost, for every tag set. The projection is the sum over the matrix's cells; from scratch
is every passing cell run as the measured run's first (cold) cell was, from nothing.

--slice checks the model: the cells of one Python, two system-library modes, every
flavour and tag set, predicted with the costs from MEASURED, against the same cells'
measured walls (from MEASURED where it ran them, else from SLICE).

Cells of a dependency channel (`-latest`, `-pre`, `-oldest`) are not among the 216 and are
left out of the costs (they reuse the locked cell's build and run the suite again).

--runners 8,24 projects the matrix as CI runs it: each cell a job on a fresh runner (like
this machine), the jobs started in the tool's order as runners come free, every runner
sharing one ccache remote storage. --remote-build S is the build stage of a cell on a fresh
workspace whose compiles the remote served (measured: a second workspace after a first
filled the remote); --remote-bytes B what that build read from the remote. Two nights:
  first night    the remote starts empty: a cell whose Python has no finished build yet
                 compiles cold (an other-python build once another Python's has finished);
                 a flavour or mode not built yet for its Python adds its seeded build
  first-seeded   the same, with the workflow running one cell per Python first and the
                 rest after them (`needs:`), so that they find the remote filled
  steady state   the remote holds last night's objects: every build is served by it
--job-overhead S is what a job costs before the tool starts (runner start, checkout, the
tool's install, the caches' restore): not measurable here, so given, not hidden.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHANNELS = ("latest", "pre", "oldest")  # the deps axis's session suffixes (the locked cell has none)
BLAS = ("openblas", "openblas64", "system-openblas", "netlib", "blis", "mkl")  # the default matrix's order
TAG_SETS = ("full", "runtime", "split")
MODES = ("none", "auto", "all", "kahan")

Record = dict[str, Any]


@dataclass(frozen=True)
class CellId:
    python: str
    blas: str
    mode: str
    tags: str

    @classmethod
    def parse(cls, session: str) -> CellId:
        """``build-3.12-system-openblas-auto-split`` → (3.12, system-openblas, auto, split)."""
        python, rest = session.removeprefix("build-").split("-", 1)
        blas = max((b for b in BLAS if rest == b or rest.startswith(f"{b}-")), key=len)
        parts = rest.removeprefix(blas).strip("-").split("-") if rest != blas else []
        tags = parts.pop() if parts and parts[-1] in TAG_SETS else "full"
        return cls(python, blas, parts[0] if parts else "none", tags)


def build_class(cell: CellId, first_python: str, first_of_python: bool) -> str:
    if cell.tags != "full":
        return "reused"
    if first_of_python:
        return "cold" if cell.python == first_python else "other-python"
    return "seeded-mode" if cell.mode != "none" else "seeded-flavour"


@dataclass
class UnitCosts:
    """Seconds per unit of work, means over the measured cells of each kind."""

    build: dict[str, float]  # by build class
    seeded_flavour_build: dict[str, float]  # by flavour, where measured
    repair_full: dict[str, float]  # by flavour
    repair_cut: float
    suite: dict[str, float]  # by tag set
    overhead: float  # a cell's wall beyond its build, repair and test stages
    failed_mode: dict[str, float]  # a mode whose cells fail: the wall of one
    failed_flavour: dict[str, float]  # a flavour whose cells fail: the wall of one
    scratch_cell: float  # the first (cold) cell's whole wall

    def repair_of(self, blas: str) -> float:
        """A flavour's full repair: as measured, else the mean of those measured."""
        return self.repair_full.get(blas, statistics.mean(self.repair_full.values()))

    @classmethod
    def measure(cls, records: list[Record]) -> UnitCosts:
        by: dict[str, list[float]] = defaultdict(list)
        seen: set[str] = set()
        for record in records:
            cell = CellId.parse(record["session"])
            d = record["durations"]
            if record["status"] == "failed" and "test" not in d:
                # A flavour that fails before its tests fails in every mode; a mode that
                # does (SciPy's `all`: no system boost) fails with every flavour. A cell
                # whose tests ran (SciPy's ILP64 build: two of SciPy's own tests fail) costs
                # what a passing one does.
                by[f"failed:{cell.mode}" if cell.mode != "none" else f"failed-flavour:{cell.blas}"].append(
                    record["wall"])
                continue
            if record["status"] == "skipped":
                continue  # skipped: a mode the target does not know (kahan for SciPy)
            klass = build_class(cell, records[0]["python"], cell.python not in seen and cell.tags == "full")
            seen.add(cell.python)
            by[f"build:{klass}"].append(d.get("build", 0.0))
            if klass == "seeded-flavour":
                by[f"flavour:{cell.blas}"].append(d.get("build", 0.0))
            by[f"repair:{cell.blas}" if cell.tags == "full" else "repair:cut"].append(d.get("repair", 0.0))
            by[f"suite:{cell.tags}"].append(d.get("test", 0.0))
            by["overhead"].append(record["wall"] - sum(d.get(k, 0.0) for k in ("build", "repair", "test")))
        mean = {key: statistics.mean(values) for key, values in by.items()}

        def kind(prefix: str) -> dict[str, float]:
            return {k.split(":", 1)[1]: v for k, v in mean.items() if k.startswith(f"{prefix}:") and k != "repair:cut"}

        return cls(
            build=kind("build"),
            seeded_flavour_build=kind("flavour"),
            repair_full=kind("repair"),
            repair_cut=mean.get("repair:cut", 0.0),
            suite=kind("suite"),
            overhead=mean["overhead"],
            failed_mode=kind("failed"),
            failed_flavour=kind("failed-flavour"),
            scratch_cell=records[0]["wall"],
        )


def matrix_cells(pythons: Iterable[str], modes: Iterable[str]) -> list[CellId]:
    """The cells in the order the tool runs them."""
    return [CellId(p, b, m, t) for p in pythons for b in BLAS for m in modes for t in TAG_SETS]


def project(cells: list[CellId], costs: UnitCosts) -> dict[str, dict[str, float]]:
    """Per item: how many, and their seconds."""
    rows: dict[str, dict[str, float]] = defaultdict(lambda: {"count": 0, "seconds": 0.0})

    def add(item: str, seconds: float) -> None:
        rows[item]["count"] += 1
        rows[item]["seconds"] += seconds

    seen: set[str] = set()
    for cell in cells:
        if cell.blas in costs.failed_flavour:
            add(f"cells that fail ({cell.blas})", costs.failed_flavour[cell.blas])
            continue
        if cell.mode in costs.failed_mode:
            add(f"cells that fail (mode {cell.mode})", costs.failed_mode[cell.mode])
            continue
        klass = build_class(cell, cells[0].python, cell.python not in seen and cell.tags == "full")
        seen.add(cell.python)
        if klass != "reused":
            # A class the run did not measure (one Python only: no other-python build)
            # costs what a cold build does.
            build = costs.build.get(klass, costs.build["cold"])
            if klass == "seeded-flavour":
                build = costs.seeded_flavour_build.get(cell.blas, build)
            add(f"build: {klass}", build)
            add("repairs", costs.repair_of(cell.blas))
        else:
            add("derived repairs (cut from the full cell's)", costs.repair_cut)
        add(f"suites ({cell.tags})", costs.suite[cell.tags])
        add("per-cell overhead (nox, build env, test venv)", costs.overhead)
    return {k: {"count": v["count"], "seconds": round(v["seconds"], 1)} for k, v in rows.items()}


def from_scratch(cells: list[CellId], costs: UnitCosts) -> float:
    """Every cell from nothing; one that fails costs what it did (it fails the same way)."""
    return sum(costs.failed_flavour.get(c.blas, costs.failed_mode.get(c.mode, costs.scratch_cell)) for c in cells)


def slice_check(measured: list[Record], extra: list[Record], costs: UnitCosts) -> dict[str, object]:
    """One Python, two modes, every flavour and tag set: predicted against measured."""
    python = measured[0]["python"]
    cells = matrix_cells([python], ("none", "auto"))
    walls: dict[CellId, float] = {}
    for record in [*measured, *extra]:
        walls.setdefault(CellId.parse(record["session"]), record["wall"])
    missing = [c for c in cells if c not in walls]
    predicted = sum(row["seconds"] for row in project(cells, costs).values())
    measured_s = sum(walls.get(c, 0.0) for c in cells)
    return {"cells": len(cells), "not_measured": [f"{c.blas}-{c.mode}-{c.tags}" for c in missing],
            "predicted_s": round(predicted, 1), "measured_s": round(measured_s, 1),
            "measured_over_predicted": round(measured_s / predicted, 3) if predicted else None}


def _load(path: Path) -> list[Record]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if not r["session"].endswith(tuple(f"-{c}" for c in CHANNELS))]


@dataclass(frozen=True)
class RemoteCosts:
    """A build served by the shared remote, as measured on a fresh workspace."""

    build_s: float
    bytes_read: int
    job_overhead_s: float


def _job_seconds(cell: CellId, costs: UnitCosts, build: float) -> float:
    """One job: its build (as given), its repair (a full one: a fresh runner has no stored
    full wheel to cut from, it builds its own and cuts that), its suite, the tool's
    overhead."""
    repair = costs.repair_of(cell.blas)
    if cell.tags != "full":
        repair += costs.repair_cut
    return build + repair + costs.suite[cell.tags] + costs.overhead


def runner_schedule(cells: list[CellId], costs: UnitCosts, remote: RemoteCosts, runners: int,
                    night: str) -> dict[str, float | None]:
    """The matrix's makespan on ``runners`` runners sharing one remote: list scheduling in
    the tool's order, each job on the runner that comes free first. The network: each build
    the remote served read about what the measured one read; each compile from nothing
    wrote about as much (the objects of one build)."""
    free_at = [0.0] * runners
    finished: dict[tuple[str, ...], float] = {}  # what the remote holds, and since when
    busy = 0.0
    served = compiled = 0
    seeds = _first_of_each_python(cells) if night == "first-seeded" else []
    seeds_end = 0.0
    for cell in [*seeds, *(c for c in cells if c not in seeds)]:
        start = min(free_at)
        runner = free_at.index(start)
        if seeds and cell not in seeds:
            # The workflow's other jobs need the seed jobs (one per Python) to have ended.
            start = max(start, seeds_end)
        if cell.blas in costs.failed_flavour or cell.mode in costs.failed_mode:
            seconds = remote.job_overhead_s + costs.failed_flavour.get(cell.blas, costs.failed_mode.get(cell.mode, 0.0))
        else:
            build, from_remote = _build_on_fresh_runner(cell, costs, remote, finished, start, night)
            served += from_remote
            compiled += not from_remote
            seconds = remote.job_overhead_s + _job_seconds(cell, costs, build)
            for key in (("any",), (cell.python,), (cell.python, cell.blas, cell.mode)):
                finished[key] = min(finished.get(key, start + seconds), start + seconds)
        free_at[runner] = start + seconds
        busy += seconds
        if cell in seeds:
            seeds_end = max(seeds_end, start + seconds)
    return {"runners": runners, "makespan_s": round(max(free_at), 1), "makespan_h": round(max(free_at) / 3600, 2),
            "runner_seconds": round(busy, 1), "builds_served_by_remote": served, "builds_compiled": compiled,
            "remote_read_gb": round(served * remote.bytes_read / 1e9, 1) if remote.bytes_read else None,
            "remote_written_gb": round(compiled * remote.bytes_read / 1e9, 1) if remote.bytes_read else None}


def _first_of_each_python(cells: list[CellId]) -> list[CellId]:
    firsts: dict[str, CellId] = {}
    for cell in cells:
        firsts.setdefault(cell.python, cell)
    return list(firsts.values())


def _build_on_fresh_runner(cell: CellId, costs: UnitCosts, remote: RemoteCosts,
                           finished: dict[tuple[str, ...], float], start: float, night: str) -> tuple[float, bool]:
    """A job's build stage, and whether the remote served it."""
    if night == "steady":
        return remote.build_s, True

    def done(key: tuple[str, ...]) -> bool:
        return finished.get(key, float("inf")) <= start

    if not done((cell.python,)):
        # Nothing of this Python in the remote yet: a cold compile, or an other-python one
        # once another Python's objects are there.
        return costs.build.get("other-python", costs.build["cold"]) if done(("any",)) else costs.build["cold"], False
    build = remote.build_s
    if not done((cell.python, cell.blas, cell.mode)):
        # Its flavour's or mode's own objects are not there yet: what its seeded build cost.
        build += (costs.seeded_flavour_build.get(cell.blas, costs.build.get("seeded-flavour", 0.0))
                  if cell.mode == "none" else costs.build.get("seeded-mode", 0.0))
    return build, True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measured", type=Path)
    parser.add_argument("--slice", type=Path)
    parser.add_argument("--pythons", type=int, default=4)
    parser.add_argument("--modes", default="none,auto,all")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--runners", help="comma-separated runner counts, e.g. 8,24 (see above)")
    parser.add_argument("--remote-build", type=float, help="seconds: a build served by the remote")
    parser.add_argument("--remote-bytes", type=int, help="bytes that build read from the remote (else no transfer)")
    parser.add_argument("--job-overhead", type=float, default=60.0, help="seconds a CI job costs before the tool")
    args = parser.parse_args()
    measured = _load(args.measured)
    costs = UnitCosts.measure(measured)
    pythons = [f"py{i}" for i in range(args.pythons)]
    cells = matrix_cells(pythons, args.modes.split(","))
    rows = project(cells, costs)
    total = sum(r["seconds"] for r in rows.values())
    result: dict[str, object] = {
        "cells": len(cells), "unit_costs_s": dict(vars(costs)),
        "projection": rows, "projected_s": round(total, 1),
        "from_scratch_s": round(from_scratch(cells, costs), 1),
        "projected_over_from_scratch": round(total / from_scratch(cells, costs), 3),
    }
    result["slice_check"] = slice_check(measured, _load(args.slice) if args.slice else [], costs)
    if args.runners:
        if args.remote_build is None:
            parser.error("--runners needs --remote-build (the measured remote-served build)")
        try:
            counts = [int(n) for n in args.runners.split(",")]
        except ValueError:
            counts = []
        if not counts or min(counts) < 1:
            parser.error(f"--runners takes whole numbers of 1 or more, comma-separated (got {args.runners!r})")
        remote = RemoteCosts(args.remote_build, args.remote_bytes or 0, args.job_overhead)
        result["runners"] = {night: [runner_schedule(cells, costs, remote, n, night) for n in counts]
                             for night in ("first", "first-seeded", "steady")}
        result["runners_assumed"] = {"job_overhead_s": args.job_overhead, "remote_build_s": args.remote_build,
                                     "remote_bytes_per_build": args.remote_bytes}
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("| item | count | seconds |\n|---|---|---|")
    for item, row in rows.items():
        print(f"| {item} | {row['count']} | {row['seconds']:,.0f} |")
    print(f"| **projected** | {len(cells)} | **{total:,.0f}** ({total / 3600:.1f} h) |")
    print(f"| from scratch, cell by cell | {len(cells)} | {result['from_scratch_s']:,.0f} "
          f"({float(str(result['from_scratch_s'])) / 3600:.1f} h) |")
    print(json.dumps({k: result[k] for k in ("projected_over_from_scratch", "slice_check", "runners") if k in result},
                     indent=1))


if __name__ == "__main__":
    main()
