"""Rules for Mach-O wheels: every binary (bundled dylibs too) holds each architecture the
``macosx_X_Y_arch`` tag names and needs no newer macOS than X.Y; each library it loads is
either the system's (/usr/lib, /System/Library) or a member of the wheel, found through
@loader_path or the binary's own LC_RPATH entries, the way delocate lays them out."""

from __future__ import annotations

import posixpath
import re

from ..binaries import Binary
from .libraries import Resolution, WheelView, relative_to
from .problems import Problem

# The first macOS for Apple silicon.
_FIRST_ARM64 = (11, 0)
_TAG = re.compile(r"macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>\w+)")
# Multi-architecture tags (packaging.tags.mac_platforms spells the same groups).
_ARCH_GROUPS = {
    "universal2": ("x86_64", "arm64"),
    "intel": ("x86_64", "i386"),
    "fat64": ("x86_64", "ppc64"),
    "fat32": ("i386", "ppc"),
    "fat": ("i386", "ppc"),
    "universal": ("x86_64", "i386", "ppc64", "ppc"),
}
_SYSTEM = ("/usr/lib/", "/System/Library/")
# What dyld loads, and the names Python and delocate give it: extension modules (.so) and
# libraries (.dylib).
FORMAT = "Mach-O"
LOADABLE = re.compile(r"\.(so|dylib)$")


def applies(platform: str) -> bool:
    return platform.startswith("macosx_")


def _expand(binary: Binary, path: str) -> str | None:
    if path.startswith("@loader_path"):
        return relative_to(binary, "." + path.removeprefix("@loader_path"))
    return None


def resolve(binary: Binary, view: WheelView) -> list[Resolution]:
    found = []
    rpaths = [d for entry in binary.search_paths if (d := _expand(binary, entry)) is not None]
    for name in binary.needed:
        path: str | None = None
        if name.startswith("@rpath/"):
            leaf = name.removeprefix("@rpath/")
            path = next((p for d in rpaths if (p := posixpath.join(d, leaf)) in view.members), None)
        elif name.startswith("@loader_path/"):
            path = _expand(binary, name)
            path = path if path in view.members else None
        source = "wheel" if path else "system" if name.startswith(_SYSTEM) else "missing"
        found.append(Resolution(needed_by=binary.member, name=name, provided_by=source, path=path))
    return found


def check(binary: Binary, view: WheelView, bundled: set[str]) -> list[Problem]:
    platform = view.platform
    match = _TAG.fullmatch(platform)
    if not match:
        return [Problem(member=binary.member, rule="tags", detail=f"{platform} is not a macosx_X_Y_arch tag")]
    problems = []
    wanted = _ARCH_GROUPS.get(match["arch"], (match["arch"],))
    absent = [a for a in wanted if a not in binary.archs]
    if absent:
        problems.append(Problem(member=binary.member, rule="arch",
                                detail=f"has {', '.join(binary.archs)}; {platform} needs {', '.join(absent)} as well"))
    tagged = (int(match["major"]), int(match["minor"]))
    slices = binary.min_macos_by_arch or ({"": binary.min_macos} if binary.min_macos is not None else {})
    for arch, needs in slices.items():
        # An arm64 slice can only ever run on macOS 11 or later: a universal2 or arm64 tag
        # below 11 promises 11 for it (packaging.tags.mac_platforms counts arm64 from 11.0).
        promised = max(tagged, _FIRST_ARM64) if arch == "arm64" else tagged
        if needs > promised:
            which = f" (its {arch} slice)" if len(slices) > 1 else ""
            problems.append(Problem(member=binary.member, rule="macos-version",
                                    detail=f"needs macOS {needs[0]}.{needs[1]}{which} "
                                           "(LC_BUILD_VERSION/LC_VERSION_MIN_MACOSX); "
                                           f"the tag promises {promised[0]}.{promised[1]}"))
    return problems


def missing_detail(name: str) -> str | None:
    """Nothing to add to "not in the wheel, not a system library" on this platform."""
    return None
