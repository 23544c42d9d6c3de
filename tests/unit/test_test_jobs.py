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
from mesonmatrix.machine.admission import memory_for_workers
from mesonmatrix.machine.workspace import Workspace
from mesonmatrix.options import RunOptions
from mesonmatrix.plan import plan_cell
from mesonmatrix.record import ResultRecord, TestCounts
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
    (None, ("numpy", "-n=2"), (), (), 2),  # -n=2 is two workers, not "=2"
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
        assert f"{per_worker:,} MB a worker (declared test_memory) with 24,000 MB available" in found.why


def test_numpys_whole_suite_under_auto_weighs_its_declared_peak_even_after_a_small_recorded_one(tmp_path):
    matrices = load_matrices(ROOT / "matrices", ROOT)
    workspace = Workspace(tmp_path / "ws")
    numpy = resolve_target("numpy", matrices.presets, workspace.root)
    cell = matrices.matrix.by_session()["build-3.12-openblas"]
    options = RunOptions(project_root=Path("/no-project"), suite="full", settings={"test_jobs": "auto"})
    plan = plan_cell(cell, numpy, workspace, options)
    fits = min(machine_cores(), max(1, int(memory_for_workers() // 17_500)))
    assert plan.tests.workers == fits == plan.test_need.workers
    # A short (or failed) run recorded a small peak: it must not undo the declared one.
    record = ResultRecord(session=cell.session_name, target="numpy", python="3.12", blas="openblas",
                          platform="linux-x86_64", system_libraries="none", install_tags="full", status="failed",
                          tests=TestCounts(suite="full", passed=3), peak_rss_mb={"test": 310.0, "tool": 110.0},
                          durations={"test": 4.2})
    plan.results_dir.mkdir(parents=True, exist_ok=True)
    (plan.results_dir / "result.json").write_text(record.to_json())
    again = plan_cell(cell, numpy, workspace, options)
    assert again.tests.workers == fits
    assert again.test_need.megabytes_per_worker == 310.0  # the admission still uses the last peak


def test_the_memory_for_workers_is_the_available_memory_within_the_cgroups_limit(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20480000 kB\n")
    own = tmp_path / "cgroup"
    root = tmp_path / "sys"
    own.write_text("0::/jobs/cell\n")
    (root / "jobs" / "cell").mkdir(parents=True)
    limit = root / "jobs" / "cell" / "memory.max"
    limit.write_text("max\n")
    assert memory_for_workers(meminfo, root, own) == 20000.0  # no limit: what is available
    limit.write_text(f"{8 * 1024 ** 3}\n")
    assert memory_for_workers(meminfo, root, own) == 8192.0  # a container's --memory 8g
    own.write_text("4:memory:/docker/abc\n")  # cgroup v1
    (root / "memory" / "docker" / "abc").mkdir(parents=True)
    (root / "memory" / "docker" / "abc" / "memory.limit_in_bytes").write_text(f"{2 ** 63 - 4096}\n")
    assert memory_for_workers(meminfo, root, own) == 20000.0  # v1's "no limit"
    assert memory_for_workers(tmp_path / "none", root, tmp_path / "none") is None


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
    cores = min(machine_cores(), max(1, int(memory_for_workers() // plan.test_need.megabytes_per_worker)))
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
