"""Wheels that can run on this machine: installed in a fresh venv with a matching Python,
their installed test suite run, and the same runtime BLAS probe the cells use."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag, platform_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from ..config.presets import TargetPreset
from ..errors import PrerequisiteMissing, TargetError
from ..lockfiles.files import TEST_TOOLS
from ..machine.commands import CommandRunner
from ..machine.locking import one_test_suite_at_a_time
from ..machine.pythons import find_python
from ..machine.uv import create_venv_command, install_command, uv_binary
from ..platforms import PLATFORMS, host_platform_name
from ..record import BlasRuntime, TestCounts
from ..testing.blascheck import probe_blas
from ..testing.pytestrun import run_pytest

_CPYTHON = re.compile(r"cp(?P<major>\d)(?P<minor>\d+)(?P<threading>t?)")
# The Python an abi3 or pure wheel is tried with, when it runs here at all.
_PREFERRED = ("3.12", "3.13", "3.11", "3.10")


@dataclass(frozen=True, kw_only=True)
class SuiteChoice:
    import_name: str
    suite: str  # the preset's suite name, or "installed" for a package without a preset
    args: tuple[str, ...]  # after ``pytest --pyargs``
    requirements: tuple[str, ...]


def _python_for(tag: Tag) -> list[str]:
    match = _CPYTHON.fullmatch(tag.interpreter)
    if tag.abi == "abi3" or tag.interpreter.startswith("py"):
        return list(_PREFERRED)
    if match is None:
        return []  # PyPy, GraalPy …: not on this machine
    return [f"{match['major']}.{match['minor']}{match['threading']}"]


def runnable_python(wheel: Path) -> tuple[str, Path] | None:
    """The Python version and interpreter that can install ``wheel`` here, if any."""
    here = set(platform_tags()) | {"any"}
    for tag in sorted(parse_wheel_filename(wheel.name)[3], key=str):
        if tag.platform not in here:
            continue
        for version in _python_for(tag):
            try:
                return version, find_python(version)
            except PrerequisiteMissing:
                continue
    return None


def suite_for(distribution: str, presets: dict[str, TargetPreset], suite: str | None) -> SuiteChoice:
    """The preset of the same project (its default suite or ``suite``), else the package's
    installed tests, found with ``pytest --pyargs <import name>``."""
    name = canonicalize_name(distribution)
    for preset in presets.values():
        names = {canonicalize_name(preset.name), canonicalize_name(preset.import_name or "")}
        if preset.sdist is not None:
            names.add(canonicalize_name(preset.sdist.name))
        if name in names and preset.import_name:
            chosen = suite or preset.default_suite
            if chosen not in preset.suites:
                raise TargetError(f"target {preset.name} has no test suite {chosen!r}; "
                                  f"it has {', '.join(preset.suites)}")
            return SuiteChoice(import_name=preset.import_name, suite=chosen, args=preset.suites[chosen],
                               requirements=preset.test_requires)
    import_name = str(name).replace("-", "_")
    return SuiteChoice(import_name=import_name, suite="installed", args=(import_name,), requirements=("pytest",))


def test_here(wheels: list[Path], choice: SuiteChoice, python: Path, runner: CommandRunner,
              workdir: Path) -> tuple[TestCounts, BlasRuntime]:
    """Install ``wheels`` (one wheel, or a split pair) into a fresh venv; run the suite and the probe."""
    venv = workdir / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    uv = uv_binary()
    runner.run(create_venv_command(uv, python, venv), label=f"fresh venv for {wheels[0].name}")
    venv_py = PLATFORMS[host_platform_name()].venv_python(venv)
    runner.run(install_command(uv, venv_py, wheels, (*choice.requirements, *TEST_TOOLS)),
               label=f"install {', '.join(w.name for w in wheels)}")
    junit = workdir / "junit.xml"
    junit.unlink(missing_ok=True)
    try:
        with one_test_suite_at_a_time(lambda message: print(message, file=runner.stream, flush=True)):
            counts = run_pytest(runner, venv_py, choice.args, junit, suite=choice.suite, source="verify")
        found = probe_blas(runner, venv_py, choice.import_name)
    finally:
        shutil.rmtree(venv, ignore_errors=True)  # a venv per wheel would fill the results folder
    return counts, found
