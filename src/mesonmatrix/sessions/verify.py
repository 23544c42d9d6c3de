"""``nox -s verify -- WHEEL|DIR… [--suite NAME] [--no-tests]``: check wheels built anywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

import nox

from ..config.keys import TEST_TIMEOUT
from ..config.matrixfile import load_matrices
from ..errors import PrerequisiteMissing
from ..machine.extras import require_extra
from ..machine.workspace import Workspace
from ..model import INCOMPLETE, PASSED
from ..verify import VerifyOptions, verify_wheels, wheels_in


def parser() -> argparse.ArgumentParser:
    """The session's options after ``--`` (the sessions reference is made from them too)."""
    parser = argparse.ArgumentParser(prog="nox -s verify --", description="Check wheels built on any platform.")
    parser.add_argument("paths", nargs="+", type=Path, help="wheel files, or folders to search for *.whl")
    parser.add_argument("--suite", help="the target preset's test suite to run (default: its default suite)")
    parser.add_argument("--no-tests", action="store_true", help="only the static checks: run nothing")
    parser.add_argument("--run-anyway", action="store_true",
                        help="install and test a wheel even when its static checks failed (the record says so)")
    # The cells' own option, declared once: unset, the time limit a wheel's preset gives applies.
    TEST_TIMEOUT.add_to(parser)
    return parser


def _arguments(posargs: list[str]) -> argparse.Namespace:
    return parser().parse_args(posargs)


def verify_session(session: nox.Session, project_root: Path) -> None:
    if not session.posargs:
        session.error("give the wheels to check: nox -s verify -- WHEEL|DIR… [--suite NAME] [--no-tests]")
    args = _arguments(list(session.posargs))
    try:
        require_extra("verify", "nox -s verify")
    except PrerequisiteMissing as exc:
        session.error(str(exc))
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        session.error(f"no such file or folder: {', '.join(missing)}")
    wheels = wheels_in(args.paths)
    if not wheels:
        session.error(f"no wheels (*.whl) in {', '.join(map(str, args.paths))}")
    workspace = Workspace.default(project_root)
    presets = load_matrices(project_root / "matrices", project_root).presets
    out_root = workspace.root / "results" / "verify"
    records = verify_wheels(wheels, VerifyOptions(out_root=out_root, presets=presets, suite=args.suite,
                                                  run_tests=not args.no_tests, run_anyway=args.run_anyway,
                                                  suite_seconds=getattr(args, TEST_TIMEOUT.field), say=session.log))
    failed = [r.wheel for r in records if r.status not in (PASSED, INCOMPLETE)]
    incomplete = [r.wheel for r in records if r.status == INCOMPLETE]
    session.log(f"records in {out_root}")
    if failed:
        session.error(f"verify found problems in {', '.join(failed)}")
    if incomplete:
        session.error(f"verify could not read all of {', '.join(incomplete)} (members above the size it reads): "
                      "their verdict is incomplete, not passed")
