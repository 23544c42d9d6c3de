"""PE (Windows) binaries, read with pefile: machine type, the import table (also the
delay-load one) and GEMM symbols."""

from __future__ import annotations

from pathlib import Path

import pefile

from .model import Binary, gemm_names

# IMAGE_FILE_HEADER.Machine -> the architecture as Windows wheel tags spell it.
_ARCH = {0x8664: "amd64", 0xAA64: "arm64", 0x14C: "win32"}


def _name(raw: object) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""


def read_pe(member: str, path: Path) -> Binary:
    pe = pefile.PE(str(path), fast_load=True)
    try:
        pe.parse_data_directories(directories=[
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"],
        ])
        machine = int(pe.FILE_HEADER.Machine)
        needed: list[str] = []
        imports: list[str] = []
        for table in ("DIRECTORY_ENTRY_IMPORT", "DIRECTORY_ENTRY_DELAY_IMPORT"):
            for entry in getattr(pe, table, []):
                needed.append(_name(entry.dll))
                imports += [_name(i.name) for i in entry.imports if i.name]
        exported = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
        exports = [_name(s.name) for s in exported.symbols if s.name] if exported else []
    finally:
        pe.close()
    return Binary(member=member, format="PE", archs=(_ARCH.get(machine, hex(machine)),), needed=tuple(needed),
                  gemm_imports=gemm_names(imports), gemm_exports=gemm_names(exports))
