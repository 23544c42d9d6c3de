"""Options a cell session takes after ``--``: ``nox -s build-3.12-openblas -- --target numpy``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .cellplan import TAG_WHEEL_METHODS
from .pipeline import RunOptions
from .repair import REPAIRERS


def parse_cell_args(session_name: str, posargs: Sequence[str], project_root: Path) -> RunOptions:
    parser = argparse.ArgumentParser(prog=f"nox -s {session_name} --", description="Run one matrix cell.")
    parser.add_argument("--target", help="a preset from matrices/ (demo), a meson-python source directory or an sdist")
    parser.add_argument("--repair-tool", choices=sorted(REPAIRERS),
                        help="override the platform's repair tool (repairwheel works on every platform)")
    parser.add_argument("--suite", help="the target's test-suite preset (e.g. smoke, fast, full); default: the target's")
    parser.add_argument("--cc", help="toolchain-min cells: the C compiler to try as the new minimum (e.g. gcc-12)")
    parser.add_argument("--cxx", help="toolchain-min cells: the C++ compiler (e.g. g++-12)")
    parser.add_argument("--fc", help="toolchain-min cells: the Fortran compiler (e.g. gfortran-12)")
    parser.add_argument("--tag-wheels", choices=TAG_WHEEL_METHODS, default="install-plan",
                        help="runtime/tests wheels: cut from the full wheel by meson's install plan (default, one "
                             "compile) or built by meson-python with --tags (reconfigures for each)")
    parser.add_argument("--verify-repair", action="store_true",
                        help="run the repairer's show command on each repaired wheel and cross-check it (about 1 s a wheel)")
    args = parser.parse_args(list(posargs))
    return RunOptions(project_root=project_root, target=args.target, repair_tool=args.repair_tool, suite=args.suite,
                      cc=args.cc, cxx=args.cxx, fc=args.fc, tag_wheels=args.tag_wheels,
                      verify_repair=args.verify_repair)
