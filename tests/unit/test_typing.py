"""The package and the noxfile are type-checked (mypy --strict) and linted (ruff), as configured in pyproject.toml."""

import shutil
import subprocess
import sys

import pytest

from cells import ROOT


@pytest.mark.parametrize("platform", [None, "darwin", "win32"])
def test_mypy_strict_passes(platform):
    """Also as if on macOS and Windows: code that only runs there is type-checked here."""
    if (
        shutil.which("mypy") is None
        and subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True).returncode
    ):
        pytest.fail("mypy is not installed: python3 -m pip install -e '.[test]'")
    argv = [sys.executable, "-m", "mypy", *(["--platform", platform] if platform else [])]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_finds_no_mistakes():
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "scripts", "noxfile.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
