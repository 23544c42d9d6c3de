"""The options of one cell run, read in one place.

Layers, lowest first: the matrix file gives the cell (``Cell``) and its default target;
the environment gives where things go (``MESONMATRIX_HOME``, ``MESONMATRIX_CACHE``, read
by ``Workspace.default``); the command line after ``--`` overrides the rest
(``nox -s build-3.12-openblas -- --target numpy``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config.presets import MAX_SECONDS
from .model import (
    DEFAULT_BUILD_TIME_LIMIT,
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_TEST_TIMEOUT,
    INSTALL_PLAN,
    TAG_WHEEL_METHODS,
    TagWheelMethod,
)
from .platforms import host_platform_name
from .repairers import REPAIRERS


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
    # Seconds the test suite may run, and a build may go without output; None: the matrix
    # file's, else the preset's, else the defaults (model.DEFAULT_TEST_TIMEOUT …).
    test_timeout: float | None = None
    build_timeout: float | None = None
    build_time_limit: float | None = None  # seconds a whole build may take
    # The manylinux policy Linux wheels must meet (2_28: glibc 2.28, RHEL 8); None: the
    # matrix file's or preset's `manylinux`, else the newest the wheel meets.
    manylinux: str | None = None


def parse_cell_args(session_name: str, posargs: Sequence[str], project_root: Path) -> RunOptions:
    args = cell_args_parser(session_name).parse_args(list(posargs))
    return RunOptions(
        project_root=project_root,
        target=args.target,
        repair_tool=args.repair_tool,
        suite=args.suite,
        cc=args.cc,
        cxx=args.cxx,
        fc=args.fc,
        tag_wheels=args.tag_wheels,
        verify_repair=args.verify_repair,
        repair_each=args.repair_each,
        unlocked=args.unlocked,
        keep_bounds=tuple(args.keep_bound),
        test_timeout=args.test_timeout,
        build_timeout=args.build_timeout,
        build_time_limit=args.build_time_limit,
        manylinux=args.manylinux,
    )


def cell_args_parser(session_name: str) -> argparse.ArgumentParser:
    """The options of a cell after ``--``, each declared once (the reference docs list them)."""
    parser = argparse.ArgumentParser(prog=f"nox -s {session_name} --", description="Run one matrix cell.")
    parser.add_argument("--target", help="a preset from matrices/ (demo), a meson-python source directory or an sdist")
    parser.add_argument("--repair-tool", choices=sorted(REPAIRERS),
                        help="override the platform's repair tool (repairwheel works on every platform)")
    parser.add_argument(
        "--suite", help="the target's test-suite preset (e.g. smoke, fast, full); default: the target's"
    )
    parser.add_argument("--cc", help="toolchain-min cells: the C compiler to try as the new minimum (e.g. gcc-12)")
    parser.add_argument("--cxx", help="toolchain-min cells: the C++ compiler (e.g. g++-12)")
    parser.add_argument("--fc", help="toolchain-min cells: the Fortran compiler (e.g. gfortran-12)")
    parser.add_argument(
        "--tag-wheels",
        choices=TAG_WHEEL_METHODS,
        default=INSTALL_PLAN,
        help="runtime/tests wheels: cut from the full wheel by meson's install plan (default, one "
        "compile) or built by meson-python with --tags (reconfigures for each)",
    )
    parser.add_argument(
        "--verify-repair",
        action="store_true",
        help="run the repairer's show command on each repaired wheel and cross-check it (about 1 s a wheel)",
    )
    parser.add_argument("--repair-each", action="store_true",
                        help="repair the runtime and tests wheels each on its own instead of cutting them from the "
                        "repaired full wheel")
    parser.add_argument("--unlocked", action="store_true",
                        help="resolve build and test requirements now, not from locks/ (the record says so)")
    parser.add_argument("--keep-bound", action="append", default=[], metavar="NAME",
                        help="loosened cells: keep this build requirement's upper bound (repeatable)")
    parser.add_argument("--test-timeout", type=_seconds, metavar="SECONDS",
                        help="end the test suite (and everything it started) after this long "
                             f"(default: the matrix's or preset's test_timeout, else {DEFAULT_TEST_TIMEOUT:g})")
    parser.add_argument("--build-timeout", type=_seconds, metavar="SECONDS",
                        help="end a build that prints nothing for this long (default: the matrix's or preset's "
                             f"build_timeout, else {DEFAULT_BUILD_TIMEOUT:g})")
    parser.add_argument("--build-time-limit", type=_seconds, metavar="SECONDS",
                        help="end a build that is still running after this long, printing or not (default: the "
                             f"matrix's or preset's build_time_limit, else {DEFAULT_BUILD_TIME_LIMIT:g})")
    parser.add_argument("--manylinux", type=manylinux_policy, metavar="X_Y",
                        help="the manylinux policy Linux wheels must meet, e.g. 2_28 (RHEL 8); a wheel that cannot "
                             "fails the cell, naming what is too new (default: the matrix's or preset's manylinux)")
    return parser


def manylinux_policy(value: str) -> str:
    """A manylinux version as PEP 600 writes it in a tag: ``2_28`` (glibc 2.28)."""
    if not re.fullmatch(r"2_[0-9]{1,2}", value):
        raise argparse.ArgumentTypeError(f"{value!r}: expected a glibc version like 2_28")
    return value


def _seconds(value: str) -> float:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds")
    seconds = float(value)
    if not 1 <= seconds <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"{value!r}: expected seconds from 1 to {MAX_SECONDS:g}")
    return seconds
