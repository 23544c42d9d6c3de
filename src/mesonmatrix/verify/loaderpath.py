"""What a package's own import-time code puts on the Windows loader's path before any of its
extensions loads: the folders it adds with ``os.add_dll_directory`` (delvewheel's patch of
``__init__.py`` adds ``<name>.libs``) and the DLLs it preloads by full path with
``ctypes.WinDLL``/``CDLL`` (scikit-learn's ``_distributor_init.py`` preloads the
``vcomp140.dll`` and ``msvcp140.dll`` it bundles in ``sklearn/.libs``).

Windows resolves an extension's import by name to a module already loaded in the process
(Microsoft's "Dynamic-link library search order": a DLL with the same module name already
loaded is used), so a preloaded DLL counts as provided by the wheel. Only the files that run
when the package is imported are read: each package's ``__init__.py`` and
``_distributor_init.py``, parsed with ``ast`` (never run).
"""

from __future__ import annotations

import ast
import posixpath
import zipfile
from dataclasses import dataclass, field

from .archive import MAX_CODE_BYTES, read_whole, unread
from .problems import Problem

_PRELOADERS = {"WinDLL", "CDLL", "PyDLL", "OleDLL", "LoadLibrary", "LoadLibraryEx", "LoadLibraryExW"}
_IMPORT_TIME_FILES = {"__init__.py", "_distributor_init.py"}
# os.add_dll_directory, and the kernel32 call older delvewheel patches made through ctypes.
_PATH_ADDERS = {"add_dll_directory", "AddDllDirectory"}


@dataclass(frozen=True, kw_only=True)
class LoaderPath:
    # Wheel folder -> how it gets on the DLL search path.
    dll_dirs: dict[str, str] = field(default_factory=dict)
    # Lower-cased DLL name -> (the wheel member preloaded, how).
    preloaded: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Import-time files too large to read: what they put on the path is not known.
    unread: list[Problem] = field(default_factory=list)


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "")
    return names


def _strings(tree: ast.AST) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _folders(members: frozenset[str]) -> set[str]:
    return {posixpath.dirname(m) for m in members if "/" in m}


def loader_path(archive: zipfile.ZipFile, members: frozenset[str]) -> LoaderPath:
    folders = _folders(members)
    dlls: dict[str, list[str]] = {}
    for member in members:
        if member.lower().endswith(".dll"):
            dlls.setdefault(posixpath.basename(member).lower(), []).append(member)
    dll_dirs: dict[str, str] = {}
    preloaded: dict[str, tuple[str, str]] = {}
    skipped: list[Problem] = []
    for member in sorted(members):
        if posixpath.basename(member) not in _IMPORT_TIME_FILES:
            continue
        code = read_whole(archive, member, MAX_CODE_BYTES)
        if code is None:
            skipped.append(unread(member, archive.getinfo(member).file_size, MAX_CODE_BYTES,
                                  "what it puts on the DLL search path"))
            continue
        try:
            tree = ast.parse(code.decode("utf-8", "replace"))
        except (SyntaxError, ValueError):
            continue
        calls, strings, here = _calls(tree), _strings(tree), posixpath.dirname(member)
        if calls & _PATH_ADDERS:
            for text in strings:
                # A folder named relative to the file (".libs"), beside its package
                # (delvewheel's "<name>.libs" via os.pardir) or at the wheel's root.
                for candidate in (posixpath.join(here, text), posixpath.join(posixpath.dirname(here), text), text):
                    folder = posixpath.normpath(candidate)
                    if folder in folders and folder not in dll_dirs:
                        dll_dirs[folder] = f"on the DLL search path: os.add_dll_directory in {member}"
        if calls & _PRELOADERS:
            for text in strings:
                for dll in dlls.get(posixpath.basename(text.replace("\\", "/")).lower(), []):
                    preloaded.setdefault(posixpath.basename(dll).lower(),
                                         (dll, f"preloaded by {member} ({', '.join(sorted(calls & _PRELOADERS))})"))
    return LoaderPath(dll_dirs=dll_dirs, preloaded=preloaded, unread=skipped)
