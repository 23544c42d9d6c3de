"""``mesonmatrix ci-matrix`` and ``ci-run``: the command-line side of ``ci/jobs.py``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ..ci.jobs import CiChoices, github_matrix, load_cells, nox_listing, reproduce_command, split_by_container, words
from ..errors import CiMatrixError, MatrixError
from ..machine.commands import run_attached
from ..platforms import PLATFORMS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mesonmatrix ci-matrix",
                                     description="GitHub Actions' job matrix from nox -l --json")
    parser.add_argument("--target", default="", help="a preset or a path every cell builds (default: the matrix's)")
    parser.add_argument("--suite", default="", help="the target's test-suite preset (default: its default suite)")
    parser.add_argument("--python", action="append", help="only cells of these Pythons (repeatable, or '3.12 3.13')")
    parser.add_argument("--platform", action="append", help="only cells of this platform (repeatable, or 'a b')")
    parser.add_argument("--matrix", default="", help="only the cells of matrices/<NAME>.toml")
    parser.add_argument("--pretty", action="store_true", help="print the matrix for a person, not for $GITHUB_OUTPUT")
    return parser


def main(argv: Sequence[str], project_root: Path) -> int:
    """Print ``cells=<json>`` and ``manylinux_cells=<json>`` (with ``has_…`` flags) for
    $GITHUB_OUTPUT (or, with --pretty, the whole matrix for a person)."""
    args = _parser().parse_args(list(argv))
    if not (project_root / "noxfile.py").is_file():
        print(f"ci-matrix: no noxfile.py in {project_root}: run it in the project's root", file=sys.stderr)
        return 2
    platforms = words(args.platform)
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        print(f"ci-matrix: unknown platform {', '.join(unknown)}; known: {', '.join(PLATFORMS)}", file=sys.stderr)
        return 2
    choices = CiChoices(target=args.target.strip(), suite=args.suite.strip(), pythons=words(args.python),
                        platforms=platforms, matrix=args.matrix.strip().removesuffix(".toml").rsplit("/", 1)[-1])
    try:
        matrix = github_matrix(nox_listing(project_root), load_cells(project_root), choices)
    except (CiMatrixError, MatrixError) as exc:
        print(f"ci-matrix: {exc}", file=sys.stderr)
        return 2
    if not matrix["include"]:
        print("ci-matrix: no cell matches the choices (Pythons, platforms, matrix file)", file=sys.stderr)
        return 2
    if args.pretty:
        print(json.dumps(matrix, indent=2))
        return 0
    # Two job matrices: the runners' own cells and the manylinux container cells, each with
    # a flag, since a job whose matrix is empty fails ("must define at least one vector").
    for name, part in split_by_container(matrix).items():
        print(f"{name}={json.dumps(part)}")
        print(f"has_{name}={'true' if part['include'] else 'false'}")
    return 0


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mesonmatrix ci-run",
        description="Run one CI job's cell: print the command that reproduces the job anywhere, then run that "
                    "nox session with its arguments. The workflow `mesonmatrix init` writes calls it with the job "
                    "matrix's session and args.",
        epilog="example: mesonmatrix ci-run build-3.12-openblas '[\"--suite\", \"fast\"]'")
    parser.add_argument("session", metavar="SESSION", help="the cell's nox session, e.g. build-3.12-openblas")
    parser.add_argument("args_json", metavar="ARGS_JSON",
                        help="a JSON list of the arguments after `--` (the job matrix's args), e.g. '[]'")
    return parser


def run_job(argv: Sequence[str]) -> int:
    """``ci-run SESSION ARGS_JSON``: print the job's reproduce command, then run it."""
    parsed = _run_parser().parse_args(list(argv))  # --help: exit 0 with the help; a missing argument: exit 2
    try:
        args = json.loads(parsed.args_json)
    except ValueError:
        args = None
    session = parsed.session
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        print(f"ci-run: ARGS_JSON must be a JSON list of strings, got {parsed.args_json!r}", file=sys.stderr)
        return 2
    print(f"Reproduce this job anywhere with: {reproduce_command(session, args)}", flush=True)
    return run_attached([sys.executable, "-m", "nox", "-s", session, "--", *args])
