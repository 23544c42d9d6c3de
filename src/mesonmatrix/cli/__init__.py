"""The ``mesonmatrix`` command (also ``python -m mesonmatrix``): what users run outside nox.

``init`` adopts the matrix in a project's repository; ``ci-matrix`` prints GitHub Actions'
job matrix from ``nox -l --json``; ``ci-run`` prints the command that reproduces a CI job,
then runs it. The cells themselves are nox sessions (``nox -l``).
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

# Each subcommand parses its own arguments (``mesonmatrix init --help``).
COMMANDS = {
    "init": "adopt the matrix in a meson-python project's repository (noxfile, matrices/, locks/, workflow)",
    "ci-matrix": "print GitHub Actions' job matrix from `nox -l --json`",
    "ci-run": "print the command that reproduces a CI job, then run it",
}


def version() -> str:
    try:
        return metadata.version("mesonmatrix")
    except metadata.PackageNotFoundError:  # run from a source checkout
        from .. import __version__

        return __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mesonmatrix", description="A reproducible build matrix for meson-python "
                                     "packages: the commands run outside nox.",
                                     epilog="The cells are nox sessions: `nox -l` lists them, `nox -s NAME` runs one.")
    parser.add_argument("--version", action="version", version=f"mesonmatrix {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, what in COMMANDS.items():
        command = commands.add_parser(name, help=what, add_help=False)
        command.add_argument("arguments", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        _parser().parse_args(argv)  # --version, --help, or an error naming the commands
        _parser().print_help()
        return 0
    command, rest = argv[0], argv[1:]
    if command == "init":
        from .init import main as init_main

        return init_main(rest)
    if command == "ci-matrix":
        from .ci import main as ci_main

        return ci_main(rest, Path.cwd())
    if command == "ci-run":
        from .ci import run_job

        return run_job(rest)
    raise AssertionError(command)


def run() -> int:
    """The console script's entry point."""
    return main(sys.argv[1:])
