"""``python -m mesonmatrix``: the same program as the command line in ``cli``."""

from __future__ import annotations

import sys

from .cli import run

if __name__ == "__main__":
    sys.exit(run())
