"""The test stage: a fresh venv holding only the repaired wheels, then the installed
tests (or, for a runtime-only wheel, an import smoke test) and the BLAS check."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..config.keys import TEST_TIMEOUT
from ..errors import CellError, CommandTimedOut
from ..machine.admission import admitted
from ..machine.context import StageContext
from ..machine.uv import create_venv, install_command, install_from_lock
from ..model import RUNTIME, Role
from ..plan import CellPlan, TestPlan
from ..record import BlasRuntime, TestCounts
from ..targets.pytestjobs import thread_limits
from ..testing.blascheck import blas_mismatch, blas_phrase, probe_blas
from ..testing.earlyvenv import EarlyVenv
from ..testing.outside import run_commands, run_test_dir
from ..testing.pytestrun import run_pytest, run_smoke
from ..testing.summary import counts_phrase
from ..testing.wheelinstall import dependencies_of, ensure_pytest_xdist, install_wheels_under_test
from ..wheels.members import stray_test_files
from . import StageResults
from .build_env import BuildEnv

# The test stage's name in progress output and the record's durations.
TEST_STAGE = "test"


@dataclass(frozen=True, kw_only=True)
class TestResult:
    __test__ = False  # a result, not a test class for pytest to collect
    counts: TestCounts
    blas_runtime: BlasRuntime | None = None
    failure: str | None = None  # the cell's error: failed tests or the wrong BLAS


def fill_test_venv(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, wheels: list[Path],
                   unlocked_extra: tuple[str, ...] = ()) -> Path:
    """A fresh venv with ``wheels`` and the test requirements, locked when a lock exists;
    ``unlocked_extra`` joins the requirements when none is (a deb cell's Requires-Dist)."""
    venv, tests = plan.test_venv, plan.tests
    venv_py = plan.platform.venv_python(venv)
    create_venv(ctx.runner, ctx.uv, build_env.python, venv, label="create test venv")
    if tests.lock is not None:
        # Locked test requirements (hash-checked), then the wheels under test alone.
        install_from_lock(ctx.runner, ctx.uv, venv_py, tests.lock,
                          label=f"install test requirements from {tests.lock.name}",
                          index_args=plan.indexes.pinned_install_args())
        if wheels:
            install_wheels_under_test(ctx.runner, ctx.uv, plan.platform, venv, wheels)
    else:
        # The wheels' own dependencies resolved with the test requirements, then the wheels
        # alone, so that uv keeps no copy of them (testing/wheelinstall.py).
        requirements = (*tests.requirements, *unlocked_extra, *dependencies_of(wheels))
        if requirements:
            ctx.runner.run([*install_command(ctx.uv, venv_py, (), requirements), *plan.indexes.args()],
                           label="install the test requirements")
        if wheels:
            install_wheels_under_test(ctx.runner, ctx.uv, plan.platform, venv, wheels)
    return venv_py


def make_test_venv(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, repaired: dict[Role, Path],
                   early: EarlyVenv | None = None) -> Path:
    """A fresh venv with the repaired wheels and the test requirements: ``early`` made it
    (with the requirements) while the build ran, when it is given."""
    wheels = list(repaired.values())
    with ctx.progress.stage("test_env", f"fresh uv venv {plan.test_venv} with {', '.join(p.name for p in wheels)}"):
        if early is None:
            venv_py = fill_test_venv(plan, ctx, build_env, wheels)
        else:
            try:
                venv_py = early.wait()
            finally:
                _append_log(early.log, ctx.runner.log, early.seconds)
                ctx.progress.durations["test_env_early"] = early.seconds
            install_wheels_under_test(ctx.runner, ctx.uv, plan.platform, plan.test_venv, wheels)
        if plan.tests.xdist_args:
            ensure_pytest_xdist(ctx.runner, ctx.uv, plan.platform, plan.test_venv)
        return venv_py


def _append_log(early_log: Path, cell_log: Path, seconds: float) -> None:
    """The early venv's commands, into the cell log where the test venv is taken."""
    with contextlib.suppress(OSError), cell_log.open("a", encoding="utf-8") as out:
        out.write(f"\n[the test venv was made while the build ran, in {seconds:.1f} s ({early_log.name}):]\n")
        out.write(early_log.read_text(encoding="utf-8", errors="replace"))


def _with_thread_limits(tests: TestPlan, env: dict[str, str], ctx: StageContext) -> dict[str, str]:
    """``env`` with each pytest-xdist worker's share of the cores for its BLAS threads, when
    the tool asked for the workers (a project's own -n runs as the project runs it)."""
    if not tests.xdist_args:
        return env
    return {**env, **thread_limits(tests.workers, {**ctx.runner.env, **env})}


class TestsFailed(CellError):
    """Failed tests or the wrong BLAS; carries the result so the record still shows the counts."""

    __test__ = False

    def __init__(self, result: TestResult) -> None:
        self.result = result
        super().__init__(result.failure)


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> TestResult:
    """The repaired wheels installed in a fresh venv, their tests run from outside any
    source tree, and the BLAS they load proven. Raises TestsFailed (with the result) when
    a test fails or the loaded BLAS is not the cell's."""
    build_env, repaired = earlier.env(), earlier.repaired().paths
    venv_py = make_test_venv(plan, ctx, build_env, repaired, earlier.test_venv)
    # Tools that the tests shell out to must come from the test venv, not the build env.
    path = os.pathsep.join([str(plan.platform.venv_bin(plan.test_venv)), ctx.runner.env.get("PATH", "")])
    env = {**build_env.env, "PATH": path}
    with ctx.progress.stage(TEST_STAGE, f"installed {plan.target.import_name}, run from outside any source tree"):
        result = run_installed_tests(plan, ctx, venv_py, repaired, env)
        if result.failure:
            raise TestsFailed(result)
    return result


def run_installed_tests(plan: CellPlan, ctx: StageContext, venv_py: Path, repaired: dict[Role, Path],
                   env: dict[str, str]) -> TestResult:
    """The cell's tests and BLAS probe in ``venv_py``, which holds what is under test, all
    within the plan's test timeout. The wait for the suite's admission (its memory beside
    the other suites running on the machine) is recorded apart from the test time."""
    with contextlib.ExitStack() as turn:
        with ctx.progress.waiting(TEST_STAGE):
            who = f"{plan.cell.session_name} of {plan.target.name} in {plan.workspace.root}"
            turn.enter_context(admitted(plan.test_need, who, ctx.say))
        # One limit for the whole suite: its commands and the BLAS probe share it.
        seconds = plan.settings.test_seconds
        limited = replace(ctx, runner=replace(ctx.runner, deadline=time.monotonic() + seconds))
        try:
            return _run_installed_tests(plan, limited, venv_py, repaired, env)
        except CommandTimedOut as exc:
            raise CellError(f"tests timed out after {seconds:g} s ({TEST_TIMEOUT.how_to_change()}): the suite and "
                            f"every process it started were ended (log: {exc.log})") from None


def _run_installed_tests(plan: CellPlan, ctx: StageContext, venv_py: Path, repaired: dict[Role, Path],
                         env: dict[str, str]) -> TestResult:
    tests = plan.tests
    for honoured in tests.honoured:
        ctx.say(f"    the project's {honoured}")
    for ignored in tests.not_honoured:
        ctx.say(f"    not followed: {ignored}")
    if tests.workers_why:
        ctx.say(f"    {tests.workers_why}")
    if tests.kind == "smoke":
        stray = stray_test_files(repaired[RUNTIME])
        if stray:
            raise CellError(f"the runtime-only wheel installs test files: {', '.join(stray[:5])}")
        counts = run_smoke(ctx.runner, venv_py, tests.smoke, env=env)
        ctx.say(f"    smoke test passed; no test files in {repaired['runtime'].name}")
    else:
        if tests.kind == "pytest":
            junit = plan.results_dir / "junit.xml"
            junit.unlink(missing_ok=True)
            counts = run_pytest(ctx.runner, venv_py, (*tests.suite_args, *tests.xdist_args), junit,
                                suite=tests.suite, source=tests.source, env=_with_thread_limits(tests, env, ctx))
            where = ""
        elif tests.kind == "commands":
            counts = run_commands(tests, plan.results_dir, ctx.runner, venv_py, env, ctx.uv)
            where = f" (the project's cibuildwheel test commands, {{project}} = {tests.project_dir})"
        else:
            counts = run_test_dir(tests, plan.results_dir, ctx.runner, venv_py, _with_thread_limits(tests, env, ctx))
            where = f" (tests from {tests.source}, run from a copy with the project's pytest configuration)"
        ctx.say(f"    {counts_phrase(counts)}{where}")
        if counts.failed or counts.errors:
            return TestResult(counts=counts, failure=f"tests failed: {counts.failed} failed, {counts.errors} errors "
                                                     f"(logs and junit files in {plan.results_dir})")
        if counts.passed == 0 and not counts.uncounted:
            return TestResult(counts=counts, failure="no test passed")
    expected = plan.provider.expectation
    found = probe_blas(ctx.runner, venv_py, plan.target.import_name, env=env,
                       int_size=expected.int_size if expected.hybrid else None)
    ctx.say(f"    {blas_phrase(found, plan.target.declares_blas)}")
    return TestResult(counts=counts, blas_runtime=found,
                      failure=blas_mismatch(found, expected, plan.cell.blas))
