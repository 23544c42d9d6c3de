#!/usr/bin/env python3
"""Print GitHub Actions' job matrix from `nox -l --json`: `cells=<json>` for $GITHUB_OUTPUT.

Usage: python scripts/ci_matrix.py [--platform NAME ...] [--pretty]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mesonmatrix.cli.ci import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], ROOT))
