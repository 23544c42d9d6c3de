"""Mach-O (macOS) binaries, read with macholib: architectures (every slice of a universal
binary), the deployment target, load commands, LC_RPATH and GEMM symbols."""

from __future__ import annotations

from pathlib import Path

from macholib import mach_o
from macholib.MachO import MachO
from macholib.SymbolTable import SymbolTable

from .model import Binary, gemm_names

# cputype -> the architecture as macOS wheel tags spell it.
_ARCH = {"x86_64": "x86_64", "ARM64": "arm64", "i386": "i386", "PowerPC": "ppc", "PowerPC64": "ppc64"}
_LOADS = {"LC_LOAD_DYLIB", "LC_LOAD_WEAK_DYLIB", "LC_REEXPORT_DYLIB", "LC_LAZY_LOAD_DYLIB", "LC_LOAD_UPWARD_DYLIB"}


def _version(encoded: int) -> tuple[int, int]:
    """Mach-O versions are nibbles xxxx.yy.zz in one 32-bit word."""
    return encoded >> 16, (encoded >> 8) & 0xFF


def _text(data: object) -> str:
    return data.rstrip(b"\x00").decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def read_macho(member: str, path: Path) -> Binary:
    macho = MachO(str(path))
    archs: list[str] = []
    needed: list[str] = []
    rpaths: list[str] = []
    minimum: tuple[int, int] | None = None
    by_arch: dict[str, tuple[int, int]] = {}
    for header in macho.headers:
        cpu = mach_o.CPU_TYPE_NAMES.get(header.header.cputype, str(header.header.cputype))
        arch = _ARCH.get(cpu, cpu)
        archs.append(arch)
        for load, command, data in header.commands:
            name = mach_o.LC_NAMES.get(load.cmd, "")
            if name in _LOADS and _text(data) not in needed:
                needed.append(_text(data))
            elif name == "LC_RPATH" and _text(data) not in rpaths:
                rpaths.append(_text(data))
            elif name == "LC_BUILD_VERSION" and command.platform == 1:  # PLATFORM_MACOS
                by_arch[arch] = max(by_arch.get(arch, (0, 0)), _version(command.minos))
            elif name == "LC_VERSION_MIN_MACOSX":
                by_arch[arch] = max(by_arch.get(arch, (0, 0)), _version(command.version))
    minimum = max(by_arch.values()) if by_arch else None
    symbols = SymbolTable(macho)
    imports = [n.decode("utf-8", "replace") for _, n in symbols.undefsyms]
    exports = [n.decode("utf-8", "replace") for _, n in symbols.extdefsyms]
    return Binary(member=member, format="Mach-O", archs=tuple(archs), needed=tuple(needed),
                  search_paths=tuple(rpaths), min_macos=minimum, min_macos_by_arch=by_arch,
                  gemm_imports=gemm_names(imports), gemm_exports=gemm_names(exports))
