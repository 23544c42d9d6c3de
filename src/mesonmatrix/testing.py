"""The test stage: a fresh venv holding only the repaired wheels, and the installed tests."""

from __future__ import annotations

import json
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from pathlib import Path

from . import blasprobe
from .commands import CellError, CommandRunner
from .record import TestCounts

# Test modules, not every conftest.py: NumPy and SciPy tag their package-level
# conftest.py (pytest configuration for their test() entry points) python-runtime.
_TEST_FILE = re.compile(r"(^|/)tests?/(.*/)?(test_[^/]*|[^/]*_test|conftest)\.py$")


def venv_python(venv: Path, os_name: str) -> Path:
    return venv / "Scripts" / "python.exe" if os_name == "windows" else venv / "bin" / "python"


def venv_bin(venv: Path, os_name: str) -> Path:
    return venv / ("Scripts" if os_name == "windows" else "bin")


def create_venv_command(uv: str, python: Path, venv: Path) -> list[str]:
    return [uv, "venv", "--clear", "--no-project", "--python", str(python), str(venv)]


def install_command(uv: str, venv_py: Path, wheels: Sequence[Path], requirements: Sequence[str]) -> list[str]:
    return [uv, "pip", "install", "--python", str(venv_py), *map(str, wheels), *requirements]


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


def test_files_in(wheel: Path) -> list[str]:
    """Test modules a wheel would install: a runtime-only wheel must have none."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(n for n in archive.namelist() if _TEST_FILE.search(n))


def run_pytest(runner: CommandRunner, venv_py: Path, suite_args: Sequence[str], junit: Path, *, suite: str,
               source: str, env: dict[str, str] | None = None) -> TestCounts:
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-tests-") as cwd:
        result = runner.run(pytest_command(venv_py, suite_args, junit), label=f"pytest --pyargs {' '.join(suite_args)}",
                            cwd=Path(cwd), extra_env=env, check=False)
    if result.returncode == 5:
        raise CellError(f"pytest collected no tests from the installed {' '.join(suite_args)}")
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


def probe_blas(runner: CommandRunner, venv_py: Path, import_name: str, *, env: dict[str, str] | None = None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-probe-") as cwd:
        result = runner.run([str(venv_py), blasprobe.__file__, import_name], label="detect the BLAS loaded at run time",
                            cwd=Path(cwd), extra_env=env)
    last = result.stdout.strip().splitlines()[-1]
    found: dict[str, object] = json.loads(last)
    return found
