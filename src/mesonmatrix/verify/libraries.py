"""Where each library a binary needs comes from: the wheel itself, the system, or nowhere."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..binaries import Binary


@dataclass(frozen=True, kw_only=True)
class ExternalLibrary:
    name: str  # as the binaries name it
    provided_by: str  # "wheel" (bundled), "system" (the platform promises it) or "missing"
    path: str | None = None  # the wheel member, when bundled
    needed_by: list[str] = field(default_factory=list)  # wheel members that load it
    via: str | None = None  # how a bundled library reaches the loader, when not by the binaries' own search


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """One binary's view of one library it needs."""

    needed_by: str
    name: str
    provided_by: str
    path: str | None = None
    via: str | None = None  # how it reaches the loader (a folder put on the DLL path, a preload)


@dataclass(frozen=True, kw_only=True)
class WheelView:
    """What the platform rules need to know about the wheel besides one binary."""

    members: frozenset[str]
    platform: str  # one platform tag of the wheel's
    abi: str  # its ABI tag (cp312, abi3 …)
    # What the package's import-time code puts on the Windows loader's path (loaderpath.py):
    # folder -> how, and DLL name (lower-cased) -> (member, how).
    dll_dirs: Mapping[str, str] = field(default_factory=dict)
    preloaded: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def named(self, name: str) -> list[str]:
        """Members whose file name is ``name`` (case-insensitively: Windows names)."""
        lowered = name.lower()
        return [m for m in self.members if posixpath.basename(m).lower() == lowered]


def relative_to(binary: Binary, directory: str) -> str:
    """A directory written relative to the binary's own folder, as a wheel member path."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(binary.member), directory))


def merge(resolutions: Iterable[Resolution], binaries: Iterable[Binary]) -> list[ExternalLibrary]:
    """One entry per library, naming every binary that needs it; libraries that are themselves
    members of the wheel appear once, as bundled."""
    members = {b.member for b in binaries}
    by_name: dict[tuple[str, str, str | None, str | None], list[str]] = {}
    for found in resolutions:
        if found.path is not None and found.path not in members:
            continue
        by_name.setdefault((found.name, found.provided_by, found.path, found.via), []).append(found.needed_by)
    return [ExternalLibrary(name=name, provided_by=source, path=path, needed_by=sorted(set(users)), via=via)
            for (name, source, path, via), users in sorted(by_name.items(), key=lambda item: (item[0][1], item[0][0]))]
