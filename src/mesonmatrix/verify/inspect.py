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
from .archive import MAX_MEMBER_BYTES, readable, unread
from .integrity import metadata_problems, record_problems
from .libraries import ExternalLibrary, Resolution, WheelView, merge, relative_to
from .loaderpath import loader_path
from .problems import Problem
from .staticblas import StaticBlas, bound_blas

# One module of rules per platform family; each has applies(), resolve() and check(), the
# FORMAT its loader loads and the LOADABLE names it loads as compiled code.
RULES: tuple[ModuleType, ...] = (manylinux, macosx, windows)
_BINARY_NAME = re.compile(r"\.(so|pyd|dll|dylib)$|\.so\.|(^|/)\.dylibs/", re.I)


@dataclass(frozen=True, kw_only=True)
class Findings:
    platforms: list[str]
    problems: list[Problem]
    libraries: list[ExternalLibrary]
    blas: StaticBlas
    binaries: int


@dataclass(frozen=True, kw_only=True)
class _Scan:
    binaries: list[Binary]
    # Each member named like a binary and read: its format (ELF, Mach-O, PE), or what it is instead.
    kinds: dict[str, str]
    unread: list[Problem]  # binaries above the size verify reads


def _read_binaries(archive: zipfile.ZipFile, members: frozenset[str], scratch: Path) -> _Scan:
    binaries, kinds, skipped = [], {}, []
    for name in sorted(members):
        if not _BINARY_NAME.search(name):
            continue
        info = archive.getinfo(name)
        if not readable(info):
            skipped.append(unread(name, info.file_size, MAX_MEMBER_BYTES, "the binary"))
            continue
        path = scratch / "member"
        # In pieces: a member is never held in memory whole (the parsers seek in the file).
        with archive.open(name) as source, path.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
        binary = read_binary(name, path)
        kinds[name] = binary.format if binary is not None else _what_instead(path)
        if binary is not None:
            binaries.append(binary)
    return _Scan(binaries=binaries, kinds=kinds, unread=skipped)


def _what_instead(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    return f"not a binary at all (it starts {head.hex(' ')})" if head else "an empty file"


def _format_problems(rules: ModuleType, kinds: dict[str, str]) -> list[Problem]:
    """Members named as the platform's loader loads compiled code (an extension module, a
    shared library) that it could not load: a file of another format, or no binary at all.
    Python would fail to import it; verify would otherwise count it as no binary, unchecked."""
    wanted: str = rules.FORMAT
    problems = []
    for member, kind in sorted(kinds.items()):
        if rules.LOADABLE.search(member) and kind != wanted:
            what = f"{'an' if kind == 'ELF' else 'a'} {kind} file" if kind in {r.FORMAT for r in RULES} else kind
            problems.append(Problem(member=member, rule="binary",
                                    detail=f"named like a compiled module or library, but {what}, where the "
                                           f"wheel's platform loads only {wanted} files"))
    return problems


def _check_platform(rules: ModuleType, binaries: list[Binary],
                    view: WheelView) -> tuple[list[Problem], list[Resolution]]:
    problems: list[Problem] = []
    resolved = _loaded_by_siblings(binaries, view, rules)
    resolutions: list[Resolution] = []
    for binary in binaries:
        if binary.format != rules.FORMAT:
            # Another platform's binary: the platform's own rules (its machine, its
            # libraries) do not apply; said once, here or as a misnamed module above.
            if not rules.LOADABLE.search(binary.member):
                problems.append(Problem(member=binary.member, rule="binary",
                                        detail=f"{'an' if binary.format == 'ELF' else 'a'} {binary.format} binary "
                                               f"in a {view.platform} wheel, whose platform loads only "
                                               f"{rules.FORMAT} files"))
            continue
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
    when another binary of the wheel loads that very file (the loader then matches the
    name to the library already in the process: SciPy's grafted libgfortran, which has no
    RUNPATH, gets its libquadmath this way), or when the DT_RPATH of a binary in the chain
    that loads it holds it. Repeated until nothing changes: a library found this way may
    load the next (h5py's extensions load libhdf5, which loads libsz, which loads libaec)."""
    found = {b.member: list(rules.resolve(b, view)) for b in binaries}
    by_member = {b.member: b for b in binaries}
    changed = True
    while changed:
        changed = False
        bundled = {r.name: r.path for rs in found.values() for r in rs if r.provided_by == "wheel" and r.path}
        loaders: dict[str, set[str]] = {}  # wheel member -> the binaries that load it
        for member, rs in found.items():
            for r in rs:
                if r.path is not None:
                    loaders.setdefault(r.path, set()).add(member)
        for member, rs in found.items():
            for index, r in enumerate(rs):
                if r.provided_by != "missing":
                    continue
                path, via = (bundled.get(r.name), "loaded by a sibling binary of the wheel")
                if path is None:
                    path, via = _on_loaders_rpath(by_member[member], r.name, by_member, loaders, view)
                if path is not None:
                    rs[index] = Resolution(needed_by=r.needed_by, name=r.name, provided_by="wheel", path=path,
                                           via=via)
                    changed = True
    return found


def _on_loaders_rpath(binary: Binary, name: str, by_member: dict[str, Binary], loaders: dict[str, set[str]],
                      view: WheelView) -> tuple[str | None, str]:
    """``name`` where the loader looks for a dependency of ``binary`` after ``binary``'s
    own paths: the DT_RPATH of the object that loaded it, then of that one's loader, and
    on up, each ``$ORIGIN`` that object's own folder; none of them when ``binary`` has a
    DT_RUNPATH (glibc's elf/dl-load.c, _dl_map_object; ld.so(8))."""
    if binary.search_paths and not binary.inherited_paths:
        return None, ""
    seen, chain = {binary.member}, sorted(loaders.get(binary.member, ()))
    while chain:
        loader = by_member.get(chain.pop(0))
        if loader is None or loader.member in seen:
            continue
        seen.add(loader.member)
        for entry in loader.inherited_paths:
            if entry.startswith(("$ORIGIN", "${ORIGIN}")):
                folder = relative_to(loader, "." + entry.split("}", 1)[-1].removeprefix("$ORIGIN"))
                if (path := posixpath.join(folder, name)) in view.members:
                    return path, f"on the DT_RPATH of {loader.member}, which loads it (directly or through others)"
        chain += sorted(loaders.get(loader.member, ()))
    return None, ""


def inspect_wheel(wheel: Path) -> Findings:
    problems = record_problems(wheel) + metadata_problems(wheel)
    _name, _version, _build, tags = parse_wheel_filename(wheel.name)
    platforms = sorted({t.platform for t in tags})
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(prefix="mesonmatrix-verify-") as scratch:
        members = frozenset(n for n in archive.namelist() if not n.endswith("/"))
        scan = _read_binaries(archive, members, Path(scratch))
        loader = loader_path(archive, members)
    binaries = scan.binaries
    problems += scan.unread + loader.unread
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
        found_problems += _format_problems(rules, scan.kinds)
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
        binaries = _read_binaries(archive, members, Path(scratch)).binaries
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
