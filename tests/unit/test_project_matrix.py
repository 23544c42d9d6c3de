"""scripts/project_matrix.py on the SciPy measurements kept in docs/bench: the one-machine
projection as the performance page states it, and the many-runner schedule's invariants."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUND3 = ROOT / "docs" / "bench" / "matrix-scipy-2026-12-01-round3.cells.jsonl"


def _project(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "projection.json"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "project_matrix.py"), str(ROUND3), "--out", str(out),
                          *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text())


def test_the_third_rounds_projection_is_what_the_performance_page_says(tmp_path):
    result = _project(tmp_path, "--slice", str(ROOT / "docs" / "bench" / "slice-scipy-2026-12-01.cells.jsonl"))
    kept = json.loads((ROOT / "docs" / "bench" / "projection-scipy-2026-12-01-round3.json").read_text())
    assert result["cells"] == 216
    assert result["projected_s"] == kept["projected_s"] and result["slice_check"] == kept["slice_check"]


def test_more_runners_finish_sooner_and_a_seed_wave_compiles_once_per_python(tmp_path):
    result = _project(tmp_path, "--runners", "1,8,24", "--remote-build", "100", "--remote-bytes", "200000000",
                      "--job-overhead", "30")
    steady = {r["runners"]: r for r in result["runners"]["steady"]}
    # One runner does every job in turn: its makespan is all the runner time.
    assert steady[1]["makespan_s"] == steady[1]["runner_seconds"]
    assert steady[1]["makespan_s"] > steady[8]["makespan_s"] > steady[24]["makespan_s"]
    assert steady[24]["builds_compiled"] == 0 and steady[24]["remote_read_gb"] == round(
        steady[24]["builds_served_by_remote"] * 0.2, 1)
    seeded = {r["runners"]: r for r in result["runners"]["first-seeded"]}
    racing = {r["runners"]: r for r in result["runners"]["first"]}
    # Four Pythons: with the seed wave, each compiles once; without it, 24 runners start
    # many cells before any has filled the remote.
    assert seeded[24]["builds_compiled"] == 4
    assert racing[24]["builds_compiled"] > seeded[24]["builds_compiled"]
    # Cells of a dependency channel are not among the 216 and do not change the costs.
    assert result["cells"] == 216
