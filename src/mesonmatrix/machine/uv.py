"""uv, the tool that makes every venv here (build and test): where it is, and its argv."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from ..errors import PrerequisiteMissing
from .commands import CommandRunner, probe


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


def create_venv(runner: CommandRunner, uv: str, python: Path, venv: Path, *, label: str) -> None:
    """A fresh venv at ``venv`` (one of the tool's own paths), first removing what a killed
    ``uv venv`` left there (a folder with no ``pyvenv.cfg`` yet): ``uv venv --clear``
    refuses to clear "a directory that is not a virtual environment", and the cell after
    a kill -9 failed on it. A real venv is left for ``--clear``."""
    if venv.is_dir() and not venv.is_symlink() and not (venv / "pyvenv.cfg").exists():
        shutil.rmtree(venv, ignore_errors=True)
    runner.run(create_venv_command(uv, python, venv), label=label)


def install_command(uv: str, venv_py: Path, wheels: Sequence[Path], requirements: Sequence[str]) -> list[str]:
    return [uv, "pip", "install", "--python", str(venv_py), *map(str, wheels), *requirements]


def locked_install_command(uv: str, venv_py: Path, lock: Path) -> list[str]:
    """Every requirement of a lock file, hash-checked (a build env's, a test venv's)."""
    return [*install_command(uv, venv_py, (), ()), "--require-hashes", "-r", str(lock)]


def install_from_lock(runner: CommandRunner, uv: str, venv_py: Path, lock: Path, *, label: str,
                      index_args: Sequence[str] = ()) -> None:
    """Every requirement of ``lock`` into ``venv_py``: from uv's cache alone when it holds
    a wheel for each, from the index only when it does not.

    Every file of a lock is pinned and hash-checked, yet uv asks the index again for each
    package's page before it takes the file it has cached: measured on this machine (PyPI
    through a proxy), 0.3-0.4 s of every build env and test venv, against 0.05 s with
    ``--offline``. An offline attempt that lacks a file fails while resolving, before it
    installs anything, and the ordinary install follows; its output stays in the log.
    ``--no-build`` keeps it from choosing a pinned sdist where its cached (possibly older)
    view of the index shows no wheel for this Python: a wheel uploaded since is then found
    online. Where uv has no cache, or is offline anyway, there is one install only.
    ``index_args``: the cell's package indexes (lockfiles.resolve.Indexes).
    """
    argv = [*locked_install_command(uv, venv_py, lock), *index_args]
    if not (runner.env.get("UV_NO_CACHE") or runner.env.get("UV_OFFLINE")):
        cached = runner.run([*argv, "--offline", "--no-build"], label=f"{label} (uv's cache alone)", check=False,
                            echo=False)
        if cached.returncode == 0:
            return
        runner.note("[the install above, from uv's cache alone, lacked a file: the index is asked next]")
        label = f"{label} (not all in uv's cache: from the index)"
    runner.run(argv, label=label)


def wheels_only_command(uv: str, venv_py: Path, wheels: Sequence[Path]) -> list[str]:
    """The wheels under test alone: their dependencies came from the lock."""
    return [*install_command(uv, venv_py, wheels, ()), "--no-deps"]


def uv_cache_dir() -> Path | None:
    """Where uv keeps its cache (``uv cache dir``: it follows UV_CACHE_DIR and its config), or None."""
    try:
        out = probe([uv_binary(), "cache", "dir"])
    except PrerequisiteMissing:
        return None
    return Path(out.stdout.strip()) if out is not None and out.returncode == 0 and out.stdout.strip() else None


def freeze_command(uv: str, venv_py: Path) -> list[str]:
    return [uv, "pip", "freeze", "--python", str(venv_py)]
