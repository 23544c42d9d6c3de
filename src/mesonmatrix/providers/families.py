"""The BLAS families a wheel can bind to, and how each is recognised: the one table that
the run-time probe (``testing/blasprobe.py``), ``verify``'s static reading of a wheel
(``verify/staticblas.py``) and the flavours' expectations take their names from.

A family is what a loaded or bundled library *is* (OpenBLAS, MKL …); a flavour
(``providers/__init__.py``) is where a cell gets one from (scipy-openblas from PyPI,
Debian's OpenBLAS …), and several flavours share a family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class BlasFamily:
    name: str
    # A pattern on a library's file or install name that names this family.
    library_name: str
    # Symbols only this family's library exports: how the probe tells libraries apart that
    # share a file name (Debian's netlib, OpenBLAS and BLIS each install libblas.so.3).
    exports: tuple[str, ...] = ()
    # Strings a copy linked in statically leaves in the extension's bytes.
    static_markers: tuple[str, ...] = ()

    def names_library(self, name: str) -> bool:
        return re.search(self.library_name, name, re.I) is not None


# Order matters where patterns overlap: MKL and OpenBLAS before the rest, Accelerate's
# libBLAS.dylib before netlib's generic libblas, and netlib (the reference BLAS, whose
# library names every other family may also use) last.
BLAS_FAMILIES: tuple[BlasFamily, ...] = (
    BlasFamily(name="mkl", library_name=r"mkl", exports=("MKL_Get_Version_String", "mkl_get_version_string"),
               static_markers=("Math Kernel Library", "oneMKL")),
    # openblas_get_config's answer says whether it was built with 64-bit integers; the
    # scipy-openblas wheels prefix it (and suffix it, ILP64).
    BlasFamily(name="openblas", library_name=r"openblas",
               exports=("openblas_get_config", "openblas_get_config64_", "scipy_openblas_get_config",
                        "scipy_openblas_get_config64_"),
               static_markers=("OpenBLAS",)),
    BlasFamily(name="accelerate", library_name=r"(Accelerate|vecLib)\.framework|libvecLib|libBLAS\.dylib"),
    BlasFamily(name="blis", library_name=r"blis", exports=("bli_info_get_version_str",)),
    BlasFamily(name="netlib", library_name=r"(^|/)(lib)?(c?blas|lapack|refblas)(64)?[._-]"),
)
FAMILY_NAMES = tuple(family.name for family in BLAS_FAMILIES)
# What the probe answers when a library binds GEMM but no family's export names it.
FALLBACK_FAMILY = "netlib"


def family_of_library(name: str) -> str | None:
    """The family a library's file or install name names, if any."""
    return next((family.name for family in BLAS_FAMILIES if family.names_library(name)), None)


def probe_table() -> list[dict[str, object]]:
    """The table as the probe takes it (a JSON argument: the probe runs in a test venv that
    cannot import this package)."""
    return [{"name": f.name, "library_name": f.library_name, "exports": list(f.exports),
             "static_markers": list(f.static_markers)} for f in BLAS_FAMILIES]
