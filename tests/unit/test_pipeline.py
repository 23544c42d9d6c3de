"""Whatever breaks inside a cell ends in an honest record: one line, traceback in the log."""

import io
import json
import zipfile
from pathlib import Path

from mesonmatrix import pipeline
from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.options import RunOptions

from cells import ROOT

MATRICES = load_matrices(ROOT / "matrices", ROOT)
CELL = MATRICES.matrix.by_session()["build-3.12-openblas"]


def test_an_unexpected_error_is_a_failed_record_with_one_line(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise zipfile.BadZipFile("File is not a zip file\nand more")

    monkeypatch.setattr(pipeline, "run_stages", broken)
    options = RunOptions(project_root=ROOT, workspace_root=tmp_path / "ws")
    record, path = pipeline.run_cell(CELL, MATRICES, options, stream=io.StringIO())
    assert record.status == "failed"
    assert record.error.startswith("unexpected error: BadZipFile: File is not a zip file (traceback in ")
    assert "\n" not in record.error
    assert "Traceback (most recent call last)" in Path(record.log).read_text()
    assert json.loads(path.read_text())["error"] == record.error


def test_a_cell_says_it_has_not_finished_while_it_runs(tmp_path, monkeypatch):
    seen = {}

    def look(plan, ctx, results):
        seen.update(json.loads((plan.results_dir / "result.json").read_text()))

    monkeypatch.setattr(pipeline, "run_stages", look)
    record, _ = pipeline.run_cell(CELL, MATRICES, RunOptions(project_root=ROOT, workspace_root=tmp_path / "ws"),
                                  stream=io.StringIO())
    assert seen["status"] == "failed" and seen["error"].startswith("unfinished: the run started at")
    assert record.status == "passed"  # the stand-in stages raised nothing
