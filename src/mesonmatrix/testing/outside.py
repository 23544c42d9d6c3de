"""Tests kept outside the package: copied out of the source tree, then run against the
installed wheel, either as a folder with pytest or with the project's own cibuildwheel
test commands."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CellError
from ..machine.commands import CommandRunner
from ..record import TestCounts
from .pytestrun import parse_junit, run_pytest

if TYPE_CHECKING:
    from ..plan import TestPlan

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def copy_test_sources(source_dir: Path, copies: tuple[str, ...], dest: Path) -> Path:
    """A fresh ``dest`` holding each listed folder or file of the source tree, at the same
    relative place: the tests' own imports then resolve to the installed wheel."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for relative in copies:
        origin = (source_dir / relative).resolve()
        if not origin.is_relative_to(source_dir.resolve()) or not origin.exists():
            raise CellError(f"test source {relative!r} is not in {source_dir}")
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=_IGNORED)
        else:
            shutil.copy2(origin, target)
    return dest


def run_test_dir(tests: TestPlan, results_dir: Path, runner: CommandRunner, venv_py: Path, work: Path,
                 env: dict[str, str]) -> TestCounts:
    """pytest on the copied test folders, from the copy's root."""
    junit = results_dir / "junit.xml"
    junit.unlink(missing_ok=True)
    return run_pytest(runner, venv_py, [*(str(work / c) for c in tests.copies), *tests.suite_args], junit,
                      suite=tests.suite, source=tests.source, env=env, cwd=work, pyargs=False)


def command_argv(template: tuple[str, ...], venv_py: Path, work: Path, junit: Path) -> tuple[list[str], bool]:
    """A cibuildwheel test command as argv: {project}/{package} become the copy's root,
    ``python`` the test venv's interpreter, and a pytest run also writes ``junit``."""
    argv = [part.replace("{project}", str(work)).replace("{package}", str(work)) for part in template]
    if argv and argv[0] in ("python", "python3"):
        argv[0] = str(venv_py)
    if argv[:1] == ["pytest"]:
        argv = [str(venv_py), "-m", "pytest", *argv[1:]]
    is_pytest = argv[1:3] == ["-m", "pytest"]
    if is_pytest:
        argv = [*argv[:3], "-p", "no:cacheprovider", f"--junitxml={junit}", *argv[3:]]
    return argv, is_pytest


def run_commands(tests: TestPlan, results_dir: Path, runner: CommandRunner, venv_py: Path, work: Path,
                 env: dict[str, str]) -> TestCounts:
    """Each command in turn, from the copy's root. pytest runs are counted from their
    junit files; any other command that succeeds counts as one passed check."""
    totals = TestCounts(suite="cibuildwheel test-command", source=tests.source)
    for index, template in enumerate(tests.commands):
        junit = results_dir / f"junit-{index}.xml"
        junit.unlink(missing_ok=True)
        argv, is_pytest = command_argv(template, venv_py, work, junit)
        result = runner.run(argv, label=f"test command {index + 1} of {len(tests.commands)}", cwd=work,
                            extra_env=env, check=False)
        if is_pytest and junit.is_file():
            counts = parse_junit(junit, totals.suite, tests.source)
        else:
            counts = TestCounts(passed=1 if result.returncode == 0 else 0, failed=0 if result.returncode == 0 else 1)
        if result.returncode != 0 and not (counts.failed or counts.errors):
            counts = TestCounts(passed=counts.passed, failed=1, skipped=counts.skipped)
        totals = TestCounts(suite=totals.suite, source=totals.source, passed=totals.passed + counts.passed,
                            failed=totals.failed + counts.failed, skipped=totals.skipped + counts.skipped,
                            errors=totals.errors + counts.errors)
    return totals

