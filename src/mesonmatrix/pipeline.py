"""One cell, end to end: plan it, run its stages in order, and assemble its result
record once, from what the stages returned. Stage logic lives in ``stages/``."""

from __future__ import annotations

import datetime as _dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .config.matrixfile import MatrixSet
from .errors import CellError, CellSkipped, MesonmatrixError, ToolchainRejected
from .machine.commands import CommandRunner
from .machine.locking import exclusive_lock
from .machine.progress import Progress
from .machine.uv import uv_binary
from .machine.workspace import Workspace
from .model import Cell
from .options import RunOptions
from .plan import CellPlan, plan_cell
from .record import FloorRecord, Locks, ResultRecord, TestCounts, ToolchainRecord, write_record
from .stages.build import BuildResult, build_wheels
from .stages.build_env import BuildEnv, prepare_build_env
from .stages.context import StageContext
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
    build: BuildResult | None = None
    shipped: ShippedWheels | None = None
    repair: RepairResult | None = None
    split: SplitCheck | None = None
    tests: TestResult | None = None


def run_stages(plan: CellPlan, ctx: StageContext, workspace: Workspace, results: StageResults) -> None:
    """The stages in order; each result is kept as soon as it exists."""
    results.build_env = prepare_build_env(plan, ctx)
    results.build = build_wheels(plan, ctx, results.build_env, workspace.root / "wheels" / plan.build_key)
    results.shipped = ship_built_wheels(plan, results.build.wheels)
    results.repair = repair_wheels(plan, ctx, results.build_env, results.shipped)
    if plan.checks_partition:
        results.split = check_split(results.build.wheels, results.shipped.paths["tests"], ctx)
        if results.split.failure:
            raise CellError(results.split.failure)
    if plan.run_tests:
        try:
            results.tests = run_tests(plan, ctx, results.build_env, results.repair.paths)
        except TestsFailed as exc:
            results.tests = exc.result
            raise


def run_cell(
    cell: Cell, matrices: MatrixSet, options: RunOptions, stream: TextIO = sys.stdout
) -> tuple[ResultRecord, Path]:
    """Run one cell end to end; always write its result record and return it with its path."""
    workspace = Workspace.default(options.project_root)
    if options.workspace_root is not None:
        workspace = Workspace(options.workspace_root, workspace.cache)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    start = time.monotonic()
    progress = Progress(stream)
    results = StageResults()
    status = "failed"
    error: MesonmatrixError | None = None
    try:
        _run(cell, matrices, options, workspace, progress, results)
        status = "passed"
    except CellSkipped as exc:
        status, error = "skipped", exc
    except CellError as exc:
        error = exc
    except KeyboardInterrupt:
        _finish(cell, options, workspace, results, progress, "failed", "interrupted", started, start)
        raise
    return _finish(cell, options, workspace, results, progress, status, error, started, start)


def _run(
    cell: Cell,
    matrices: MatrixSet,
    options: RunOptions,
    workspace: Workspace,
    progress: Progress,
    results: StageResults,
) -> None:
    target = results.target = resolve_target(options.target or cell.target, matrices.presets, workspace.shared_cache)
    plan = results.plan = plan_cell(cell, target, workspace, options)
    plan.results_dir.mkdir(parents=True, exist_ok=True)
    if plan.skip_reason:
        raise CellSkipped(plan.skip_reason)
    # One run of a cell at a time: a second process waits rather than sharing its
    # results, wheels and venv (cells that share a build dir also lock that).
    with exclusive_lock(plan.results_dir, progress.say):
        log = results.log = plan.results_dir / "cell.log"
        log.write_text("")
        progress.say(f"=== {cell.session_name}: {target.name} {target.version} ({cell.describe()})")
        runner = CommandRunner(log=log, stream=progress.stream)
        runner.env["UV_PYTHON_DOWNLOADS"] = "never"
        runner.env.pop("PYTHONPATH", None)
        ctx = StageContext(runner=runner, progress=progress, uv=uv_binary(), shared_cache=workspace.shared_cache)
        run_stages(plan, ctx, workspace, results)


def _finish(
    cell: Cell,
    options: RunOptions,
    workspace: Workspace,
    results: StageResults,
    progress: Progress,
    status: str,
    error: BaseException | str | None,
    started: str,
    start: float,
) -> tuple[ResultRecord, Path]:
    durations = {**progress.durations, "total": round(time.monotonic() - start, 3)}
    record = assemble_record(cell, options, results, status=status, error=error, started=started, durations=durations)
    plan = results.plan
    path = (
        plan.results_dir if plan else workspace.root / "results" / "_unresolved" / cell.session_name
    ) / "result.json"
    write_record(record, path)
    return record, path


def assemble_record(
    cell: Cell,
    options: RunOptions,
    results: StageResults,
    *,
    status: str,
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
        python_executable=str(env.python) if env else None,
        build_env=str(env.path) if env else None,
        source_date_epoch=env.source_date_epoch if env else None,
        setup_args=list(plan.setup_args) if plan else [],
        locks=plan.locks if plan else Locks(),
        build_dir=str(plan.build_dir) if plan and build else None,
        build_reused=build.reused if build else False,
        compiler_cache=build.compiler_cache if build else None,
        system_components=build.system_components if build else {},
        tag_wheels=plan.tag_wheels if plan and build else "install-plan",
        built_wheels=results.shipped.infos if results.shipped else [],
        wheels=results.repair.infos if results.repair else [],
        repair=results.repair.repair if results.repair else None,
        partition=results.split.record if results.split else None,
        tests=results.tests.counts if results.tests else TestCounts(),
        blas_runtime=results.tests.blas_runtime if results.tests else None,
        toolchain=_toolchain(results, rejected=isinstance(error, ToolchainRejected)),
        durations=durations,
        log=str(results.log) if results.log else None,
    )


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
