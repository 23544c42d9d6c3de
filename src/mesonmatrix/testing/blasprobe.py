"""Run inside a test venv: which BLAS does the installed package really call?

Usage: python blasprobe.py IMPORT_NAME FAMILIES_JSON [INT_SIZE]. Prints one JSON object. Kept free of
imports from mesonmatrix because it runs in a venv that holds only the wheels under test:
the BLAS families it tells apart come as an argument, from ``providers/families.py``.

Linux and macOS ask the dynamic linker (dlsym + dladdr, below). Windows has neither:
there the probe asks every loaded module for the GEMM symbol, maps the address to its
defining module with GetModuleHandleExW + GetModuleFileNameW, and keeps the module the
wheel brings (``library_of_windows``); threadpoolctl is the second opinion everywhere.

The answer comes from the dynamic linker, not from file names: for each extension module
of the package, dlsym finds the ``dgemm`` it binds to (whatever prefix or suffix the
build used) and dladdr names the library that defines it. Debian's netlib, OpenBLAS and
BLIS all install a ``libblas.so.3``; only the symbols that library exports tell them apart.

The first extension that calls a BLAS is the answer, unless INT_SIZE is given and a later
one calls a BLAS of that integer size: SciPy's ILP64 build is a hybrid (most extensions
call the LP64 scipy-openblas, those that can the ILP64 scipy-openblas64), and its ILP64
library is proven by the first extension that calls it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import json
import os
import re
import sys
from pathlib import Path

GEMM_SYMBOLS = [
    f"{prefix}{name}{suffix}"
    for name in ("dgemm_", "cblas_dgemm", "dgemm")
    for prefix in ("", "scipy_")
    for suffix in ("", "64_")
]
# One family of providers/families.py: name, library_name (a pattern), exports, static_markers.
Family = dict[str, object]


class DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def package_roots(name: str) -> list[str]:
    """The installed package's folders; importing it is all the probe runs of its code."""
    return [str(p) for p in getattr(importlib.import_module(name), "__path__", [])]


def extension_modules(name: str) -> list[str]:
    """The package's compiled extension modules (test-only ones aside), found on disk.

    Only the package itself is imported; its extensions are then opened with dlopen,
    which loads their BLAS exactly as an import would, without running any module code
    (importing every submodule would run things like ``numpy.f2py.__main__``).
    """
    roots = [Path(p) for p in package_roots(name)]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".so", ".pyd") and "tests" not in path.relative_to(root).parts:
                found.append(str(path))
    return found


def library_of(extension: str) -> tuple[str, str] | None:
    """(library path, symbol) of the GEMM that ``extension`` binds to, per the linker."""
    try:
        handle = ctypes.CDLL(extension)
        libc = ctypes.CDLL(None)
        dladdr = libc.dladdr
    except (OSError, AttributeError):
        return None
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    for symbol in GEMM_SYMBOLS:
        try:
            address = ctypes.cast(getattr(handle, symbol), ctypes.c_void_p).value
        except AttributeError:
            continue
        info = DlInfo()
        if dladdr(address, ctypes.byref(info)) and info.dli_fname:
            # The extension itself, when BLAS was linked statically (MKL).
            return os.path.realpath(info.dli_fname.decode()), symbol
    return None


def bundled_by(path: str, package_roots: list[str], import_name: str) -> bool:
    """Is ``path`` a file the wheel brings: inside the package, or in the folder of
    libraries a repair tool grafted beside it (delvewheel's ``<name>.libs``)?"""
    candidate = Path(os.path.normcase(os.path.realpath(path)))
    for root in (Path(os.path.normcase(os.path.realpath(r))) for r in package_roots):
        if root in candidate.parents:
            return True
        folder = candidate.parent
        grafted = folder.name.startswith(import_name.lower()) and folder.name.endswith(".libs")
        if grafted and folder.parent == root.parent:
            return True
    return False


def choose_provider(found: list[tuple[str, str]], package_roots: list[str],
                    import_name: str) -> tuple[str, str] | None:
    """Among (module path, GEMM symbol) pairs of the loaded modules, the one the wheel
    brings; a module another package loaded (NumPy's own OpenBLAS) is never the answer."""
    return next(((path, symbol) for path, symbol in found if bundled_by(path, package_roots, import_name)), None)


if sys.platform == "win32":

    def _windows_modules() -> list[int]:
        """Handles of every module loaded in this process (K32EnumProcessModules)."""
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        process = kernel32.GetCurrentProcess()
        size = 1024
        while True:
            handles = (wintypes.HMODULE * size)()
            needed = wintypes.DWORD()
            if not kernel32.K32EnumProcessModules(process, handles, ctypes.sizeof(handles), ctypes.byref(needed)):
                return []
            count = needed.value // ctypes.sizeof(wintypes.HMODULE)
            if count <= size:
                return [h for h in handles[:count] if h]
            size = count


    def _windows_module_path(handle: int) -> str:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        buffer = ctypes.create_unicode_buffer(32768)
        length = kernel32.GetModuleFileNameW(ctypes.c_void_p(handle), buffer, len(buffer))
        return buffer.value[:length]


    def library_of_windows(extension: str, package_roots: list[str], import_name: str) -> tuple[str, str] | None:
        """Windows has no dladdr: load the extension (and so the DLLs it imports), ask every
        loaded module for a GEMM symbol, map each address to the module that really defines
        it (GetModuleHandleExW FROM_ADDRESS follows forwarded exports), keep the wheel's own."""
        from_address, unchanged_refcount = 0x4, 0x2  # GET_MODULE_HANDLE_EX_FLAG_* (winbase.h)
        try:
            ctypes.WinDLL(extension)
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        except (OSError, AttributeError):
            return None
        kernel32.GetProcAddress.restype = ctypes.c_void_p
        kernel32.GetProcAddress.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        found = []
        for symbol in GEMM_SYMBOLS:
            for module in _windows_modules():
                address = kernel32.GetProcAddress(ctypes.c_void_p(module), symbol.encode())
                if not address:
                    continue
                owner = ctypes.c_void_p()
                if kernel32.GetModuleHandleExW(from_address | unchanged_refcount, ctypes.c_void_p(address),
                                               ctypes.byref(owner)):
                    found.append((_windows_module_path(owner.value or 0), symbol))
        return choose_provider(found, package_roots, import_name)

else:

    def library_of_windows(extension: str, package_roots: list[str], import_name: str) -> tuple[str, str] | None:
        return None  # the Windows loader's questions have no answer elsewhere


def static_blas_in(path: str, families: list[Family]) -> str | None:
    """Name a BLAS linked statically into ``path`` by the version strings it carries."""
    with open(path, "rb") as handle:
        data = handle.read()
    for family in families:
        if any(str(marker).encode() in data for marker in _strings(family, "static_markers")):
            return str(family["name"])
    return None


def _strings(family: Family, key: str) -> list[str]:
    value = family.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def has_symbol(library: ctypes.CDLL, names: list[str]) -> str | None:
    return next((n for n in names if hasattr(library, n)), None)


def identify(path: str, symbol: str, families: list[Family]) -> tuple[str, int]:
    """Name a BLAS library by the symbols it exports; say its integer size.

    A family that exports nothing of its own (Accelerate, a system framework) is known by
    its path; the last family (the reference BLAS, netlib) is what is left."""
    *named, fallback = families
    for family in named:
        if not _strings(family, "exports") and re.search(str(family["library_name"]), path, re.I):
            return str(family["name"]), 32
    lib = ctypes.CDLL(path)
    suffix_size = 64 if symbol.endswith("64_") else 32
    if has_symbol(lib, ["PyInit_" + Path(path).name.split(".")[0]]):
        return static_blas_in(path, families) or "unknown", suffix_size
    for family in named:
        found = has_symbol(lib, _strings(family, "exports"))
        if found:
            return str(family["name"]), _int_size(str(family["name"]), lib, found, path, suffix_size)
    return str(fallback["name"]), suffix_size


def _int_size(family: str, lib: ctypes.CDLL, export: str, path: str, suffix_size: int) -> int:
    """What each family's library says of its integer size, beyond a ``64_`` symbol suffix."""
    if family == "openblas":
        getter = getattr(lib, export)  # openblas_get_config: its build options, USE64BITINT among them
        getter.restype = ctypes.c_char_p
        return 64 if b"USE64BITINT" in getter() else 32
    if family == "mkl" and "ilp64" in Path(path).name.lower():
        return 64
    return suffix_size


def threadpoolctl_view() -> list[str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [f"{i.get('internal_api')}:{i.get('filepath')}" for i in threadpool_info() if i.get("user_api") == "blas"]


def main(name: str, families: list[Family], int_size: int | None = None) -> dict[str, object]:
    extensions = extension_modules(name)
    found: dict[str, object] = {"name": None, "library": None, "int_size": None, "symbol": None,
                                "extension": None, "threadpoolctl": threadpoolctl_view()}
    roots = package_roots(name)
    for extension in extensions:
        hit = library_of_windows(extension, roots, name) if sys.platform == "win32" else library_of(extension)
        if hit:
            library, symbol = hit
            kind, size = identify(library, symbol, families)
            if found["name"] is None or size == int_size:
                found.update(name=kind, library=library, int_size=size, symbol=symbol, extension=extension)
            if int_size is None or size == int_size:
                break
    return found


if __name__ == "__main__":
    wanted = int(sys.argv[3]) if len(sys.argv) > 3 else None
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]), wanted)))
