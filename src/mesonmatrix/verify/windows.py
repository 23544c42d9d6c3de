"""Rules for PE wheels: the machine type against win_amd64/win_arm64/win32, and each DLL
either part of Windows or the Python that loads the wheel, or bundled: beside the
extension, or in a ``<name>.libs`` folder that delvewheel's patch adds to the DLL search path.

Which DLLs Windows and Python provide is delvewheel's knowledge (``delvewheel._dll_list``):
its lists are what it leaves out of a repaired wheel. Python ships vcruntime140(_1); the
other Visual C++ runtime DLLs (msvcp140 …) are not guaranteed, so delvewheel bundles them.
"""

from __future__ import annotations

import posixpath
import re
from functools import cache
from types import ModuleType

from ..binaries import Binary
from ..machine.extras import require_extra
from .libraries import Resolution, WheelView
from .problems import Problem

_MACHINE = {"win_amd64": "amd64", "win_arm64": "arm64", "win32": "win32"}
# The Visual C++ runtime's DLLs besides those CPython ships (Microsoft's "Redistributing
# Visual C++ files" lists them): msvcp140*, vcomp140, concrt140, vccorlib140, the _1 … parts.
# What Windows loads, and the names of extension modules (.pyd) and DLLs (any case).
FORMAT = "PE"
LOADABLE = re.compile(r"\.(pyd|dll)$", re.I)
_VC_REDIST = re.compile(r"(msvcp140(_\w+)?|vcomp140|concrt140|vccorlib140|vcruntime140_1|vcamp140)\.dll")


@cache
def _dll_lists() -> ModuleType:
    """delvewheel's lists (part of the verify extra), imported on first use."""
    require_extra("verify", "checking a Windows wheel's DLLs", ("delvewheel",))
    from delvewheel import _dll_list

    lists: ModuleType = _dll_list  # delvewheel has no type information
    return lists


def _system_names(machine: str) -> set[str]:
    lists = _dll_lists()
    by_machine = {"amd64": lists.ignore_names_x64, "arm64": lists.ignore_names_arm64, "win32": lists.ignore_names_x86}
    return set(by_machine.get(machine, lists.ignore_names_x64))


def applies(platform: str) -> bool:
    return platform in _MACHINE


def _from_python(name: str, abi_platform: str) -> bool:
    """DLLs the CPython of this tag brings (vcruntime140.dll for cp312-win_amd64, …)."""
    return any(re.fullmatch(pattern, abi_platform) and name in names
               for pattern, names in _dll_lists().ignore_by_abi_platform.items())


def is_system(name: str, platform: str, abi: str) -> bool:
    lowered = name.lower()
    if lowered in _system_names(_MACHINE.get(platform, "amd64")):
        return True
    if any(pattern.fullmatch(lowered) for pattern in _dll_lists().ignore_regexes):
        return True
    # ucrtbase.dll is part of Windows 10 and later (the Universal CRT).
    return lowered == "ucrtbase.dll" or _from_python(lowered, f"{abi}-{platform}")


def resolve(binary: Binary, view: WheelView) -> list[Resolution]:
    """Each DLL: beside the extension, in a folder the package puts on the DLL search path,
    preloaded by the package by full path, part of Windows or the Python, or missing."""
    found = []
    here = posixpath.dirname(binary.member)
    for name in binary.needed:
        beside = next((p for p in sorted(view.named(name)) if posixpath.dirname(p) == here), None)
        on_path = next((p for p in sorted(view.named(name)) if posixpath.dirname(p) in view.dll_dirs), None)
        preloaded = view.preloaded.get(name.lower())
        provided: tuple[str, str | None] | None = None
        if beside:
            provided = beside, None
        elif on_path:
            provided = on_path, view.dll_dirs[posixpath.dirname(on_path)]
        elif preloaded:
            provided = preloaded
        if provided is not None:
            found.append(Resolution(needed_by=binary.member, name=name, provided_by="wheel", path=provided[0],
                                    via=provided[1]))
            continue
        source = "system" if is_system(name, view.platform, view.abi) else "missing"
        found.append(Resolution(needed_by=binary.member, name=name, provided_by=source))
    return found


def missing_detail(name: str) -> str | None:
    """Why a missing DLL matters on a clean Windows, when it is a known one."""
    if _VC_REDIST.fullmatch(name.lower()):
        return (f"needs {name}: part of the Visual C++ Redistributable, which a clean Windows lacks (Python brings "
                "only vcruntime140); bundle it in the wheel (delvewheel does)")
    return None


def check(binary: Binary, view: WheelView, bundled: set[str]) -> list[Problem]:
    platform = view.platform
    wanted = _MACHINE.get(platform)
    if wanted is None:
        return [Problem(member=binary.member, rule="tags", detail=f"{platform} is not a Windows tag")]
    if wanted not in binary.archs:
        return [Problem(member=binary.member, rule="arch", detail=f"PE machine {binary.archs[0]}, tagged {platform}")]
    return []
