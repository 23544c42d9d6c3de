"""Build matrix for meson-python packages with BLAS/LAPACK.

Every cell of matrices/*.toml is a session: build-<python>-<blas>[-<platform>][-<system
libraries>][-<install tags>]. Tags select slices: `nox -t split`, `nox -t openblas`,
`nox -t py3.12`, `nox -t linux-x86_64`, `nox -t syslibs-auto`. After `--`: `--target
NAME|PATH` builds another target (a preset from matrices/, a source tree or an sdist).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))  # the logic lives in src/mesonmatrix, importable without installing

from mesonmatrix.machine.bytecode import keep_bytecode  # noqa: E402

keep_bytecode()  # under PYTHONDONTWRITEBYTECODE, the tool's bytecode goes to its cache, not nowhere

from mesonmatrix.sessions import register_cells, register_tools  # noqa: E402

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "none"  # each cell makes its own uv venvs
nox.options.error_on_missing_interpreters = True
if hasattr(nox.options, "download_python"):
    nox.options.download_python = "never"  # never fetch a Python at run time

register_cells(ROOT)
register_tools(ROOT)
