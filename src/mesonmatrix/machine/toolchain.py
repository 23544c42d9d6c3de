"""Toolchain minimums: the oldest compilers a target claims, what its meson.build
enforces, and what a build really used.

A maintainer raising a floor asks three things: does the declared floor still build and
pass; does meson.build reject anything older (so the claim is enforced); and when
proposing a new floor, does meson.build agree with it. The versions recorded are the
ones meson detected, not the ones asked for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from .commands import probe

# meson's compiler ids for the compiler names a user passes.
_ID_BY_NAME = (("clang", "clang"), ("gcc", "gcc"), ("g++", "gcc"), ("gfortran", "gcc"), ("icx", "intel-llvm"))


@dataclass(frozen=True, kw_only=True)
class Compilers:
    cc: str | None = None
    cxx: str | None = None
    fc: str | None = None

    def env(self) -> dict[str, str]:
        return {k: v for k, v in (("CC", self.cc), ("CXX", self.cxx), ("FC", self.fc)) if v}

    def commands(self) -> dict[str, str]:
        """Each compiler command and the Debian package that provides it."""
        return {c: debian_package(c) for c in (self.cc, self.cxx, self.fc) if c}


def debian_package(command: str) -> str:
    """``clang++-15`` comes with ``clang-15``; ``g++-11`` is its own package."""
    match = re.fullmatch(r"clang\+\+(-\d+)?", command)
    return f"clang{match.group(1) or ''}" if match else command


def compiler_id(command: str) -> str:
    name = Path(command).name
    for prefix, meson_id in _ID_BY_NAME:
        if name.startswith(prefix):
            return meson_id
    return name


def compiler_version(command: str) -> str | None:
    """The version a compiler reports (``-dumpfullversion`` for GCC, ``--version`` otherwise)."""
    for args in (["-dumpfullversion"], ["--version"]):
        out = probe([command, *args])
        if out is None:
            return None
        match = re.search(r"(\d+\.\d+(?:\.\d+)?)", out.stdout)
        if out.returncode == 0 and match:
            return match.group(1)
    return None


def enforced_minimums(meson_build: Path) -> dict[str, str]:
    """The C compiler floors a meson.build enforces: ``{"gcc": "9.1", "clang": "15.0"}``.

    Reads the usual pattern: ``if cc.get_id() == 'gcc'`` followed by
    ``cc.version().version_compare('>=9.1')``.
    """
    found: dict[str, str] = {}
    current: list[str] = []
    for line in meson_build.read_text(encoding="utf-8").splitlines():
        ids = re.findall(r"cc\.get_id\(\)\s*==\s*'([^']+)'", line)
        if ids and re.match(r"\s*(el)?if\b", line):
            current = ids
            continue
        compare = re.search(r"cc\.version\(\)\.version_compare\('>=\s*([\d.]+)'\)", line)
        if compare and current:
            for compiler in current:
                found.setdefault(compiler, compare.group(1))
        if re.match(r"endif\b", line):
            current = []
    return found


@dataclass(frozen=True, kw_only=True)
class FloorCheck:
    compiler: str  # meson id, e.g. "gcc"
    proposed: str  # the version of the compiler asked for
    enforced: str | None  # what meson.build enforces for that compiler, if anything

    @property
    def verdict(self) -> str:
        if self.enforced is None:
            return (
                f"meson.build enforces no minimum for {self.compiler}: {self.compiler} {self.proposed} is not checked"
            )
        try:
            proposed, enforced = Version(self.proposed), Version(self.enforced)
        except InvalidVersion:
            return f"cannot compare {self.proposed!r} with {self.enforced!r}"
        # GCC and Clang name their releases by major version: "the minimum is gcc 11"
        # means 11.x, and a check for >= 11.0 enforces exactly that.
        name = "GCC" if self.compiler == "gcc" else self.compiler
        if enforced.major == proposed.major:
            return f"agrees: meson.build enforces {name} >= {self.enforced}"
        if enforced.major < proposed.major:
            return f"disagrees: meson.build still accepts {name} {self.enforced}"
        return f"below the floor: meson.build requires {name} >= {self.enforced}, so {self.proposed} must be rejected"

    @property
    def agrees(self) -> bool:
        return self.verdict.startswith("agrees")


def check_floor(meson_build: Path, cc_command: str) -> FloorCheck | None:
    version = compiler_version(cc_command)
    if version is None:
        return None
    meson_id = compiler_id(cc_command)
    return FloorCheck(compiler=meson_id, proposed=version, enforced=enforced_minimums(meson_build).get(meson_id))


def compilers_used(build_dir: Path) -> dict[str, dict[str, str]]:
    """What meson actually detected: ``{"c": {"id": "gcc", "version": "11.3.0", "command": …}}``."""
    intro = build_dir / "meson-info" / "intro-compilers.json"
    try:
        host = json.loads(intro.read_text()).get("host", {})
    except (OSError, ValueError):
        return {}
    return {
        language: {
            "id": info.get("id", ""),
            "version": info.get("version", ""),
            "command": " ".join(info.get("exelist", [])),
        }
        for language, info in host.items()
        if language in ("c", "cpp", "fortran")
    }


def rejected_by_minimum(meson_error: str | None) -> bool:
    """Did configure stop on the target's own compiler check (not a crash elsewhere)?"""
    if not meson_error:
        return False
    return bool(re.search(r"(requires?|needs?|at least|minimum).*(gcc|clang|compiler|vc\d+|msvc)", meson_error, re.I))
