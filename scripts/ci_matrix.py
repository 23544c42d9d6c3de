#!/usr/bin/env python3
"""Print GitHub Actions' job matrix from `nox -l --json`: `cells=<json>` for $GITHUB_OUTPUT.

Usage: python scripts/ci_matrix.py [--platform NAME ...] [--pretty]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mesonmatrix.sessions.ci import github_matrix, nox_listing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(prog="ci_matrix.py", description=__doc__)
    parser.add_argument("--platform", action="append", help="only cells of this platform (repeatable)")
    parser.add_argument("--pretty", action="store_true", help="print the matrix for a person, not for $GITHUB_OUTPUT")
    args = parser.parse_args()
    matrix = github_matrix(nox_listing(ROOT), args.platform)
    if args.pretty:
        print(json.dumps(matrix, indent=2))
    else:
        print(f"cells={json.dumps(matrix)}")


if __name__ == "__main__":
    main()
