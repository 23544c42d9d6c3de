"""Installing Debian packages a cell needs: only when missing, only as root, never silently.

Two cells that both install a Debian BLAS, or a cell on a fresh CI runner while
unattended-upgrades runs, would otherwise fail with "Could not get lock
/var/lib/dpkg/lock-frontend". Cells of this tool take turns through a lock of their
own, and apt itself is told to wait for anyone else's (``DPkg::Lock::Timeout``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence

from ..errors import PrerequisiteMissing
from .commands import CommandRunner
from .locking import exclusive_lock, machine_lock

# How long apt waits for another apt or dpkg to let go of its lock (seconds).
LOCK_TIMEOUT = 600
# Debian package names (Debian Policy 5.6.1): lower case, digits, + - . ; never an option.
PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")  # fullmatch: see model.SAFE_NAME


def install_command(packages: Sequence[str]) -> list[str]:
    """The install command as a user would type it (shown in fixes)."""
    return ["apt-get", "install", "-y", "--no-install-recommends", *packages]


def fix_command(packages: Sequence[str]) -> str:
    """The exact, shell-quoted commands a user without root runs instead."""
    return f"sudo apt-get update && sudo {shlex.join(install_command(packages))}"


def waiting_for_lock(argv: list[str]) -> list[str]:
    """``apt-get …`` that waits for another apt or dpkg instead of failing on its lock."""
    return [argv[0], "-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT}", *argv[1:]]


def ensure_apt_packages(
    runner: CommandRunner, packages: Sequence[str], present: Callable[[], bool], purpose: str
) -> None:
    """Install ``packages`` with apt unless ``present()``; raise with the exact command if we may not."""
    if present():
        return
    bad = [p for p in packages if not PACKAGE_NAME.fullmatch(p)]
    if bad:
        raise PrerequisiteMissing(f"{purpose}: {', '.join(map(repr, bad))} is not a Debian package name")
    if sys.platform == "win32" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        needs = ", ".join(packages)
        raise PrerequisiteMissing(f"{purpose} needs Debian packages {needs}; run: {fix_command(packages)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    def say(text: str) -> None:
        runner.stream.write(text + "\n")

    with exclusive_lock(machine_lock("apt"), say):
        if present():  # another cell installed it while this one waited
            return
        say(f"    apt-get waits up to {LOCK_TIMEOUT} s for any other apt or dpkg to finish")
        runner.run(waiting_for_lock(["apt-get", "update", "-q"]), label="apt-get update", extra_env=env)
        runner.run(waiting_for_lock(install_command(packages)), label=f"install {', '.join(packages)} for {purpose}",
                   extra_env=env)
    if not present():
        ran = shlex.join(install_command(packages))
        raise PrerequisiteMissing(f"{ran} ran, but what {purpose} needs is still missing")


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
