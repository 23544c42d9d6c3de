"""What a compiled file says about itself, whatever platform it was built for.

One ``Binary`` per ELF, Mach-O or PE file, read by the well-kept parser of each format
(pyelftools, macholib, pefile: see ``elf.py``, ``macho.py``, ``pe.py``); nothing here
needs the platform the file was built for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# GEMM, the routine every BLAS has, under the names its flavours give it: Fortran
# (dgemm_), CBLAS (cblas_dgemm), scipy-openblas's prefixed and ILP64-suffixed forms
# (scipy_dgemm_64_), Accelerate's new-LAPACK names (_cblas_dgemm$NEWLAPACK$ILP64).
GEMM_SYMBOL = re.compile(r"^_?(scipy_)?(cblas_)?[sdcz]gemm(_|\$|64|$)")

_MAGIC = {
    b"\x7fELF": "ELF",
    b"MZ": "PE",
    # Mach-O thin (32/64-bit, both byte orders) and fat (universal) headers.
    b"\xfe\xed\xfa\xce": "Mach-O", b"\xce\xfa\xed\xfe": "Mach-O",
    b"\xfe\xed\xfa\xcf": "Mach-O", b"\xcf\xfa\xed\xfe": "Mach-O",
    b"\xca\xfe\xba\xbe": "Mach-O",
}


@dataclass(frozen=True, kw_only=True)
class Binary:
    member: str  # its path inside the wheel
    format: str  # "ELF", "Mach-O" or "PE"
    archs: tuple[str, ...]  # in the wheel tag's spelling: x86_64, aarch64/arm64, amd64, i686 …
    needed: tuple[str, ...]  # libraries it loads, as written (DT_NEEDED, LC_LOAD_DYLIB, imports)
    search_paths: tuple[str, ...] = ()  # RUNPATH/RPATH or LC_RPATH entries, as written
    # ELF DT_RPATH without DT_RUNPATH: the loader also searches it for the dependencies of
    # the libraries this binary loads (DT_RUNPATH is not inherited that way).
    inherited_paths: tuple[str, ...] = ()
    min_macos: tuple[int, int] | None = None  # LC_BUILD_VERSION / LC_VERSION_MIN_MACOSX, the highest slice's
    # Each slice's own minimum: a universal2 binary's x86_64 slice may run on 10.13 while
    # its arm64 slice needs 11.0, the first macOS for arm64.
    min_macos_by_arch: dict[str, tuple[int, int]] = field(default_factory=dict)
    symbol_versions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ELF: library -> versions
    gemm_imports: tuple[str, ...] = ()  # GEMM symbols it takes from another library
    gemm_exports: tuple[str, ...] = ()  # GEMM symbols it defines (a BLAS, or one linked in statically)


def binary_format(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(4)
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def gemm_names(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({n for n in names if GEMM_SYMBOL.match(n)}))
