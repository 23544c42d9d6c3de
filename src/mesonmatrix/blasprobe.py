"""Run inside a test venv: which BLAS does the installed package really load?

Usage: python blasprobe.py IMPORT_NAME. Prints one JSON object. Kept free of imports
from mesonmatrix because it runs in a venv that only holds the wheel under test.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import pkgutil
import re
import sys

BLAS_LIBRARY = re.compile(r"(openblas|libblas|liblapack|blis|mkl_|libmkl|accelerate|veclib)", re.I)


def import_all(name: str) -> None:
    """Import the package and its compiled submodules, so every BLAS user is loaded."""
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), prefix=name + "."):
        if ".tests" in info.name or info.name.endswith("tests"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - optional submodules may fail; BLAS is what matters
            pass


def mapped_libraries() -> list[str]:
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    except OSError:
        return []
    return sorted(p for p in paths if p.startswith("/") and BLAS_LIBRARY.search(os.path.basename(p)))


def has_symbol(library: ctypes.CDLL, names: list[str]) -> str | None:
    for name in names:
        if hasattr(library, name):
            return name
    return None


def openblas_int_size(path: str) -> int:
    lib = ctypes.CDLL(path)
    name = has_symbol(lib, ["openblas_get_config", "openblas_get_config64_", "scipy_openblas_get_config",
                            "scipy_openblas_get_config64_"])
    if name is None:
        return 32
    getter = getattr(lib, name)
    getter.restype = ctypes.c_char_p
    config = getter().decode()
    return 64 if "USE64BITINT" in config else 32


def identify(path: str) -> tuple[str, int]:
    """Name a BLAS library by the symbols it exports, not by its file name.

    Debian's netlib and OpenBLAS both install libblas.so.3; only the symbols tell.
    """
    lib = ctypes.CDLL(path)
    if has_symbol(lib, ["openblas_get_config", "openblas_get_config64_", "scipy_openblas_get_config",
                        "scipy_openblas_get_config64_"]):
        return "openblas", openblas_int_size(path)
    if has_symbol(lib, ["bli_info_get_version_str"]):
        return "blis", 32
    if has_symbol(lib, ["MKL_Get_Version_String", "mkl_get_version_string"]):
        return "mkl", 64 if "ilp64" in path.lower() else 32
    if has_symbol(lib, ["dgemm_", "dgemm", "dgemm_64_"]):
        return "netlib", 64 if hasattr(lib, "dgemm_64_") else 32
    return "unknown", 32


def main(name: str) -> dict[str, object]:
    import_all(name)
    found: dict[str, object] = {"libraries": mapped_libraries()}
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError:
        blas = []
    if blas:
        info = blas[0]
        path = str(info.get("filepath"))
        int_size = openblas_int_size(path) if info.get("internal_api") == "openblas" else (
            64 if "ilp64" in path.lower() else 32)
        found.update(name=info.get("internal_api"), library=path, int_size=int_size,
                     version=info.get("version"), method="threadpoolctl")
        return found
    # threadpoolctl knows no reference BLAS: fall back to the shared objects mapped here.
    for path in found["libraries"]:  # type: ignore[union-attr]
        if "blas" in os.path.basename(path).lower() or "mkl" in path.lower():
            kind, int_size = identify(path)
            found.update(name=kind, library=path, int_size=int_size, version=None, method="symbols")
            return found
    found.update(name=None, library=None, int_size=None, version=None, method="none")
    return found


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
