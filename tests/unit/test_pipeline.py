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


def test_an_unknown_suite_fails_the_cell_in_its_own_results_folder(tmp_path):
    options = RunOptions(project_root=ROOT, workspace_root=tmp_path / "ws", suite="nonesuch")
    record, path = pipeline.run_cell(CELL, MATRICES, options, stream=io.StringIO())
    assert record.status == "failed" and "no test suite 'nonesuch'" in record.error
    assert path == tmp_path / "ws" / "results" / "demo" / CELL.session_name / "result.json"
    assert not (tmp_path / "ws" / "results" / "_unresolved").exists()


def test_two_sources_with_one_name_never_share_a_results_folder(tmp_path):
    from mesonmatrix.machine.workspace import Workspace

    workspace = Workspace(tmp_path / "ws")
    tree, unpacked = tmp_path / "blasdemo", tmp_path / "sdists" / "blasdemo-1.0"
    assert workspace.target_folder("blasdemo", tree) == "blasdemo"
    other = workspace.target_folder("blasdemo", unpacked)
    assert other.startswith("blasdemo-") and other != "blasdemo"
    assert workspace.target_folder("blasdemo", tree) == "blasdemo"  # the first keeps its folder
    assert workspace.target_folder("blasdemo", unpacked) == other


def test_a_full_disk_is_one_line_naming_the_folder(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "ws" / "repaired" / "x.whl"))

    monkeypatch.setattr(pipeline, "run_stages", full)
    record, path = pipeline.run_cell(CELL, MATRICES, RunOptions(project_root=ROOT, workspace_root=tmp_path / "ws"),
                                     stream=io.StringIO())
    assert record.status == "failed" and record.error.startswith("no space left on device: ")
    assert f"(writing {tmp_path / 'ws' / 'repaired' / 'x.whl'})" in record.error and "\n" not in record.error
    assert json.loads(path.read_text())["error"] == record.error
