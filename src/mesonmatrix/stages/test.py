"""The test stage: a fresh venv holding only the repaired wheels, then the installed
tests (or, for a runtime-only wheel, an import smoke test) and the BLAS check."""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CellError
from ..machine.commands import CommandRunner
from ..machine.uv import create_venv_command, install_command
from ..plan import CellPlan
from ..record import BlasRuntime, TestCounts
from ..wheels.files import stray_test_files
from .blascheck import blas_mismatch, probe_blas
from .build_env import BuildEnv
from .context import StageContext


@dataclass(frozen=True, kw_only=True)
class TestResult:
    __test__ = False  # a result, not a test class for pytest to collect
    counts: TestCounts
    blas_runtime: BlasRuntime | None = None
    failure: str | None = None  # the cell's error: failed tests or the wrong BLAS


def pytest_command(venv_py: Path, suite_args: Sequence[str], junit: Path) -> list[str]:
    # --pyargs runs the installed package's tests; -p no:cacheprovider keeps the cwd clean.
    return [str(venv_py), "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", "-q", "-rfE",
            "--pyargs", *suite_args]


def parse_junit(path: Path, suite: str, source: str) -> TestCounts:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failures = errors = skipped = 0
    for element in suites:
        total += int(element.get("tests", 0))
        failures += int(element.get("failures", 0))
        errors += int(element.get("errors", 0))
        skipped += int(element.get("skipped", 0))
    return TestCounts(suite=suite, source=source, passed=total - failures - errors - skipped, failed=failures,
                      skipped=skipped, errors=errors)


def run_pytest(runner: CommandRunner, venv_py: Path, suite_args: Sequence[str], junit: Path, *, suite: str,
               source: str, env: dict[str, str] | None = None) -> TestCounts:
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-tests-") as cwd:
        result = runner.run(pytest_command(venv_py, suite_args, junit), label=f"pytest --pyargs {' '.join(suite_args)}",
                            cwd=Path(cwd), extra_env=env, check=False)
    if result.returncode == 5:
        raise CellError(f"pytest collected no tests from the installed {' '.join(suite_args)}")
    if result.returncode == 4:
        # A usage error: the suite's arguments (or a plugin option) are wrong, not the tests.
        said = (result.stdout.strip().splitlines() or [""])[-1]
        raise CellError(f"pytest usage error (exit 4) for the suite's arguments {' '.join(suite_args)}: {said}")
    if not junit.is_file():
        raise CellError(f"pytest exited {result.returncode} without writing {junit}")
    counts = parse_junit(junit, suite, source)
    if result.returncode not in (0, 1):
        raise CellError(f"pytest exited {result.returncode} (interrupted or internal error); log: {runner.log}")
    return counts


def run_smoke(runner: CommandRunner, venv_py: Path, code: str, *, env: dict[str, str] | None = None) -> TestCounts:
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-smoke-") as cwd:
        runner.run([str(venv_py), "-c", code], label="import smoke test", cwd=Path(cwd), extra_env=env)
    return TestCounts(suite="import", source="smoke", passed=1)


def make_test_venv(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, repaired: dict[str, Path]) -> Path:
    """A fresh venv with the repaired wheels and the test requirements, locked when a lock exists."""
    venv, tests = plan.test_venv, plan.tests
    venv_py = plan.platform.venv_python(venv)
    wheels = list(repaired.values())
    with ctx.progress.stage("test_env", f"fresh uv venv {venv} with {', '.join(p.name for p in wheels)}"):
        ctx.runner.run(create_venv_command(ctx.uv, build_env.python, venv), label="create test venv")
        if tests.lock is not None:
            # Locked test requirements (hash-checked), then the wheels under test alone.
            ctx.runner.run([*install_command(ctx.uv, venv_py, (), ()), "--require-hashes", "-r", str(tests.lock)],
                           label=f"install test requirements from {tests.lock.name}")
            ctx.runner.run([*install_command(ctx.uv, venv_py, wheels, ()), "--no-deps"],
                           label="install the repaired wheels")
        else:
            ctx.runner.run(install_command(ctx.uv, venv_py, wheels, tests.requirements),
                           label="install the repaired wheels")
    return venv_py


class TestsFailed(CellError):
    """Failed tests or the wrong BLAS; carries the result so the record still shows the counts."""

    __test__ = False

    def __init__(self, result: TestResult) -> None:
        self.result = result
        super().__init__(result.failure)


def run_tests(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, repaired: dict[str, Path]) -> TestResult:
    """Raises TestsFailed (with the result) when a test fails or the loaded BLAS is not the cell's."""
    venv_py = make_test_venv(plan, ctx, build_env, repaired)
    # Tools that the tests shell out to must come from the test venv, not the build env.
    path = os.pathsep.join([str(plan.platform.venv_bin(plan.test_venv)), os.environ.get("PATH", "")])
    env = {**build_env.env, "PATH": path}
    with ctx.progress.stage("test", f"installed {plan.target.import_name}, run from outside any source tree"):
        result = _test_installed(plan, ctx, venv_py, repaired, env)
        if result.failure:
            raise TestsFailed(result)
    return result


def _test_installed(plan: CellPlan, ctx: StageContext, venv_py: Path, repaired: dict[str, Path],
                    env: dict[str, str]) -> TestResult:
    tests = plan.tests
    if tests.kind == "smoke":
        stray = stray_test_files(repaired["runtime"])
        if stray:
            raise CellError(f"the runtime-only wheel installs test files: {', '.join(stray[:5])}")
        counts = run_smoke(ctx.runner, venv_py, tests.smoke, env=env)
        ctx.say(f"    smoke test passed; no test files in {repaired['runtime'].name}")
    else:
        junit = plan.results_dir / "junit.xml"
        junit.unlink(missing_ok=True)
        counts = run_pytest(ctx.runner, venv_py, tests.suite_args, junit, suite=tests.suite, source=tests.source,
                            env=env)
        ctx.say(f"    {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped, {counts.errors} errors")
        if counts.failed or counts.errors:
            return TestResult(counts=counts, failure=f"tests failed: {counts.failed} failed, {counts.errors} errors "
                                                     f"(junit: {junit})")
        if counts.passed == 0:
            return TestResult(counts=counts, failure="no test passed")
    found = probe_blas(ctx.runner, venv_py, plan.target.import_name, env=env)
    ctx.say(f"    loaded BLAS: {found.name or 'none found'} ({found.library or '-'}), {found.int_size}-bit integers")
    return TestResult(counts=counts, blas_runtime=found,
                      failure=blas_mismatch(found, plan.provider.expectation, plan.cell.blas))
