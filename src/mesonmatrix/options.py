"""The options of one cell run, read in one place.

Layers, lowest first: the matrix file gives the cell (``Cell``) and its default target;
the environment gives where things go (``MESONMATRIX_HOME``, ``MESONMATRIX_CACHE``, read
by ``Workspace.default``) and when a test suite may start (``MESONMATRIX_TEST_ADMISSION``,
over the matrix file's ``test_admission``); the command line after ``--`` overrides the rest
(``nox -s build-3.12-openblas -- --target numpy``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config.keys import InvalidValue, add_cell_options, cell_options, command_line_settings
from .model import INSTALL_PLAN, TagWheelMethod
from .platforms import host_platform_name


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    project_root: Path
    target: str | None = None  # overrides the matrix's target
    repair_tool: str | None = None  # overrides the platform's default repairer
    suite: str | None = None  # test-suite preset; the target's default when None
    workspace_root: Path | None = None  # where build dirs and results go; .matrix/ when None
    run_tests: bool = True  # False: build and repair only (rebuild-compare)
    cc: str | None = None  # toolchain-min: compilers proposed instead of the target's declared floor
    cxx: str | None = None
    fc: str | None = None
    host_platform: str = field(default_factory=host_platform_name)
    # How runtime and tests wheels are made: cut from the full wheel by meson's install
    # plan (one configure and compile for every tag set), or one meson-python --tags
    # build each (meson-python reconfigures every time; NumPy then recompiles a quarter).
    tag_wheels: TagWheelMethod = INSTALL_PLAN
    # Run the repairer's "show" on each repaired wheel and cross-check it (auditwheel: the
    # policy it reports must be the one in the name). Off by default: about 1 s a wheel.
    verify_repair: bool = False
    # Repair every cut (runtime, tests) wheel on its own instead of cutting it from the
    # repaired full wheel (wheels/derive.py).
    repair_each: bool = False
    # Resolve build and test requirements at run time instead of installing lock files
    # (which must otherwise exist and match the target's inputs).
    unlocked: bool = False
    # loosened cells: build requirements whose upper bounds stay as declared (beyond numpy's
    # and the preset's), to test whether one of them caused a failure.
    keep_bounds: tuple[str, ...] = ()
    # The settings the command line gave (config/keys.py SETTINGS, by key name): the time
    # limits and the manylinux policy, merged with the matrix file's and the preset's there.
    settings: Mapping[str, object] = field(default_factory=dict)
    # ``nox -s culprit``: one step of its search, run in the cell's ``culprit/<step>`` folder
    # with the step's versions (lockfiles/channels.py).
    culprit_step: CulpritStep | None = None


@dataclass(frozen=True, kw_only=True)
class CulpritStep:
    """One step of the culprit search: where it runs, and per env the good versions it
    prefers and the bad versions it must take."""

    name: str  # its results folder under the cell's ``culprit/``
    prefer: dict[str, Path]  # env ("build", "test") -> a file of good pins (uv reads it as preferences)
    force: dict[str, Path]  # env -> a constraints file of the bad versions this step applies


# RunOptions' fields that a cell option sets (the others are the run's own: where, what runs).
OPTION_FIELDS = frozenset(key.field for key in cell_options()) & {f.name for f in dataclasses.fields(RunOptions)}


def parse_cell_args(session_name: str, posargs: Sequence[str], project_root: Path) -> RunOptions:
    args = cell_args_parser(session_name).parse_args(list(posargs))
    given = {name: getattr(args, name) for name in OPTION_FIELDS}
    given["keep_bounds"] = tuple(given.get("keep_bounds") or ())
    try:
        settings = command_line_settings(args, os.environ)
    except InvalidValue as exc:  # a bad MESONMATRIX_TEST_ADMISSION: one line, as argparse's own errors
        raise SystemExit(f"nox -s {session_name}: {exc}") from None
    return RunOptions(project_root=project_root, settings=settings, **given)


def cell_args_parser(session_name: str) -> argparse.ArgumentParser:
    """The options of a cell after ``--``, derived from their declarations (config/keys.py)."""
    parser = argparse.ArgumentParser(prog=f"nox -s {session_name} --", description="Run one matrix cell.")
    add_cell_options(parser)
    return parser
