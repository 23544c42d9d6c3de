"""The wheels under test into a test venv, leaving nothing in uv's cache.

uv keeps an unpacked copy of every local wheel it installs (keyed by the file's path and
mtime) and never drops it: every cell that made a new wheel left one more copy, 24 MB
for the demo's OpenBLAS wheel, and a machine running the matrix every night reached
1,923 copies and 57 GB. ``uv pip install --no-cache`` avoids that but doubled the test
venv's stage (0.15 s a cell on the demo matrix). ``installer``, the reference installer,
unpacks a wheel straight into the venv in this process: nothing is kept and no process
starts.

uv still installs where the tool cannot use installer (a venv layout the platform does not
claim, installer missing, or a distribution of the same name already in the venv, which
uv replaces and installer would overwrite file by file), then with ``--no-cache``.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Sequence
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from ..machine.commands import CommandRunner
from ..machine.uv import install_command, wheels_only_command
from ..platforms.base import Platform, VenvScheme

INSTALLER_NAME = b"mesonmatrix\n"  # the dist-info's INSTALLER file (PEP 376)


def install_wheels_under_test(runner: CommandRunner, uv: str, platform: Platform, venv: Path,
                              wheels: Sequence[Path]) -> None:
    """``wheels`` alone (their dependencies came with the test requirements) into ``venv``."""
    scheme = platform.venv_scheme(venv)
    if scheme is None or importlib.util.find_spec("installer") is None or _any_installed(scheme, wheels):
        runner.run([*wheels_only_command(uv, platform.venv_python(venv), wheels), "--no-cache"],
                   label="install the wheels under test (uv, without its cache)")
        return
    for wheel in wheels:
        runner.note(f"[install {wheel.name} into {scheme.site_packages} with installer, outside uv's cache]")
        install_wheel(wheel, scheme, platform.venv_python(venv))


def install_wheel(wheel: Path, scheme: VenvScheme, interpreter: Path) -> None:
    """One wheel unpacked into ``scheme``: no bytecode, as uv writes none either (the test
    processes compile into the shared bytecode prefix)."""
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    with WheelFile.open(wheel) as source:
        # installer types script_kind as a Literal; the platform's scheme holds a plain str
        # (one of those values). Passed through Any so mypy agrees with or without installer.
        kind: dict[str, Any] = {"script_kind": scheme.script_kind}
        destination = SchemeDictionaryDestination(
            scheme.paths(source.distribution), interpreter=str(interpreter), bytecode_optimization_levels=(), **kind)
        install(source, destination, additional_metadata={"INSTALLER": INSTALLER_NAME})


def _normalized(name: str) -> str:
    # The name's normal form (PEP 503); a wheel file names it with "_" for each run (PEP 491).
    return re.sub(r"[-_.]+", "-", name).lower()


def _any_installed(scheme: VenvScheme, wheels: Sequence[Path]) -> bool:
    """Whether a distribution of one of ``wheels``' names is in the venv already."""
    present = {_normalized(p.name.removesuffix(".dist-info").rsplit("-", 1)[0])
               for p in scheme.site_packages.glob("*.dist-info")}
    return any(_normalized(w.name.split("-", 1)[0]) in present for w in wheels)


def dependencies_of(wheels: Sequence[Path]) -> tuple[str, ...]:
    """The Requires-Dist of ``wheels`` that name none of them (a tests wheel requires its
    runtime wheel) and ask for no extra, as written: uv judges their environment markers
    for the venv's Python, which this process is not."""
    names = {_normalized(w.name.split("-", 1)[0]) for w in wheels}
    found: list[str] = []
    for wheel in wheels:
        for text in _requires_dist(wheel):
            requirement = Requirement(text)
            if _normalized(requirement.name) in names or (requirement.marker and "extra" in str(requirement.marker)):
                continue
            found.append(text)
    return tuple(dict.fromkeys(found))


def _requires_dist(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        message = HeaderParser().parsestr(archive.read(metadata).decode("utf-8"))
    return [str(r) for r in message.get_all("Requires-Dist") or []]


def ensure_pytest_xdist(runner: CommandRunner, uv: str, platform: Platform, venv: Path) -> None:
    """pytest-xdist in the test venv for ``test_jobs``, when its requirements (a lock that
    lacks it) did not bring it: the newest, unpinned, and the cell log says so."""
    scheme = platform.venv_scheme(venv)
    if scheme is not None and (scheme.site_packages / "xdist").is_dir():
        return
    runner.run(install_command(uv, platform.venv_python(venv), (), ("pytest-xdist",)),
               label="install pytest-xdist for test_jobs (not in the test requirements: unpinned)")
