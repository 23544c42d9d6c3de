"""Checks before the build: what would otherwise fail deep inside meson, or be hidden by
what meson cached in an existing build dir, stops the cell here with the exact fix."""

from __future__ import annotations

import shutil
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..errors import CellError, PrerequisiteMissing
from ..machine.apt import ensure_commands
from ..machine.commands import CommandRunner
from ..machine.pythons import full_version
from ..targets.target import Target

# Commands every meson-python build runs, and the Debian package of each. Meson caches
# what pkg-config found in a build dir, so a pkg-config removed since would go unnoticed
# by a reused build dir until some lookup that was not cached.
BUILD_COMMANDS = {"ninja": "ninja-build", "pkg-config": "pkg-config"}


def check_requires_python(target: Target, python: Path) -> None:
    """The target's ``requires-python`` must admit the cell's interpreter."""
    if not target.requires_python:
        return
    version = full_version(python)
    try:
        allowed = SpecifierSet(target.requires_python)
    except InvalidSpecifier:
        declared = target.requires_python
        raise CellError(f"{target.name}'s requires-python {declared!r} is not a valid specifier") from None
    if version is not None and not allowed.contains(version, prereleases=True):
        raise PrerequisiteMissing(
            f"{target.name} {target.version} requires Python {target.requires_python}, and this cell's interpreter "
            f"{python} is {version}: drop this Python from the matrix, or build another version of the target"
        )


def ensure_build_commands(runner: CommandRunner, path: str) -> None:
    """ninja and pkg-config on the build's PATH (the build env's bin first): installed
    with apt as root, otherwise the cell stops with the command that installs them."""
    missing = {c: p for c, p in BUILD_COMMANDS.items() if shutil.which(c, path=path) is None}
    if missing:
        ensure_commands(runner, missing, "the build")
        still = [c for c in missing if shutil.which(c, path=path) is None]
        if still:
            raise PrerequisiteMissing(f"{', '.join(still)} installed, but not found on the build's PATH {path}")
