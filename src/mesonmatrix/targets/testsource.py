"""Where a project keeps its tests, and how its maintainers run them against a wheel.

In order of precedence:

1. a preset's ``test_dir`` (with its ``test_requires`` and suite arguments);
2. ``[tool.cibuildwheel]``'s ``test-command`` (with ``test-requires``, ``test-extras`` and
   ``test-sources``): thousands of projects describe their wheel tests there, and it is
   what their maintainers already trust;
3. a top-level ``tests/`` (or ``test/``) folder outside the package, with the project's
   ``test`` (or ``tests``) extra;
4. the tests installed with the package, run with ``pytest --pyargs``.

Tests that live outside the package run from a copy of their folders made outside the
source tree, so that ``import`` resolves to the installed wheel, never to the sources.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import TargetError
from .workflows import cibuildwheel_table

TEST_DIRS = ("tests", "test")
TEST_EXTRAS = ("test", "tests", "testing")


@dataclass(frozen=True, kw_only=True)
class TestSource:
    __test__ = False  # a description, not a test class for pytest to collect
    origin: str  # "preset", "cibuildwheel", "tests-dir" or "installed"
    # Folders and files (relative to the source tree) copied out of it to run the tests from.
    copies: tuple[str, ...] = ()
    # Commands to run, as argv templates with {project} and {package} for the copy's root;
    # empty: pytest on the copied folders, or --pyargs for installed tests.
    commands: tuple[tuple[str, ...], ...] = ()
    requires: tuple[str, ...] = ()  # what the tests need installed beside the wheel

    @property
    def outside_the_package(self) -> bool:
        return self.origin != "installed"


def _strings(value: object, where: str) -> tuple[str, ...]:
    """cibuildwheel accepts a string (space-separated for lists) or a list of strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TargetError(f"pyproject.toml {where}: expected a string or a list of strings")


def extra_requirements(project: Mapping[str, Any], extras: tuple[str, ...]) -> tuple[str, ...]:
    """The requirements of ``extras``, with the project's references to its own extras
    (``contourpy[test-no-images]``) followed, and markers that name an extra dropped."""
    name = canonicalize_name(str(project.get("name", "")))
    table = project.get("optional-dependencies") or {}
    found: list[str] = []
    pending, seen = list(extras), set()
    while pending:
        extra = str(canonicalize_name(pending.pop(0)))
        if extra in seen:
            continue
        seen.add(extra)
        for raw in next((v for k, v in table.items() if canonicalize_name(k) == extra), []):
            try:
                requirement = Requirement(raw)
            except InvalidRequirement as exc:
                raise TargetError(f"pyproject.toml optional-dependencies.{extra}: {exc}") from None
            if canonicalize_name(requirement.name) == name:
                pending += sorted(requirement.extras)
            elif raw not in found:
                found.append(raw)
    return tuple(found)


def group_requirements(groups: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, ...]:
    """The requirements of PEP 735 dependency groups, following ``{include-group = …}``."""
    found: list[str] = []
    pending, seen = list(names), set()
    while pending:
        name = str(canonicalize_name(pending.pop(0)))
        if name in seen:
            continue
        seen.add(name)
        entries = next((v for k, v in groups.items() if canonicalize_name(k) == name), None)
        if not isinstance(entries, list):
            raise TargetError(f"pyproject.toml dependency-groups: no group {name!r}")
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
                pending.append(entry["include-group"])
            elif isinstance(entry, str) and entry not in found:
                found.append(entry)
    return tuple(found)


# pytest's own order for its configuration files ("Configuration file formats" in its
# docs): the first that configures pytest is the project's configuration.
_PYTEST_CONFIGS = (("pytest.ini", None), (".pytest.ini", None), ("pyproject.toml", "[tool.pytest"),
                   ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]"))


def pytest_config(source_dir: Path) -> str | None:
    """The project's pytest configuration file (relative to its root), if it has one."""
    for name, section in _PYTEST_CONFIGS:
        path = source_dir / name
        if path.is_file() and (section is None or section in path.read_text(encoding="utf-8", errors="replace")):
            return name
    return None


def _sets_test_command(tool: Mapping[str, Any]) -> bool:
    """A test-command in the table, a platform's table or an override."""
    tables = [tool, *(v for v in tool.values() if isinstance(v, dict))]
    overrides = tool.get("overrides")
    tables += [o for o in overrides if isinstance(o, dict)] if isinstance(overrides, list) else []
    return any(t.get("test-command") for t in tables)


def _cibuildwheel(project: Mapping[str, Any], tool: Mapping[str, Any]) -> TestSource | None:
    command = tool.get("test-command")
    if not _sets_test_command(tool):
        return None
    if not command:
        return TestSource(origin="cibuildwheel")  # set per platform or override: read for each cell
    lines = [command] if isinstance(command, str) else command
    if not isinstance(lines, list) or not all(isinstance(c, str) for c in lines):
        raise TargetError("pyproject.toml tool.cibuildwheel.test-command: expected a string or a list of strings")
    # A string may chain commands with && (cibuildwheel runs it in a shell); each part runs
    # here as its own argv, never through a shell.
    commands = tuple(tuple(shlex.split(part)) for line in lines for part in re.split(r"\s*&&\s*", line) if part.strip())
    requires = (*_strings(tool.get("test-requires"), "tool.cibuildwheel.test-requires"),
                *extra_requirements(project, _strings(tool.get("test-extras"), "tool.cibuildwheel.test-extras")))
    sources = _strings(tool.get("test-sources"), "tool.cibuildwheel.test-sources")
    return TestSource(origin="cibuildwheel", commands=commands, requires=requires, copies=sources)


def discover_tests(source_dir: Path, pyproject: Mapping[str, Any], test_dir: str | None = None) -> TestSource:
    """Where the target's tests are (see the module's docstring for the order)."""
    project = pyproject.get("project", {})
    if test_dir is not None:
        return TestSource(origin="preset", copies=(test_dir,))
    # [tool.cibuildwheel], or cibuildwheel.toml's, with the workflows' CIBW_* variables.
    cibuildwheel = _cibuildwheel(project, cibuildwheel_table(source_dir, dict(pyproject)))
    if cibuildwheel is not None:
        if not cibuildwheel.copies:
            # Without test-sources, {project} is the whole tree: copy its test folders.
            found = tuple(d for d in TEST_DIRS if (source_dir / d).is_dir())
            cibuildwheel = TestSource(origin="cibuildwheel", commands=cibuildwheel.commands,
                                      requires=cibuildwheel.requires, copies=found)
        return cibuildwheel
    folder = next((d for d in TEST_DIRS if (source_dir / d).is_dir() and any((source_dir / d).rglob("test*.py"))),
                  None)
    if folder is not None:
        optional = project.get("optional-dependencies") or {}
        extra = next((e for e in TEST_EXTRAS if e in optional), None)
        requires = extra_requirements(project, (extra,)) if extra else ("pytest",)
        return TestSource(origin="tests-dir", copies=(folder,), requires=requires)
    return TestSource(origin="installed")
