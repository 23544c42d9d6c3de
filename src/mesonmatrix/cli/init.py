"""``mesonmatrix init [PATH]``: the command line of ``adopt.init``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..adopt.init import __doc__ as INIT_DOC
from ..adopt.init import init
from ..adopt.pin import resolution_problem, running_tool_requirement
from ..errors import MesonmatrixError, PrerequisiteMissing
from ..machine.uv import uv_binary


def warn_unless_it_resolves(requirement: str) -> None:
    """Say, without stopping, when what the workflow and the noxfile install does not resolve:
    every CI job would fail at its first step."""
    try:
        problem = resolution_problem(requirement, uv_binary())
    except PrerequisiteMissing:
        return  # no uv here to ask: the cells need it anyway, and say so
    if problem:
        print(f"mesonmatrix init: warning: {requirement!r} does not resolve here ({problem}): every CI job would "
              "fail installing it; pass --tool-requirement with what CI can install", file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mesonmatrix init", description=INIT_DOC.replace("``", "`"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default=".", help="the project's root (default: the current folder)")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument("--no-lock", action="store_true", help="do not write locks/ now (`nox -s lock` later)")
    parser.add_argument("--tool-requirement",
                        help="what the workflow installs (default: exactly the mesonmatrix running now: "
                             "mesonmatrix==X.Y.Z from an index, or its git URL and commit)")
    args = parser.parse_args(argv)
    root = Path(args.path).resolve()
    if not root.is_dir():  # before anything about the tool: the project is what is missing
        print(f"mesonmatrix init: {args.path} {'is not a folder' if root.exists() else 'does not exist'}: give "
              "the project's root (the folder with its pyproject.toml)", file=sys.stderr)
        return 2
    try:
        requirement = args.tool_requirement or running_tool_requirement()
        warn_unless_it_resolves(requirement)
        init(root, force=args.force, tool_requirement=requirement, lock=not args.no_lock)
    except MesonmatrixError as exc:
        print(f"mesonmatrix init: {exc}", file=sys.stderr)
        return 2
    print(f"next: cd {args.path} && nox -l, then nox -s <cell> (its results go to .matrix/ there)")
    return 0
