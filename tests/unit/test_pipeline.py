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


def test_a_missing_target_path_fails_without_a_record(tmp_path):
    options = RunOptions(project_root=ROOT, workspace_root=tmp_path / "ws", target="./no-such-project-dir")
    record, path = pipeline.run_cell(CELL, MATRICES, options, stream=io.StringIO())
    assert record.status == "failed" and record.error.startswith("target path ./no-such-project-dir does not exist")
    assert path is None and not list((tmp_path / "ws").rglob("result.json"))


def test_two_sources_with_one_name_never_share_a_results_folder(tmp_path):
    from mesonmatrix.machine.workspace import Workspace

    workspace = Workspace(tmp_path / "ws")
    tree, unpacked = tmp_path / "blasdemo", tmp_path / "sdists" / "blasdemo-1.0"
    tree.mkdir()
    unpacked.mkdir(parents=True)
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


def test_a_checkout_moved_with_its_workspace_keeps_its_results_folder(tmp_path):
    """After a move, a rerun wrote to results/demo-<hash>/ because .source named the old
    path, and the report showed the cell twice."""
    from mesonmatrix.machine.workspace import Workspace

    (tmp_path / "old" / "demo").mkdir(parents=True)
    assert Workspace(tmp_path / "old" / ".matrix").target_folder("demo", tmp_path / "old" / "demo") == "demo"
    (tmp_path / "old").rename(tmp_path / "new")
    assert Workspace(tmp_path / "new" / ".matrix").target_folder("demo", tmp_path / "new" / "demo") == "demo"


def test_a_moved_checkout_takes_over_the_name_its_old_place_claimed(tmp_path):
    """The workspace elsewhere (MESONMATRIX_HOME): the old checkout is gone, so its claim is."""
    from mesonmatrix.machine.workspace import Workspace

    workspace = Workspace(tmp_path / "home")
    (tmp_path / "clone" / "demo").mkdir(parents=True)
    assert workspace.target_folder("demo", tmp_path / "clone" / "demo") == "demo"
    (tmp_path / "clone").rename(tmp_path / "moved")
    assert workspace.target_folder("demo", tmp_path / "moved" / "demo") == "demo"
    (tmp_path / "clone" / "demo").mkdir(parents=True)  # a second checkout while the first still exists
    assert workspace.target_folder("demo", tmp_path / "clone" / "demo").startswith("demo-")


def test_an_empty_or_old_style_claim_is_no_obstacle(tmp_path):
    from mesonmatrix.machine.workspace import Workspace

    workspace, source = Workspace(tmp_path / "ws"), tmp_path / "demo"
    source.mkdir()
    claim = tmp_path / "ws" / "results" / "demo" / ".source"
    claim.parent.mkdir(parents=True)
    claim.write_text("")  # what a full disk left before the first record
    assert workspace.target_folder("demo", source) == "demo"
    claim.write_text(str(source))  # a claim written before December 2026: the bare path
    assert workspace.target_folder("demo", source) == "demo"
    assert json.loads(claim.read_text())["source"] == str(source)


FULL_DISK = """
import resource, signal, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from mesonmatrix.machine.workspace import Workspace
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (24, 24))  # writes past 24 bytes fail, as on a full disk
try:
    Workspace(Path(sys.argv[2])).target_folder("demo", Path(sys.argv[3]))
except OSError as exc:
    print(exc.errno)
"""


def test_a_claim_cut_short_by_a_full_disk_leaves_no_claim(tmp_path):
    """The claim's write fails past 24 bytes (RLIMIT_FSIZE, a full disk's effect without
    filling one): no torn claim may send this checkout to a hashed folder for good."""
    import subprocess
    import sys

    from mesonmatrix.machine.workspace import Workspace

    source = tmp_path / "a-source-whose-path-is-longer-than-the-limit" / "demo"
    source.mkdir(parents=True)
    out = subprocess.run([sys.executable, "-c", FULL_DISK, str(ROOT / "src"), str(tmp_path / "ws"), str(source)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "27"  # EFBIG: the write failed
    assert Workspace(tmp_path / "ws").target_folder("demo", source) == "demo"

