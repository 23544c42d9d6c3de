"""Installing Debian packages a cell needs: only when missing, only as root, never silently."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence

from ..errors import PrerequisiteMissing
from .commands import CommandRunner


def install_command(packages: Sequence[str]) -> list[str]:
    return ["apt-get", "install", "-y", "--no-install-recommends", *packages]


def ensure_apt_packages(
    runner: CommandRunner, packages: Sequence[str], present: Callable[[], bool], purpose: str
) -> None:
    """Install ``packages`` with apt unless ``present()``; raise with the exact command if we may not."""
    if present():
        return
    command = " ".join(install_command(packages))
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PrerequisiteMissing(
            f"{purpose} needs Debian packages {', '.join(packages)}; run: sudo apt-get update && sudo {command}"
        )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    runner.run(["apt-get", "update", "-q"], label="apt-get update", extra_env=env)
    runner.run(install_command(packages), label=f"install {', '.join(packages)} for {purpose}", extra_env=env)
    if not present():
        raise PrerequisiteMissing(f"{command} ran, but what {purpose} needs is still missing")


def ensure_commands(runner: CommandRunner, commands: dict[str, str], purpose: str) -> None:
    """Make each command (a key) available, installing its Debian package (the value)."""
    missing = {c: p for c, p in commands.items() if shutil.which(c) is None}
    if missing:
        ensure_apt_packages(
            runner,
            sorted(set(missing.values())),
            lambda: all(shutil.which(c) for c in missing),
            f"{purpose} ({', '.join(missing)})",
        )
