"""Wheels that can run on this machine: installed in a fresh venv with a matching Python,
their installed test suite run (or, when they ship none, each top-level module imported)
within the test timeout, and the same runtime BLAS probe the cells use."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.tags import Tag, platform_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from ..config.keys import TEST_TIMEOUT, CellSettings, cell_settings, environment_settings
from ..config.presets import TargetPreset
from ..errors import NoTestsCollected, PrerequisiteMissing, TargetError
from ..lockfiles.locks import TEST_TOOLS
from ..machine.admission import SuiteNeed, admitted, suite_need
from ..machine.commands import CommandRunner
from ..machine.pythons import find_python
from ..machine.uv import create_venv_command, install_command, uv_binary
from ..platforms import PLATFORMS, host_platform_name
from ..record import BlasRuntime, TestCounts
from ..testing.blascheck import probe_blas
from ..testing.pytestrun import run_pytest, run_smoke
from .importnames import import_names

_CPYTHON = re.compile(r"cp(?P<major>\d)(?P<minor>\d+)(?P<threading>t?)")
# The Python an abi3 or pure wheel is tried with, when it runs here at all.
_PREFERRED = ("3.12", "3.13", "3.11", "3.10")
# pytest's report of a test asking for a fixture nothing defines (in junit's error text).
_MISSING_FIXTURE = re.compile(r"^E +fixture '([^']+)' not found$", re.M)


@dataclass(frozen=True, kw_only=True)
class SuiteChoice:
    import_name: str  # what the BLAS probe imports
    suite: str  # the preset's suite name, or "installed" for a package without a preset
    args: tuple[str, ...]  # after ``pytest --pyargs``; empty: the wheel has no package to look in
    requirements: tuple[str, ...]
    # Every top-level module the wheel installs: each is imported when it ships no tests.
    modules: tuple[str, ...] = ()
    timeout: float  # seconds for the suite and the probe together
    # What the suite asks of the machine's memory: the preset's declared test_memory, else
    # the default (a wheel from elsewhere has no earlier run here).
    need: SuiteNeed = field(default_factory=lambda: suite_need(None, None))


@dataclass(frozen=True, kw_only=True)
class Tested:
    counts: TestCounts
    runtime: BlasRuntime
    shipped_tests: bool  # False: pytest found none, each top-level module was imported instead
    # Fixtures tests asked for that nothing here defines, and how many tests asked: those
    # tests are counted as skipped, not as errors (see ``missing_fixtures``).
    missing_fixtures: dict[str, int] = field(default_factory=dict)


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


def suite_for(wheel: Path, presets: dict[str, TargetPreset], suite: str | None,
              timeout: float | None = None) -> SuiteChoice:
    """The preset of the same project (its default suite or ``suite``), else the package's
    installed tests, found with ``pytest --pyargs`` on the import names the wheel itself
    declares (never the distribution's name: psycopg2-binary installs psycopg2). The test
    timeout: ``timeout``, else the preset's suite time limit, else the cells' default."""
    name = canonicalize_name(str(parse_wheel_filename(wheel.name)[0]))
    modules = import_names(wheel)
    given = {**environment_settings(os.environ), TEST_TIMEOUT.name: None if timeout is None else float(timeout)}
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
                               requirements=preset.test_requires, modules=modules.modules,
                               timeout=cell_settings(given, preset.settings).test_seconds,
                               need=_need(cell_settings(given, preset.settings)))
    return SuiteChoice(import_name=(modules.packages or modules.modules or ("",))[0], suite="installed",
                       args=modules.packages, requirements=("pytest",), modules=modules.modules,
                       timeout=cell_settings(given).test_seconds, need=_need(cell_settings(given)))


def _need(settings: CellSettings) -> SuiteNeed:
    return suite_need(None, settings.test_memory_mb, settings.test_admission)


@contextlib.contextmanager
def installed(wheels: list[Path], choice: SuiteChoice, python: Path, runner: CommandRunner,
              workdir: Path) -> Iterator[Path]:
    """A fresh venv holding ``wheels`` (one wheel, or a split pair) and what the suite
    needs; its Python. Removed afterwards: a venv per wheel would fill the results folder."""
    venv = workdir / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    try:
        uv = uv_binary()
        runner.run(create_venv_command(uv, python, venv), label=f"fresh venv for {wheels[0].name}")
        venv_py = PLATFORMS[host_platform_name()].venv_python(venv)
        runner.run(install_command(uv, venv_py, wheels, (*choice.requirements, *TEST_TOOLS)),
                   label=f"install {', '.join(w.name for w in wheels)}")
        yield venv_py
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def test_here(venv_py: Path, choice: SuiteChoice, runner: CommandRunner, workdir: Path) -> Tested:
    """The suite once the machine admits it (machine/admission.py), then the BLAS probe, all within the
    choice's timeout (CommandTimedOut past it, every process they started ended). A wheel
    that ships no tests gets each of its top-level modules imported instead."""
    junit = workdir / "junit.xml"
    junit.unlink(missing_ok=True)
    limited = replace(runner, deadline=time.monotonic() + choice.timeout)
    with admitted(choice.need, f"verify of {venv_py.parent.parent.name}",
                  lambda message: print(message, file=runner.stream, flush=True)):
        try:
            if not choice.args:
                raise NoTestsCollected("the wheel has no package to look for tests in")
            counts = run_pytest(limited, venv_py, choice.args, junit, suite=choice.suite, source="verify")
            shipped = True
            missing = missing_fixtures(junit)
            unrun = sum(missing.values())
            counts = replace(counts, errors=counts.errors - unrun, skipped=counts.skipped + unrun)
        except NoTestsCollected:
            imports = "; ".join(f"import {m}" for m in choice.modules)
            counts = replace(run_smoke(limited, venv_py, imports), suite="import", source="verify",
                             passed=len(choice.modules))
            shipped, missing = False, Counter()
    found = probe_blas(limited, venv_py, choice.import_name)
    return Tested(counts=counts, runtime=found, shipped_tests=shipped, missing_fixtures=dict(missing))


def missing_fixtures(junit: Path) -> Counter[str]:
    """Fixtures that tests asked for in setup and neither the wheel's conftest files nor an
    installed plugin define, each with the number of tests that asked. Such a test needs a
    pytest plugin the wheel does not declare (h5py 3.14.0's MPI tests want pytest-mpi's
    mpi_file_name, scikit-image 0.25.2's URL test pytest-localserver's httpserver): it
    could not run here, which says nothing of the wheel's code."""
    found: Counter[str] = Counter()
    for case in ET.parse(junit).getroot().iter("testcase"):
        for error in case.findall("error"):
            message = error.get("message") or ""
            match = _MISSING_FIXTURE.search(f"{message}\n{error.text or ''}")
            if match and message.startswith("failed on setup"):
                found[match.group(1)] += 1
    return found
