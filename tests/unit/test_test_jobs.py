"""test_jobs: a pytest suite in N pytest-xdist workers (auto: one per core), unless the
project's pytest configuration or the suite's arguments already pass -n; the memory
admission reserves a worker's peak for each."""

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from mesonmatrix.config.keys import TEST_JOBS, InvalidValue, add_cell_options, cell_settings, settings_of
from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.errors import MatrixError
from mesonmatrix.machine.admission import total_megabytes
from mesonmatrix.machine.workspace import Workspace
from mesonmatrix.options import RunOptions
from mesonmatrix.plan import plan_cell
from mesonmatrix.targets.pytestjobs import MemoryFit, machine_cores, project_addopts, workers
from mesonmatrix.targets.resolve import resolve_target

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("jobs", "suite_args", "addopts", "args", "count"), [
    (None, (), (), (), 1),  # not asked: one process, no pytest-xdist
    ("auto", (), (), ("-n", "4"), 4),
    (2, ("scipy.linalg",), (), ("-n", "2"), 2),
    (1, (), (), (), 1),
    ("auto", (), ("-ra", "-n", "3"), (), 3),  # the project's own -n is kept
    (2, ("numpy", "--numprocesses=auto"), (), (), 4),  # so is the suite's
    (2, (), ("-nlogical",), (), 4),
])
def test_the_workers_come_from_test_jobs_unless_the_project_passes_its_own(jobs, suite_args, addopts, args, count):
    found = workers(jobs, suite_args=suite_args, addopts=addopts, cores=4)
    assert (found.args, found.count) == (args, count)
    if addopts or "--numprocesses=auto" in suite_args:
        assert found.why.endswith(": kept")


def test_auto_on_one_core_runs_one_process_without_xdist():
    found = workers("auto", suite_args=(), addopts=(), cores=1)
    assert (found.args, found.count) == ((), 1) and "one process" in found.why


@pytest.mark.parametrize(("jobs", "cores", "per_worker", "count"), [
    ("auto", 2, 17_500, 1),  # NumPy's whole suite on a 24 GB machine: one process
    ("auto", 4, 10_000, 2),  # as many as the memory holds
    ("auto", 2, 2_500, 2),  # SciPy's linalg: one per core
    (3, 4, 17_500, 3),  # a number asked for is kept (the admission still counts each)
])
def test_auto_takes_no_more_workers_than_the_memory_holds(jobs, cores, per_worker, count):
    found = workers(jobs, suite_args=(), addopts=(), cores=cores,
                    memory=MemoryFit(per_worker_mb=per_worker, source="declared test_memory", machine_mb=24_000))
    assert found.count == count and found.args == (("-n", str(count)) if count > 1 else ())
    if jobs == "auto" and count < cores:
        assert f"{per_worker:,} MB a worker (declared test_memory) on a 24,000 MB machine" in found.why


def test_numpys_whole_suite_under_auto_runs_as_many_workers_as_its_declared_peak_fits():
    matrices = load_matrices(ROOT / "matrices", ROOT)
    workspace = Workspace(Path("/ws"))
    numpy = resolve_target("numpy", matrices.presets, workspace.root)
    cell = matrices.matrix.by_session()["build-3.12-openblas"]
    options = RunOptions(project_root=Path("/no-project"), suite="full", settings={"test_jobs": "auto"})
    plan = plan_cell(cell, numpy, workspace, options)
    fits = max(1, int(total_megabytes() // 17_500))
    assert plan.tests.workers == min(machine_cores(), fits) == plan.test_need.workers
    assert plan.test_need.megabytes_per_worker == 17_500


@pytest.mark.parametrize(("name", "text"), [
    ("pytest.ini", "[pytest]\naddopts = -ra -n 3\n"),
    ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"-ra -n 3\"\n"),
    ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = [\"-ra\", \"-n\", \"3\"]\n"),
    ("setup.cfg", "[tool:pytest]\naddopts = -ra -n 3\n"),
    ("tox.ini", "[tox]\nenvlist = py312\n[pytest]\naddopts = -ra -n 3\n"),
])
def test_the_projects_addopts_are_read_from_its_pytest_configuration(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    assert project_addopts(tmp_path, name) == ("-ra", "-n", "3")


def test_test_jobs_is_read_and_checked_on_the_command_line_and_in_matrix_files():
    parser = argparse.ArgumentParser()
    add_cell_options(parser)
    assert parser.parse_args(["--test-jobs", "auto"]).test_jobs == "auto"
    assert parser.parse_args(["--test-jobs", "3"]).test_jobs == 3
    for bad in ("0", "many", "-1"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--test-jobs", bad])
    assert settings_of("m.toml", "", {"test_jobs": "auto"}, "matrix") == {"test_jobs": "auto"}
    for bad_value in (0, True, "2", 1000):
        with pytest.raises(MatrixError, match="test_jobs"):
            settings_of("m.toml", "", {"test_jobs": bad_value}, "matrix")
    assert TEST_JOBS.kind.from_text is not None
    with pytest.raises(InvalidValue):
        TEST_JOBS.kind.from_text("2.5")
    # The command line, then the matrix file, then the preset.
    assert cell_settings({"test_jobs": 2}, {"test_jobs": 3}, {"test_jobs": "auto"}).test_jobs == 2
    assert cell_settings({}, {}, {"test_jobs": "auto"}).test_jobs == "auto"
    assert cell_settings({}, {}, {}).test_jobs is None


def test_scipys_preset_runs_its_suite_on_every_core_and_admission_counts_each_worker():
    matrices = load_matrices(ROOT / "matrices", ROOT)
    workspace = Workspace(Path("/ws"))
    scipy = resolve_target("scipy", matrices.presets, workspace.root)
    cell = matrices.matrix.by_session()["build-3.12-openblas"]
    options = RunOptions(project_root=Path("/no-project"))
    plan = plan_cell(cell, scipy, workspace, options)
    cores = min(machine_cores(), max(1, int(total_megabytes() // plan.test_need.megabytes_per_worker)))
    assert plan.settings.test_jobs == "auto"
    assert plan.tests.workers == cores and plan.test_need.workers == cores
    assert plan.tests.xdist_args == (("-n", str(cores)) if cores > 1 else ())
    assert plan.test_need.megabytes == plan.test_need.megabytes_per_worker * cores
    # The demo asks for nothing: one process; --test-jobs 2 asks for two.
    demo = resolve_target("demo", matrices.presets, workspace.root)
    assert plan_cell(cell, demo, workspace, options).tests.xdist_args == ()
    two = plan_cell(cell, demo, workspace, replace(options, settings={"test_jobs": 2}))
    assert (two.tests.xdist_args, two.test_need.workers) == (("-n", "2"), 2)


def test_each_worker_gets_its_share_of_the_cores_for_its_blas_threads_unless_the_user_set_them():
    from mesonmatrix.targets.pytestjobs import THREAD_VARIABLES, thread_limits

    assert thread_limits(2, {}, cores=2) == dict.fromkeys(THREAD_VARIABLES, "1")
    assert thread_limits(2, {}, cores=8)["OPENBLAS_NUM_THREADS"] == "4"
    assert thread_limits(4, {}, cores=2)["OMP_NUM_THREADS"] == "1"
    mine = thread_limits(2, {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": ""}, cores=2)
    assert "OPENBLAS_NUM_THREADS" not in mine and mine["OMP_NUM_THREADS"] == "1"
