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
            add("repairs", costs.repair_full.get(cell.blas, statistics.mean(costs.repair_full.values())))
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
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measured", type=Path)
    parser.add_argument("--slice", type=Path)
    parser.add_argument("--pythons", type=int, default=4)
    parser.add_argument("--modes", default="none,auto,all")
    parser.add_argument("--out", type=Path)
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
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("| item | count | seconds |\n|---|---|---|")
    for item, row in rows.items():
        print(f"| {item} | {row['count']} | {row['seconds']:,.0f} |")
    print(f"| **projected** | {len(cells)} | **{total:,.0f}** ({total / 3600:.1f} h) |")
    print(f"| from scratch, cell by cell | {len(cells)} | {result['from_scratch_s']:,.0f} "
          f"({float(str(result['from_scratch_s'])) / 3600:.1f} h) |")
    print(json.dumps({k: result[k] for k in ("projected_over_from_scratch", "slice_check")}, indent=1))


if __name__ == "__main__":
    main()
