"""uv, the tool that makes every venv here (build and test): where it is, and its argv."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from ..errors import PrerequisiteMissing


def uv_binary() -> str:
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("uv")
    if found:
        return found
    raise PrerequisiteMissing("uv is not installed: run `python3 -m pip install uv`")


def create_venv_command(uv: str, python: Path, venv: Path) -> list[str]:
    return [uv, "venv", "--clear", "--no-project", "--python", str(python), str(venv)]


def install_command(uv: str, venv_py: Path, wheels: Sequence[Path], requirements: Sequence[str]) -> list[str]:
    return [uv, "pip", "install", "--python", str(venv_py), *map(str, wheels), *requirements]


def locked_install_command(uv: str, venv_py: Path, lock: Path) -> list[str]:
    """Every requirement of a lock file, hash-checked (a build env's, a test venv's)."""
    return [*install_command(uv, venv_py, (), ()), "--require-hashes", "-r", str(lock)]


def wheels_only_command(uv: str, venv_py: Path, wheels: Sequence[Path]) -> list[str]:
    """The wheels under test alone: their dependencies came from the lock."""
    return [*install_command(uv, venv_py, wheels, ()), "--no-deps"]


def freeze_command(uv: str, venv_py: Path) -> list[str]:
    return [uv, "pip", "freeze", "--python", str(venv_py)]
