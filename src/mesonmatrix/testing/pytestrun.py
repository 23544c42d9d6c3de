"""Running pytest (and the import smoke test) in a test venv, and reading its junit file."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ..errors import CellError, NoTestsCollected
from ..machine.commands import CommandRunner
from ..record import TestCounts
from .summary import from_pytest


def pytest_command(venv_py: Path, suite_args: Sequence[str], junit: Path, *, pyargs: bool = True) -> list[str]:
    # --pyargs runs the installed package's tests; -p no:cacheprovider keeps the cwd clean.
    return [str(venv_py), "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", "-q", "-rfE",
            *(["--pyargs"] if pyargs else []), *suite_args]


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
               source: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               pyargs: bool = True) -> TestCounts:
    """pytest with a junit file; from ``cwd``, or from an empty folder outside any tree."""
    label = f"pytest {'--pyargs ' if pyargs else ''}{' '.join(suite_args)}"
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-tests-") as empty:
        result = runner.run(pytest_command(venv_py, suite_args, junit, pyargs=pyargs), label=label,
                            cwd=cwd or Path(empty), extra_env=env, check=False)
    if result.returncode == 5:
        raise NoTestsCollected(f"pytest collected no tests from the installed {' '.join(suite_args)}")
    if result.returncode == 4:
        # A usage error: the suite's arguments (or a plugin option) are wrong, not the tests.
        said = (result.stdout.strip().splitlines() or [""])[-1]
        raise CellError(f"pytest usage error (exit 4) for the suite's arguments {' '.join(suite_args)}: {said}")
    if not junit.is_file():
        raise CellError(f"pytest exited {result.returncode} without writing {junit}")
    # pytest's own summary line keeps xfails, xpasses and subtests apart; JUnit does not.
    counts = from_pytest(result.stdout, TestCounts(suite=suite, source=source)) or parse_junit(junit, suite, source)
    if result.returncode not in (0, 1):
        raise CellError(f"pytest exited {result.returncode} (interrupted or internal error); log: {runner.log}")
    return counts


def run_smoke(runner: CommandRunner, venv_py: Path, code: str, *, env: dict[str, str] | None = None) -> TestCounts:
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-smoke-") as cwd:
        runner.run([str(venv_py), "-c", code], label="import smoke test", cwd=Path(cwd), extra_env=env)
    return TestCounts(suite="import", source="smoke", passed=1)
