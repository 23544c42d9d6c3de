"""One cell, end to end: plan it, run its stages in order, and assemble its result
record once, from what the stages returned. Stage logic lives in ``stages/``."""

from __future__ import annotations

import datetime as _dt
import os
import sys
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from .config.matrixfile import MatrixSet
from .errors import CellError, CellSkipped, ToolchainRejected
from .machine.commands import CommandRunner
from .machine.context import StageContext
from .machine.locking import exclusive_lock, shared_lock
from .machine.progress import Progress
from .machine.uv import uv_binary
from .machine.workspace import Workspace
from .model import CONDA, DEB, FAILED, FULL, INSTALL_PLAN, PASSED, SKIPPED, TESTS, WHEEL, Cell, Status
from .options import RunOptions
from .plan import CellPlan, plan_cell
from .record import (
    BoundRetry,
    FloorRecord,
    Locks,
    PackageRecord,
    ResultRecord,
    TestCounts,
    ToolchainRecord,
    write_record,
)
from .stages.build import BuildResult, build_env_packages, build_wheels
from .stages.build_env import BuildEnv, prepare_build_env
from .stages.loosened import build_deps_record, culprit_for, prepare_loosened_source
from .stages.package import PackageFailed, make_package
from .stages.packagetest import run_deb_tests
from .stages.partition import SplitCheck, check_split
from .stages.repair import RepairResult, ShippedWheels, repair_wheels, ship_built_wheels
from .stages.test import TestResult, TestsFailed, run_tests
from .targets.resolve import resolve_target
from .targets.target import Target


@dataclass
class StageResults:
    """What the stages have returned so far; a failed cell's record shows every part."""

    target: Target | None = None
    plan: CellPlan | None = None
    log: Path | None = None
    build_env: BuildEnv | None = None
    packages: list[str] | None = None  # the build env's, name==version
    build: BuildResult | None = None
    shipped: ShippedWheels | None = None
    repair: RepairResult | None = None
    split: SplitCheck | None = None
    tests: TestResult | None = None
    package: PackageRecord | None = None  # deb and conda cells
    retry: BoundRetry | None = None  # a failed loosened cell, built again with one bound restored


def run_stages(plan: CellPlan, ctx: StageContext, workspace: Workspace, results: StageResults) -> None:
    """The stages in order; each result is kept as soon as it exists."""
    results.build_env = prepare_build_env(plan, ctx)
    if plan.loosening is not None:
        prepare_loosened_source(plan, ctx)
    # The build env is shared by every cell and checkout on the machine: while this cell
    # builds and repairs with it, no other process may reinstall it.
    with shared_lock(plan.build_env, ctx.say):
        results.packages = build_env_packages(ctx, results.build_env)
        results.build = build_wheels(plan, ctx, results.build_env, workspace.root / "wheels" / plan.build_key,
                                     results.packages)
        results.shipped = ship_built_wheels(plan, results.build.wheels)
        if plan.cell.package != WHEEL:
            _package(plan, ctx, workspace, results)
            return
        results.repair = repair_wheels(plan, ctx, results.build_env, results.build, results.shipped,
                                       workspace.root / "repaired" / plan.build_key)
    if plan.checks_partition:
        results.split = check_split(results.build.wheels, results.shipped.paths[TESTS], ctx)
        if results.split.failure:
            raise CellError(results.split.failure)
    if plan.run_tests:
        try:
            results.tests = run_tests(plan, ctx, results.build_env, results.repair.paths)
        except TestsFailed as exc:
            results.tests = exc.result
            raise


def _package(plan: CellPlan, ctx: StageContext, workspace: Workspace, results: StageResults) -> None:
    """deb and conda cells: the built wheel repackaged (never repaired), then the .deb's tests."""
    assert results.build_env is not None and results.shipped is not None
    try:
        results.package = make_package(plan, ctx, results.build_env, results.shipped.paths[FULL])
    except PackageFailed as exc:
        results.package = exc.record
        raise
    if plan.run_tests and plan.cell.package == DEB:
        # Nothing the package loads may come from where it was built.
        forbidden = [plan.build_env, workspace.root, workspace.shared_cache]
        try:
            results.tests = run_deb_tests(plan, ctx, results.build_env, Path(results.package.path), forbidden)
        except TestsFailed as exc:
            results.tests = exc.result
            raise
    elif plan.cell.package == CONDA:
        ctx.say(f"    tests not run: {results.package.tests_skipped_because}")


@dataclass(frozen=True)
class _Run:
    """One run of one cell: what every step of ``run_cell`` shares."""

    cell: Cell
    options: RunOptions
    workspace: Workspace
    progress: Progress
    started: str  # wall-clock start, for the record
    start: float  # monotonic start, for the total duration

    def record(self, results: StageResults, status: Status, error: BaseException | str | None) -> ResultRecord:
        durations = {**self.progress.durations, "total": round(time.monotonic() - self.start, 3)}
        return assemble_record(self.cell, self.options, results, status=status, error=error, started=self.started,
                               durations=durations)

    def record_path(self, results: StageResults) -> Path:
        plan = results.plan
        folder = plan.results_dir if plan else self.workspace.root / "results" / "_unresolved" / self.cell.session_name
        return folder / "result.json"


def run_cell(
    cell: Cell, matrices: MatrixSet, options: RunOptions, stream: TextIO = sys.stdout
) -> tuple[ResultRecord, Path]:
    """Run one cell end to end; always write its result record and return it with its path.

    Whatever goes wrong ends in a record: a CellError's message, "interrupted" for
    Ctrl-C and SIGTERM, and for anything unexpected a one-line message whose traceback
    goes to the cell log.
    """
    workspace = Workspace.default(options.project_root)
    if options.workspace_root is not None:
        workspace = Workspace(options.workspace_root, workspace.cache)
    run = _Run(cell=cell, options=options, workspace=workspace, progress=Progress(stream),
               started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), start=time.monotonic())
    results = StageResults()
    status: Status = FAILED
    # The exception itself, not only its message: the record tells some kinds apart
    # (a ToolchainRejected sets toolchain.rejected).
    error: BaseException | str | None = None
    try:
        _run_locked(run, matrices, results)
        status = PASSED
    except CellSkipped as exc:
        status, error = SKIPPED, exc
    except CellError as exc:
        error = exc
    except KeyboardInterrupt:
        _write(run, results, run.record(results, FAILED, "interrupted"))
        raise
    except Exception as exc:  # an honest record, not a bare traceback, whatever broke
        error = _unexpected(run, results, exc)
    record = run.record(results, status, error)
    return record, _write(run, results, record)


def _write(run: _Run, results: StageResults, record: ResultRecord) -> Path:
    path = run.record_path(results)
    write_record(record, path)
    return path


def _unexpected(run: _Run, results: StageResults, exc: Exception) -> str:
    """A one-line message for an error the tool did not expect; the traceback goes to the cell log."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log = results.log or run.record_path(results).with_name("cell.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write("\n" + trace)
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"unexpected error: {type(exc).__name__}: {first_line} (traceback in {log})"


def _run_locked(run: _Run, matrices: MatrixSet, results: StageResults) -> None:
    cell, progress = run.cell, run.progress
    target = results.target = resolve_target(run.options.target or cell.target, matrices.presets,
                                             run.workspace.shared_cache)
    plan = results.plan = plan_cell(cell, target, run.workspace, run.options, matrix=matrices.matrix)
    plan.results_dir.mkdir(parents=True, exist_ok=True)
    if plan.skip_reason:
        raise CellSkipped(plan.skip_reason)
    if plan.lock_error:
        raise CellError(plan.lock_error)
    # One run of a cell at a time: a second process waits rather than sharing its
    # results, wheels and venv (cells that share a build dir also lock that).
    with exclusive_lock(plan.results_dir, progress.say):
        # The previous run's record goes first: a run killed from here on (kill -9 leaves
        # no chance to write) must not leave an old "passed" behind.
        _write(run, results, run.record(results, FAILED, f"unfinished: the run started at {run.started} "
                                                           f"(pid {os.getpid()}) has not ended, or was killed"))
        log = results.log = plan.results_dir / "cell.log"
        log.write_text("")
        progress.say(f"=== {cell.session_name}: {target.name} {target.version} ({cell.describe()})")
        try:
            run_stages(plan, _context(run, log), run.workspace, results)
        except CellError as exc:
            if plan.loosening is not None and results.packages is not None:
                results.retry = _retry_with_bound(run, matrices, results, str(exc))
            raise


def _context(run: _Run, log: Path) -> StageContext:
    runner = CommandRunner(log=log, stream=run.progress.stream)
    runner.env["UV_PYTHON_DOWNLOADS"] = "never"
    runner.env.pop("PYTHONPATH", None)
    return StageContext(runner=runner, progress=run.progress, uv=uv_binary(), shared_cache=run.workspace.shared_cache)


def _retry_with_bound(run: _Run, matrices: MatrixSet, results: StageResults, failure: str) -> BoundRetry | None:
    """A loosened cell failed: when one dependency above its original bound most likely
    caused it, build (and test) once more with only that bound restored, beside the first
    attempt (``retry/`` in the results folder, its own build dir), and say which it was."""
    plan, target = results.plan, results.target
    assert plan is not None and plan.loosening is not None and target is not None and results.packages is not None
    culprit = culprit_for(plan.loosening, results.packages, failure)
    if culprit is None:
        return None
    restored = plan.loosening.original[culprit]
    options = replace(run.options, keep_bounds=(*run.options.keep_bounds, culprit))
    first = plan_cell(run.cell, target, run.workspace, options, matrix=matrices.matrix)
    retry = replace(first, results_dir=plan.results_dir / "retry", build_dir=Path(f"{plan.build_dir}-retry"),
                    test_venv=Path(f"{plan.test_venv}-retry"), loosened_source=Path(f"{plan.loosened_source}-retry"))
    retry.results_dir.mkdir(parents=True, exist_ok=True)
    run.progress.say(f"=== {run.cell.session_name}: most likely caused by {culprit}, above its bound; building "
                     f"once more with {restored} restored (log: {retry.results_dir / 'cell.log'})")
    try:
        run_stages(retry, _context(run, retry.results_dir / "cell.log"), run.workspace,
                   StageResults(target=target, plan=retry))
    except CellError as exc:
        return BoundRetry(restored=restored, status=FAILED, error=str(exc).splitlines()[0],
                          verdict=f"still fails with {restored}: {culprit} is not (alone) the cause")
    return BoundRetry(restored=restored, status=PASSED,
                      verdict=f"passes with {restored}: the newer {culprit} breaks the build or its tests")


def assemble_record(
    cell: Cell,
    options: RunOptions,
    results: StageResults,
    *,
    status: Status,
    error: BaseException | str | None,
    started: str,
    durations: dict[str, float],
) -> ResultRecord:
    """The cell's record, from the plan and whatever the stages returned before the end."""
    target, plan, env, build = results.target, results.plan, results.build_env, results.build
    return ResultRecord(
        session=cell.session_name,
        target=target.name if target else options.target or cell.target,
        python=cell.python,
        blas=cell.blas,
        platform=cell.platform,
        system_libraries=cell.system_libraries,
        install_tags=cell.install_tags,
        kind=cell.kind,
        matrix_file=str(cell.matrix_file),
        started=started,
        status=status,
        error=None if error is None else str(error),
        target_version=target.version if target else None,
        target_declares_blas=target.declares_blas if target else None,
        python_executable=str(env.python) if env else None,
        build_env=str(env.path) if env else None,
        source_date_epoch=env.source_date_epoch if env else None,
        setup_args=list(plan.setup_args) if plan else [],
        locks=plan.locks if plan else Locks(),
        build_dir=str(plan.build_dir) if plan and build else None,
        build_reused=build.reused if build else False,
        build_seeded_from=build.seeded_from if build else None,
        compiler_cache=build.compiler_cache if build else None,
        system_components=build.system_components if build else {},
        tag_wheels=plan.tag_wheels if plan and build else INSTALL_PLAN,
        built_wheels=results.shipped.infos if results.shipped else [],
        wheels=results.repair.infos if results.repair else [],
        repair=results.repair.repair if results.repair else None,
        partition=results.split.record if results.split else None,
        package=results.package,
        tests=results.tests.counts if results.tests else _no_tests(plan),
        blas_runtime=results.tests.blas_runtime if results.tests else None,
        toolchain=_toolchain(results, rejected=isinstance(error, ToolchainRejected)),
        build_deps=build_deps_record(plan.loosening, results.packages, None if error is None else str(error),
                                     results.retry) if plan and plan.loosening else None,
        durations=durations,
        log=str(results.log) if results.log else None,
    )


def _no_tests(plan: CellPlan | None) -> TestCounts | None:
    """No counts yet: zeros, or None for a cell whose package cannot be tested here (conda)."""
    return None if plan is not None and plan.cell.package == CONDA else TestCounts()


def _toolchain(results: StageResults, *, rejected: bool) -> ToolchainRecord | None:
    """toolchain-min cells: what was asked for, the floor check, and what meson used."""
    plan, env, build = results.plan, results.build_env, results.build
    if plan is None or env is None or not plan.compilers.commands():
        return None
    floor = env.floor
    return ToolchainRecord(
        requested=plan.compilers.env(),
        rejected=rejected,
        floor=FloorRecord(
            compiler=floor.compiler,
            proposed=floor.proposed,
            enforced=floor.enforced,
            agrees=floor.agrees,
            verdict=floor.verdict,
        )
        if floor
        else None,
        used=build.compilers_used if build else {},
        build_deps=build.build_deps if build else {},
    )
