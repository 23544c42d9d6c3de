"""The package and the noxfile are type-checked (mypy --strict) and linted (ruff), as configured in pyproject.toml."""

import shutil
import subprocess
import sys

import pytest

from cells import ROOT


def test_mypy_strict_passes():
    if (
        shutil.which("mypy") is None
        and subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True).returncode
    ):
        pytest.fail("mypy is not installed: python3 -m pip install -e '.[test]'")
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_finds_no_mistakes():
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "scripts", "noxfile.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
