"""Which BLAS the installed extension really calls, and whether it is the one the cell claims."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..machine.commands import CommandRunner
from ..providers import BlasExpectation
from ..providers.families import probe_table
from ..record import BlasRuntime
from . import blasprobe


def probe_blas(
    runner: CommandRunner, venv_py: Path, import_name: str, *, env: dict[str, str] | None = None,
    int_size: int | None = None,
) -> BlasRuntime:
    """Run ``blasprobe.py`` with the test venv's interpreter, outside any source tree;
    ``int_size``: for a hybrid build only, the size it must prove by any extension."""
    wanted = [] if int_size is None else [str(int_size)]
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-probe-") as cwd:
        result = runner.run(
            [str(venv_py), blasprobe.__file__, import_name, json.dumps(probe_table()), *wanted],
            label="detect the BLAS loaded at run time",
            cwd=Path(cwd),
            extra_env=env,
        )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return BlasRuntime(
        name=found.get("name"),
        library=found.get("library"),
        int_size=found.get("int_size"),
        symbol=found.get("symbol"),
        extension=found.get("extension"),
        threadpoolctl=list(found.get("threadpoolctl") or []),
    )


def blas_phrase(found: BlasRuntime | None, declares_blas: bool | None) -> str:
    """What the tests saw loaded, for the console and the cell's closing line: ``BLAS
    loaded: openblas (libscipy_openblas.so, 32-bit integers)``. A project without a BLAS
    option says so (it printed "none found (-), None-bit integers")."""
    if declares_blas is False:
        return "no BLAS (the project declares none)"
    if found is None:
        return "BLAS not checked"
    if not found.name:
        return "no BLAS library found loaded"
    # The library's file name: its folder is the test venv's, which the record names.
    library = Path(found.library).name if found.library else None
    detail = ", ".join(part for part in (library, f"{found.int_size}-bit integers" if found.int_size else None) if part)
    return f"BLAS loaded: {found.name}" + (f" ({detail})" if detail else "")


def blas_mismatch(found: BlasRuntime, expected: BlasExpectation, flavour: str) -> str | None:
    """The cell's error when the loaded BLAS, or its integer size, is not what ``flavour``
    promises; never for a target without BLAS, which promises nothing."""
    if not expected.names:
        return None
    if (found.name or "") not in expected.names:
        return (
            f"BLAS mismatch: the cell claims {flavour} ({', '.join(expected.names)}) but the installed "
            f"extension loaded {found.name or 'no BLAS'} from {found.library or 'nowhere'}"
        )
    if found.int_size != expected.int_size:
        return (
            f"BLAS integer size mismatch: {flavour} should use {expected.int_size}-bit integers, "
            f"the loaded library uses {found.int_size}-bit"
        )
    return None
