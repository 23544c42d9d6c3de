"""ELF (Linux) binaries, read with pyelftools: machine, DT_NEEDED, RUNPATH, the symbol
versions each library must provide (what manylinux tags bound), and GEMM symbols."""

from __future__ import annotations

from pathlib import Path

from elftools.elf.dynamic import DynamicSection, DynamicTag
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection
from elftools.elf.sections import SymbolTableSection

from .model import Binary, gemm_names

# e_machine -> the architecture as wheel tags spell it (PEP 600 / auditwheel's policies).
_ARCH = {
    "EM_X86_64": "x86_64",
    "EM_386": "i686",
    "EM_AARCH64": "aarch64",
    "EM_ARM": "armv7l",
    "EM_PPC64": "ppc64le",
    "EM_S390": "s390x",
    "EM_RISCV": "riscv64",
    "EM_LOONGARCH": "loongarch64",
}


def _string(tag: DynamicTag, field: str) -> str:
    """pyelftools sets a tag's string (``needed``, ``runpath``, ``rpath``) as an attribute
    named after its kind, which its type hints do not declare."""
    return str(vars(tag).get(field, ""))


def read_elf(member: str, path: Path) -> Binary:
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        arch = _ARCH.get(str(elf.header["e_machine"]), str(elf.header["e_machine"]))
        needed: list[str] = []
        runpath: list[str] = []
        rpath: list[str] = []
        versions: dict[str, tuple[str, ...]] = {}
        imports: list[str] = []
        exports: list[str] = []
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    kind = tag.entry.d_tag
                    if kind == "DT_NEEDED":
                        needed.append(_string(tag, "needed"))
                    elif kind == "DT_RUNPATH":
                        runpath += _string(tag, "runpath").split(":")
                    elif kind == "DT_RPATH":
                        rpath += _string(tag, "rpath").split(":")
            elif isinstance(section, GNUVerNeedSection):
                for verneed, auxiliaries in section.iter_versions():
                    if verneed.name:
                        versions[verneed.name] = tuple(str(aux.name) for aux in auxiliaries)
            elif isinstance(section, SymbolTableSection) and section.name == ".dynsym":
                for symbol in section.iter_symbols():
                    (imports if symbol["st_shndx"] == "SHN_UNDEF" else exports).append(symbol.name)
    # With DT_RUNPATH present the loader ignores DT_RPATH (ld.so(8)).
    search = runpath or rpath
    return Binary(member=member, format="ELF", archs=(arch,), needed=tuple(needed),
                  search_paths=tuple(p for p in search if p),
                  inherited_paths=tuple(p for p in rpath if p and not runpath),
                  symbol_versions=versions,
                  gemm_imports=gemm_names(imports), gemm_exports=gemm_names(exports))
