"""Which BLAS a wheel binds to, read from its binaries without running them.

The library is found by the names the extensions load (scipy-openblas's
``libscipy_openblas64_``, Accelerate's framework path, ``mkl_rt``, Debian's ``libblas.so.3``
…) and, when none is loaded, by GEMM symbols an extension defines itself (a BLAS linked
in statically). The integer size comes from the library's name, the GEMM symbols the
extensions import (``…64_``, Accelerate's ``$ILP64``) or those the library exports.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..binaries import Binary
from ..providers.families import family_of_library
from .libraries import ExternalLibrary

_ILP64_NAME = re.compile(r"(64_|_ilp64|64)(\.|-|$)", re.I)


@dataclass(frozen=True, kw_only=True)
class StaticBlas:
    name: str | None = None  # openblas, accelerate, mkl, blis, netlib; None: the wheel binds to no BLAS
    int_size: int | None = None
    library: str | None = None  # the wheel member when bundled, else the name the binaries load
    bundled: bool = False


def _family(name: str) -> str | None:
    return family_of_library(name)


def _int_size(family: str, library: ExternalLibrary, users: Sequence[Binary], own: Binary | None) -> int | None:
    imported = [s for b in users for s in b.gemm_imports]
    exported = list(own.gemm_exports) if own else []
    if family == "accelerate":
        # Accelerate's new LAPACK interface (macOS 13.3+) names its ILP64 symbols $ILP64.
        return 64 if any("$ILP64" in s for s in imported) else 32
    if _ILP64_NAME.search(posixpath.basename(library.name)):
        return 64
    symbols = imported or exported
    if symbols:
        return 64 if any(s.rstrip("_").endswith("64") for s in symbols) else 32
    return 32


def bound_blas(binaries: Sequence[Binary], libraries: Sequence[ExternalLibrary]) -> StaticBlas:
    by_member = {b.member: b for b in binaries}
    for library in libraries:
        family = _family(library.name)
        if family is None or library.provided_by == "missing":
            continue
        users = [by_member[m] for m in library.needed_by if m in by_member]
        own = by_member.get(library.path) if library.path else None
        return StaticBlas(name=family, int_size=_int_size(family, library, users, own),
                          library=library.path or library.name, bundled=library.provided_by == "wheel")
    # No BLAS library is loaded: an extension that defines GEMM itself has one linked in.
    linked = [b for b in binaries if b.gemm_exports and not _family(b.member)]
    if linked:
        symbols = linked[0].gemm_exports
        return StaticBlas(name="static", int_size=64 if any(s.rstrip("_").endswith("64") for s in symbols) else 32,
                          library=linked[0].member, bundled=True)
    return StaticBlas()
