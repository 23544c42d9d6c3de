"""One cell, end to end: plan it, run its stages in order, and assemble its result
record once, from what the stages returned. Stage logic lives in ``stages/``."""

from __future__ import annotations

import datetime as _dt
import errno
import os
import shutil
import sys
import time
import traceback
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from .config.matrixfile import MatrixSet
from .errors import CellError, CellSkipped, CommandCancelled, CommandFailed, TargetError, ToolchainRejected
from .machine import peakmemory
from .machine.bytecode import bytecode_env
from .machine.commands import CommandRunner, probes_logged_to
from .machine.context import StageContext
from .machine.extras import require_extra
from .machine.locking import exclusive_lock, shared_lock
from .machine.progress import Progress
from .machine.uv import uv_binary
from .machine.workspace import Workspace
from .machine.writing import write_record
from .model import CONDA, FAILED, INSTALL_PLAN, PASSED, SKIPPED, Cell, Status
from .options import RunOptions
from .plan import CellPlan, plan_cell, plan_retry
from .record import (
    BoundRetry,
    DepsRecord,
    DriftEntry,
    FloorRecord,
    InstalledPackage,
    Locks,
    ResultRecord,
    TestCounts,
    TestSetup,
    ToolchainRecord,
)
from .redact import redacted
from .stages import Stage, StageResults, build, build_env, loosened, partition, repair, resolve, test
from .stages.loosened import build_deps_record, culprit_for
from .stages.test import TestResult, TestsFailed
from .targets.resolve import resolve_target
from .targets.target import Target
from .testing.earlyvenv import EarlyVenv, early_test_venv


@dataclass
class CellState:
    """One run of a cell so far: its target and plan once made, its log once opened, what
    its stages returned, and a failed loosened cell's second attempt."""

    target: Target | None = None
    plan: CellPlan | None = None
    log: Path | None = None
    stages: StageResults = field(default_factory=StageResults)
    retry: BoundRetry | None = None  # a failed loosened cell, built again with one bound restored


def run_stages(plan: CellPlan, ctx: StageContext, results: StageResults) -> None:
    """The stages in order; each result is kept as soon as it exists, so that a failed
    cell's record shows everything that came before the failure."""
    if "package" in plan.stages:  # before the build, not after it: installer stages, conda packs
        require_extra("repackage", f"a .{plan.cell.package} cell",
                      ("installer", "conda_package_handling") if plan.cell.package == CONDA else ("installer",))
    if "resolve" in plan.stages:  # the envs then install what it resolved, as they install a lock
        results.resolved = resolve.run(plan, ctx, results)
        plan = resolve.resolved_plan(plan, results.resolved, ctx.say)
    results.build_env = build_env.run(plan, ctx, results)
    if "loosened" in plan.stages:
        results.loosened_source = loosened.run(plan, ctx, results)
    # The build env is shared by every cell and checkout on the machine: while this cell
    # builds, repairs and tests with it (its tools are on the tests' PATH), no other
    # process may reinstall or remove it.
    with shared_lock(plan.build_env, ctx.say), _early_test_venv(plan, ctx, results) as early:
        results.test_venv = early
        # The build and repair stop as soon as the test venv cannot be made: their runner is
        # cancelled by its failure, and the cell fails with that failure.
        watched = replace(ctx, runner=replace(ctx.runner, cancel=early.failed)) if early else ctx
        try:
            results.build = build.run(plan, watched, results)
            if "package" in plan.stages:
                _package(plan, ctx, results)
                return
            results.repair = repair.run(plan, watched, results)
            if "partition" in plan.stages:
                results.split = partition.run(plan, watched, results)
                if results.split.failure:
                    raise CellError(results.split.failure)
        except CommandCancelled:
            if early is not None and early.error is not None:
                raise CellError(f"the test venv could not be made (so the build was stopped): {early.error}") \
                    from None
            raise
        if "test" in plan.stages:
            _test(test.run, plan, ctx, results)


def _early_test_venv(plan: CellPlan, ctx: StageContext, results: StageResults) -> AbstractContextManager[
        EarlyVenv | None]:
    """A wheel cell's test venv, made while the build runs (see testing.earlyvenv)."""
    env = results.env()
    lock = plan.tests.lock if "test" in plan.stages else None
    return early_test_venv(plan.test_venv, plan.platform.venv_python(plan.test_venv),
                           plan.results_dir / "test-venv.log", uv=ctx.uv, python=env.python, lock=lock,
                           env=ctx.runner.env, index_args=plan.indexes.pinned_install_args())


def _package(plan: CellPlan, ctx: StageContext, results: StageResults) -> None:
    """deb and conda cells: the built wheel repackaged (never repaired), then the .deb's tests."""
    # Imported here: a wheel cell (most cells) never loads the repackaging code.
    from .stages import package, packagetest
    from .stages.package import PackageFailed

    try:
        results.package = package.run(plan, ctx, results)
    except PackageFailed as exc:
        results.package = exc.record
        raise
    if "packagetest" in plan.stages:
        _test(packagetest.run, plan, ctx, results)
    elif results.package.tests_skipped_because:
        ctx.say(f"    tests not run: {results.package.tests_skipped_because}")


def _test(stage: Stage[TestResult], plan: CellPlan, ctx: StageContext, results: StageResults) -> None:
    try:
        results.tests = stage(plan, ctx, results)
    except TestsFailed as exc:
        results.tests = exc.result
        raise


@dataclass(frozen=True)
class _Run:
    """One run of one cell: what every step of ``run_cell`` shares."""

    cell: Cell
    options: RunOptions
    workspace: Workspace
    progress: Progress
    started: str  # wall-clock start, for the record
    start: float  # monotonic start, for the total duration

    def record(self, state: CellState, status: Status, error: BaseException | str | None) -> ResultRecord:
        durations = {**self.progress.durations, "total": round(time.monotonic() - self.start, 3)}
        own = peakmemory.own_peak_megabytes()
        peaks = {**self.progress.peak_rss_mb, **({"tool": own} if own is not None else {})}
        record = assemble_record(self.cell, self.options, state, status=status, error=error, started=self.started,
                                 durations=durations)
        return replace(record, peak_rss_mb=peaks)

    def record_path(self, state: CellState) -> Path:
        """The plan's results folder; the target's, when planning itself failed (an unknown
        ``--suite``), so the record replaces the cell's own instead of standing beside it;
        ``_unresolved/`` only when not even the target could be resolved."""
        plan, target, workspace = state.plan, state.target, self.workspace
        if plan is not None:
            folder = plan.results_dir
        elif target is not None:
            folder = workspace.results_dir(workspace.target_folder(target.name, target.source_dir), self.cell)
        else:
            folder = workspace.root / "results" / "_unresolved" / self.cell.session_name
        return folder / "result.json"


def run_cell(
    cell: Cell, matrices: MatrixSet, options: RunOptions, stream: TextIO = sys.stdout
) -> tuple[ResultRecord, Path | None]:
    """Run one cell end to end; write its result record and return it with its path (None
    when ``--target`` names nothing that exists: no cell ran, so none is written).

    Whatever goes wrong ends in a record: a CellError's message, "interrupted" for
    Ctrl-C and SIGTERM, and for anything unexpected a one-line message whose traceback
    goes to the cell log.
    """
    workspace = Workspace.default(options.project_root, home=options.workspace_root)
    peakmemory.reset_own_peak()  # the record's memory figures are this cell's, not an earlier one's
    run = _Run(cell=cell, options=options, workspace=workspace, progress=Progress(stream),
               started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), start=time.monotonic())
    state = CellState()
    status: Status = FAILED
    # The exception itself, not only its message: the record tells some kinds apart
    # (a ToolchainRejected sets toolchain.rejected).
    error: BaseException | str | None = None
    try:
        _run_locked(run, matrices, state)
        status = PASSED
    except CellSkipped as exc:
        status, error = SKIPPED, exc
    except CommandFailed as exc:
        # A command that died of a full disk prints its own traceback: one line instead.
        error = _full_disk_in(exc) or exc
    except CellError as exc:
        error = exc
    except KeyboardInterrupt:
        _write(run, state, run.record(state, FAILED, "interrupted"))
        raise
    except Exception as exc:  # an honest record, not a bare traceback, whatever broke
        error = _disk_full(exc) or _unexpected(run, state, exc)
    record = run.record(state, status, error)
    if state.target is None and isinstance(error, TargetError):
        # `--target ./nope`: a mistyped command line, not a cell that ran; a record under
        # results/_unresolved/ would only stand in the report beside the real cells.
        return record, None
    return record, _write(run, state, record)


def _write(run: _Run, state: CellState, record: ResultRecord) -> Path:
    path = run.record_path(state)
    try:
        write_record(record, path, run.options.project_root)
    except OSError as exc:  # a full disk, most likely: say so in one line, the record is returned all the same
        run.progress.say(f"could not write the result record {path}: {_disk_full(exc) or exc}")
    return path


def _disk_full(exc: BaseException) -> str | None:
    """The one-line message for a full disk (or quota): which folder, and what to do."""
    if not isinstance(exc, OSError) or exc.errno not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return None
    where = Path(exc.filename) if isinstance(exc.filename, str) else None
    mount = where
    while mount is not None and mount != mount.parent and not os.path.ismount(mount):
        mount = mount.parent
    place = f"{mount} is full (writing {where})" if where is not None else "a disk the cell writes to is full"
    return (f"no space left on device: {place}; free space there, or point MESONMATRIX_HOME and "
            "MESONMATRIX_CACHE at a disk with room")


def _full_disk_in(exc: CommandFailed) -> str | None:
    if "No space left on device" not in exc.tail:
        return None
    return (f"no space left on device: `{Path(exc.argv[0]).name}` ran out of room while writing (log: {exc.log}); "
            "free space, or point MESONMATRIX_HOME and MESONMATRIX_CACHE at a disk with room")


def _unexpected(run: _Run, state: CellState, exc: Exception) -> str:
    """A one-line message for an error the tool did not expect; the traceback goes to the cell log."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log = state.log or run.record_path(state).with_name("cell.log")
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write("\n" + trace)
    except OSError:
        log = Path("(the log could not be written)")
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"unexpected error: {type(exc).__name__}: {first_line} (traceback in {log})"


def _run_locked(run: _Run, matrices: MatrixSet, state: CellState) -> None:
    cell, progress = run.cell, run.progress
    target = state.target = resolve_target(run.options.target or cell.target, matrices.presets,
                                           run.workspace.shared_cache)
    plan = state.plan = plan_cell(cell, target, run.workspace, run.options, matrix=matrices.matrix)
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
        _write(run, state, run.record(state, FAILED, f"unfinished: the run started at {run.started} "
                                                     f"(pid {os.getpid()}) has not ended, or was killed"))
        log = state.log = plan.results_dir / "cell.log"
        log.write_text("")
        if plan.options.culprit_step is None:  # a culprit search explained the run this one replaces
            (plan.results_dir / "culprit.json").unlink(missing_ok=True)
            shutil.rmtree(plan.results_dir / "culprit", ignore_errors=True)
        progress.say(f"=== {cell.session_name}: {target.name} {target.version} ({cell.describe()})")
        try:
            with probes_logged_to(log):
                run_stages(plan, _context(run, log), state.stages)
        except CellError as exc:
            if plan.loosening is not None and state.stages.build_env is not None:
                state.retry = _retry_with_bound(run, matrices, state, str(exc))
            raise


def _context(run: _Run, log: Path) -> StageContext:
    runner = CommandRunner(log=log, stream=run.progress.stream,
                           env=bytecode_env(os.environ, run.workspace.shared_cache))
    runner.env["UV_PYTHON_DOWNLOADS"] = "never"
    runner.env.pop("PYTHONPATH", None)
    return StageContext(runner=runner, progress=run.progress, uv=uv_binary(), shared_cache=run.workspace.shared_cache)


def _retry_with_bound(run: _Run, matrices: MatrixSet, state: CellState, failure: str) -> BoundRetry | None:
    """A loosened cell failed: when one dependency above its original bound most likely
    caused it, build (and test) once more with only that bound restored, beside the first
    attempt (``retry/`` in the results folder, its own build dir), and say which it was."""
    plan, env = state.plan, state.stages.build_env
    assert plan is not None and plan.loosening is not None and env is not None
    culprit = culprit_for(plan.loosening, env.packages, failure)
    if culprit is None:
        return None
    restored = plan.loosening.original[culprit]
    retry = plan_retry(plan, culprit, matrices.matrix)
    retry.results_dir.mkdir(parents=True, exist_ok=True)
    run.progress.say(f"=== {run.cell.session_name}: most likely caused by {culprit}, above its bound; building "
                     f"once more with {restored} restored (log: {retry.results_dir / 'cell.log'})")
    try:
        with probes_logged_to(retry.results_dir / "cell.log"):
            run_stages(retry, _context(run, retry.results_dir / "cell.log"), StageResults())
    except CellError as exc:
        return BoundRetry(restored=restored, status=FAILED, error=str(exc).splitlines()[0],
                          verdict=f"still fails with {restored}: {culprit} is not (alone) the cause")
    return BoundRetry(restored=restored, status=PASSED,
                      verdict=f"passes with {restored}: the newer {culprit} breaks the build or its tests")


def assemble_record(
    cell: Cell,
    options: RunOptions,
    state: CellState,
    *,
    status: Status,
    error: BaseException | str | None,
    started: str,
    durations: dict[str, float],
) -> ResultRecord:
    """The cell's record, from the plan and whatever the stages returned before the end."""
    target, plan, results = state.target, state.plan, state.stages
    env, build = results.build_env, results.build
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
        linked_blas=list(build.linked_blas) if build else [],
        compiler_cache=build.compiler_cache if build else None,
        system_components=build.system_components if build else {},
        pkg_config=build.pkg_config if build else {},
        tag_wheels=plan.options.tag_wheels if plan and build else INSTALL_PLAN,
        built_wheels=build.shipped.infos if build else [],
        wheels=results.repair.infos if results.repair else [],
        repair=results.repair.repair if results.repair else None,
        partition=results.split.record if results.split else None,
        package=results.package,
        tests=results.tests.counts if results.tests else _no_tests(plan),
        blas_runtime=results.tests.blas_runtime if results.tests else None,
        test_setup=TestSetup(honoured=list(plan.tests.honoured), not_honoured=list(plan.tests.not_honoured))
        if plan and (plan.tests.honoured or plan.tests.not_honoured) else None,
        toolchain=_toolchain(state, rejected=isinstance(error, ToolchainRejected)),
        build_deps=build_deps_record(plan.loosening, env.packages if env else None,
                                     None if error is None else str(error), state.retry)
        if plan and plan.loosening else None,
        deps=deps_record(cell, plan, results),
        durations=durations,
        log=str(state.log) if state.log else None,
    )


def deps_record(cell: Cell, plan: CellPlan | None, results: StageResults) -> DepsRecord:
    """The cell's channel and indexes; each resolved env's packages and their drift from
    the locks; a locked cell's build env as installed (its lock says the rest)."""
    indexes = plan.indexes if plan else None
    resolved, env = results.resolved, results.build_env

    def installed(env_name: str) -> list[InstalledPackage]:
        return [InstalledPackage(name=p.name, version=p.version, index=p.index)
                for p in (resolved.packages.get(env_name, []) if resolved else [])]

    build = installed("build") or [InstalledPackage(name=n, version=v) for n, _, v in
                                   (line.partition("==") for line in (env.packages if env else ())) if v]
    return DepsRecord(
        channel=cell.deps, index_url=redacted(indexes.index_url) if indexes and indexes.index_url else None,
        extra_index_urls=[redacted(url) for url in indexes.extra] if indexes else [], build=build,
        test=installed("test"),
        drift=[DriftEntry(env=c.env, name=c.name, locked=c.locked, resolved=c.resolved, rebuilt=c.rebuilt)
               for c in (resolved.drift if resolved else [])],
        resolved_files={k: str(v) for k, v in (resolved.files.items() if resolved else [])},
        warnings=list(resolved.warnings) if resolved else [])


def _no_tests(plan: CellPlan | None) -> TestCounts | None:
    """No counts yet: zeros, or None for a cell whose package cannot be tested here (conda)."""
    return None if plan is not None and plan.cell.package == CONDA else TestCounts()


def _toolchain(state: CellState, *, rejected: bool) -> ToolchainRecord | None:
    """toolchain-min cells: what was asked for, the floor check, and what meson used."""
    plan, env, build = state.plan, state.stages.build_env, state.stages.build
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
