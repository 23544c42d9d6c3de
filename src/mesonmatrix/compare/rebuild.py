"""Rebuild-and-compare: build one cell twice, each from a fresh build dir, and compare the wheels."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TextIO

from ..config.matrixfile import MatrixSet
from ..errors import CellError
from ..machine.workspace import Workspace
from ..machine.writing import write_atomically
from ..model import PASSED, Cell
from ..options import RunOptions
from ..pipeline import run_cell
from .wheels import compare_wheels


def rebuild_and_compare(
    cell: Cell, matrices: MatrixSet, options: RunOptions, stream: TextIO = sys.stdout
) -> tuple[bool, Path]:
    """Build and repair ``cell`` twice, each from a fresh build dir, and compare the wheels.

    Each build gets a workspace of its own (build dir, stored wheels, results) under
    ``.matrix/rebuild/``, so the cell's own record is left alone and nothing is reused;
    the shared build envs stay, as they would after deleting every cache and recreating
    them at the same, checkout-independent path. Tests are not run: only bytes are
    compared. Returns (all identical, report path).
    """
    workspace = Workspace.default(options.project_root)
    runs = []
    for name in ("first", "second"):
        fresh = workspace.root / "rebuild" / cell.session_name / name
        shutil.rmtree(fresh, ignore_errors=True)
        stream.write(f"=== {name} build of {cell.session_name} from a fresh build dir in {fresh}\n")
        record, _ = run_cell(cell, matrices, replace(options, workspace_root=fresh, run_tests=False), stream)
        if record.status != PASSED:
            raise CellError(f"the {name} build of {cell.session_name} did not pass: {record.error}")
        runs.append(record)
    first, second = runs
    rebuilt = {w.role: Path(w.path) for w in second.wheels}
    comparisons = [compare_wheels(Path(w.path), rebuilt[w.role]) for w in first.wheels]
    for comparison in comparisons:
        stream.write(comparison.describe() + "\n")
    report = workspace.root / "compare" / first.target / f"{cell.session_name}.json"
    write_atomically(
        report,
        json.dumps(
            {
                "session": cell.session_name,
                "target": first.target,
                "identical": all(c.identical for c in comparisons),
                "wheels": [
                    {
                        "a": str(c.a),
                        "b": str(c.b),
                        "sha256_a": c.sha256_a,
                        "sha256_b": c.sha256_b,
                        "identical": c.identical,
                        "members": [asdict(m) for m in c.members],
                        "archive_notes": c.archive_notes,
                    }
                    for c in comparisons
                ],
            },
            indent=2,
        )
        + "\n",
    )
    return all(c.identical for c in comparisons), report
