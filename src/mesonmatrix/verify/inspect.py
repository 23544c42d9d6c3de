"""Everything verify can say about one wheel without running it: integrity, each binary
against the platform tags, where its libraries come from, and the BLAS it binds to."""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from packaging.utils import parse_wheel_filename

from ..binaries import Binary, read_binary
from . import macosx, manylinux, windows
from .archive import readable
from .integrity import metadata_problems, record_problems
from .libraries import ExternalLibrary, Resolution, WheelView, merge, relative_to
from .loaderpath import loader_path
from .problems import Problem
from .staticblas import StaticBlas, bound_blas

# One module of rules per platform family; each has applies(), resolve() and check().
RULES: tuple[ModuleType, ...] = (manylinux, macosx, windows)
_BINARY_NAME = re.compile(r"\.(so|pyd|dll|dylib)$|\.so\.|(^|/)\.dylibs/")


@dataclass(frozen=True, kw_only=True)
class Findings:
    platforms: list[str]
    problems: list[Problem]
    libraries: list[ExternalLibrary]
    blas: StaticBlas
    binaries: int


def _read_binaries(archive: zipfile.ZipFile, members: frozenset[str], scratch: Path) -> list[Binary]:
    binaries = []
    for name in sorted(members):
        if not _BINARY_NAME.search(name) or not readable(archive.getinfo(name)):
            continue
        path = scratch / "member"
        # In pieces: a member is never held in memory whole (the parsers seek in the file).
        with archive.open(name) as source, path.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
        binary = read_binary(name, path)
        if binary is not None:
            binaries.append(binary)
    return binaries


def _check_platform(rules: ModuleType, binaries: list[Binary],
                    view: WheelView) -> tuple[list[Problem], list[Resolution]]:
    problems: list[Problem] = []
    resolved = _loaded_by_siblings(binaries, view, rules)
    resolutions: list[Resolution] = []
    for binary in binaries:
        found = resolved[binary.member]
        resolutions += found
        problems += rules.check(binary, view, {r.name for r in found if r.provided_by == "wheel"})
        problems += [Problem(member=binary.member, rule="library",
                             detail=rules.missing_detail(r.name) or f"needs {r.name}: not in the wheel where the "
                                    f"loader looks, and not a system library on {view.platform}")
                     for r in found if r.provided_by == "missing"]
    return problems, resolutions


def _loaded_by_siblings(binaries: list[Binary], view: WheelView, rules: ModuleType) -> dict[str, list[Resolution]]:
    """Each binary's libraries, where one the binary cannot find itself counts as bundled
    when another binary of the wheel loads that very file: the loader then matches the
    name to the library already in the process (SciPy's grafted libgfortran, which has no
    RUNPATH, gets its libquadmath this way: the extensions load both)."""
    found = {b.member: list(rules.resolve(b, view)) for b in binaries}
    bundled = {r.name: r.path for rs in found.values() for r in rs if r.provided_by == "wheel"}
    by_member = {b.member: b for b in binaries}
    loaders: dict[str, list[Binary]] = {}  # wheel member -> the binaries that load it
    for member, rs in found.items():
        for r in rs:
            if r.path is not None:
                loaders.setdefault(r.path, []).append(by_member[member])

    def inherited(member: str, name: str) -> str | None:
        """``name`` found through the DT_RPATH of a binary that loads ``member``."""
        for loader in loaders.get(member, []):
            for entry in loader.inherited_paths:
                if entry.startswith(("$ORIGIN", "${ORIGIN}")):
                    folder = relative_to(loader, "." + entry.split("}", 1)[-1].removeprefix("$ORIGIN"))
                    if (path := posixpath.join(folder, name)) in view.members:
                        return path
        return None

    def settled(member: str, r: Resolution) -> Resolution:
        path = bundled.get(r.name) or inherited(member, r.name) if r.provided_by == "missing" else None
        return Resolution(needed_by=r.needed_by, name=r.name, provided_by="wheel", path=path,
                          via="loaded by a sibling binary of the wheel") if path else r

    return {member: [settled(member, r) for r in rs] for member, rs in found.items()}


def inspect_wheel(wheel: Path) -> Findings:
    problems = record_problems(wheel) + metadata_problems(wheel)
    _name, _version, _build, tags = parse_wheel_filename(wheel.name)
    platforms = sorted({t.platform for t in tags})
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(prefix="mesonmatrix-verify-") as scratch:
        members = frozenset(n for n in archive.namelist() if not n.endswith("/"))
        binaries = _read_binaries(archive, members, Path(scratch))
        loader = loader_path(archive, members)
    resolutions: list[Resolution] = []
    for platform in platforms:
        rules = next((r for r in RULES if r.applies(platform)), None)
        if rules is None:
            if binaries:
                problems.append(Problem(member=wheel.name, rule="tags",
                                        detail=f"compiled code ({binaries[0].member} …) in a {platform} wheel"))
            continue
        abi = next(t.abi for t in tags if t.platform == platform)
        view = WheelView(members=members, platform=platform, abi=abi, dll_dirs=loader.dll_dirs,
                         preloaded=loader.preloaded)
        found_problems, found = _check_platform(rules, binaries, view)
        problems += [p for p in found_problems if p not in problems]
        resolutions += found
    libraries = merge(_unique(resolutions), binaries)
    return Findings(platforms=platforms, problems=problems, libraries=libraries,
                    blas=bound_blas(binaries, libraries), binaries=len(binaries))


def policy_problems(wheel: Path, platform_tag: str) -> list[Problem]:
    """What keeps ``wheel``'s binaries from meeting ``platform_tag`` (a manylinux tag): the
    same rules verify applies to a wheel that claims that tag, libraries it would bundle
    aside."""
    rules = next((r for r in RULES if r.applies(platform_tag)), None)
    if rules is None:
        return []
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(prefix="mesonmatrix-policy-") as scratch:
        members = frozenset(n for n in archive.namelist() if not n.endswith("/"))
        binaries = _read_binaries(archive, members, Path(scratch))
    view = WheelView(members=members, platform=platform_tag, abi="none")
    return [p for b in binaries for p in rules.check(b, view, set()) if not p.warning]


def _unique(resolutions: list[Resolution]) -> list[Resolution]:
    """The same binary's same library once, however many platform tags looked at it."""
    seen: dict[tuple[str, str], Resolution] = {}
    for found in resolutions:
        key = (found.needed_by, found.name)
        if key not in seen or seen[key].provided_by == "missing":
            seen[key] = found
    return list(seen.values())


__all__ = ["Findings", "inspect_wheel"]
