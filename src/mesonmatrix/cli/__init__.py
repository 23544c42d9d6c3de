"""``python -m mesonmatrix init [PATH]`` adopts the matrix in a project's repository;
``python -m mesonmatrix ci-matrix [--target T] [--suite S] [--python V] [--platform P] [--matrix M]``
prints GitHub Actions' job matrix from ``nox -l --json``; ``python -m mesonmatrix ci-run
SESSION ARGS_JSON`` prints the command that reproduces a CI job, then runs it."""

from __future__ import annotations

from pathlib import Path


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("--help", [])
    if command == "init":
        from .init import main as init_main

        return init_main(rest)
    if command == "ci-matrix":
        from .ci import main as ci_main

        return ci_main(rest, Path.cwd())
    if command == "ci-run":
        from .ci import run_job

        return run_job(rest)
    print(__doc__.strip())
    return 0 if command in ("-h", "--help") else 2
