"""Reading compiled files (ELF, Mach-O, PE) with each format's own parser.

Shared by ``verify`` (which checks a wheel's binaries against its platform's rules) and
``repackage`` (which rewrites RPATHs and finds the libraries a package depends on). The
parsers are imported only when a file of their format is read.
"""

from __future__ import annotations

from pathlib import Path

from ..machine.extras import require_extra
from .model import GEMM_SYMBOL, Binary, binary_format, gemm_names


def read_binary(member: str, path: Path) -> Binary | None:
    """The binary at ``path`` (extracted from ``member``), or None when it is not one."""
    kind = binary_format(path)
    if kind == "ELF":
        from .elf import read_elf

        return read_elf(member, path)
    if kind == "Mach-O":
        require_extra("verify", "reading a Mach-O file", ("macholib",))
        from .macho import read_macho

        return read_macho(member, path)
    if kind == "PE":
        require_extra("verify", "reading a PE file", ("pefile",))
        from .pe import read_pe

        return read_pe(member, path)
    return None


__all__ = ["GEMM_SYMBOL", "Binary", "binary_format", "gemm_names", "read_binary"]
