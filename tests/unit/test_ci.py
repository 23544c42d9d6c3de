"""Nightly CI: its job matrix is exactly the cells `nox -l --json` lists, and the workflow lints."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from mesonmatrix.sessions.ci import RUNNERS, github_matrix, nox_listing

from cells import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


def test_matrix_is_every_listed_cell_on_its_platforms_runner():
    listing = nox_listing(ROOT)
    matrix = github_matrix(listing)["include"]
    assert sorted(m["session"] for m in matrix) == sorted(entry["session"] for entry in listing)
    assert {"build-3.12-openblas", "toolchain-min-3.12", "build-3.12-openblas-macos-arm64",
            "build-3.12-openblas-windows-amd64"} <= {m["session"] for m in matrix}
    for m in matrix:
        assert m["runner"] == RUNNERS[m["platform"]]
        assert m["platform"] in json.dumps(next(e["tags"] for e in listing if e["session"] == m["session"]))


def test_matrix_per_platform_matches_nox_tags():
    for platform in ("linux-x86_64", "macos-arm64", "windows-amd64"):
        listed = nox_listing(ROOT, ["-t", platform])
        assert sorted(m["session"] for m in github_matrix(nox_listing(ROOT), [platform])["include"]) == sorted(
            e["session"] for e in listed)


def test_script_prints_a_github_output_line():
    out = subprocess.run([sys.executable, "scripts/ci_matrix.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("cells=")
    assert json.loads(out.stdout[len("cells="):])["include"]


def test_workflow_runs_the_generated_cells_and_reports():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    jobs = workflow["jobs"]
    assert "scripts/ci_matrix.py" in json.dumps(jobs["matrix"])
    assert jobs["cell"]["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.cells) }}"
    assert jobs["cell"]["runs-on"] == "${{ matrix.runner }}"
    steps = json.dumps(jobs["cell"]["steps"])
    assert "python -m nox -s ${{ matrix.session }}" in steps and "actions/upload-artifact" in steps
    assert "actions/cache" in steps and ".cache/ccache" in steps and "ccache" in json.dumps(jobs["cell"]["env"])
    assert "nox -s report" in json.dumps(jobs["report"]["steps"])
