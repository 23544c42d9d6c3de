"""The matrix model: typed, frozen values that the rest of the tool passes around."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, get_args

from .errors import SystemLibrariesError

AXES = ("python", "blas", "platform", "system_libraries", "install_tags", "package", "deps")

# The closed sets of names a cell, its plan and its record use, each declared once as a
# type (mypy then finds every place a new value must be handled) with its values as
# constants; every other module names a value through its constant.

# What a cell is: a plain build, the oldest declared compilers and lowest build deps
# (toolchain-min), or build requirements without upper bounds (loosened).
CellKind = Literal["build", "toolchain-min", "loosened"]
BUILD: Final = "build"
TOOLCHAIN_MIN: Final = "toolchain-min"
LOOSENED: Final = "loosened"

# What a cell ships: the repaired wheel, or (a distro packager's cells) the built wheel
# staged and repackaged as a .deb, a .rpm or a .conda.
PackageFormat = Literal["wheel", "deb", "rpm", "conda"]
WHEEL: Final = "wheel"
DEB: Final = "deb"
RPM: Final = "rpm"
CONDA: Final = "conda"
# The formats whose package is unpacked here and tested from that root.
UNPACKED_AND_TESTED: tuple[PackageFormat, ...] = (DEB, RPM)
PACKAGE_FORMATS: tuple[PackageFormat, ...] = get_args(PackageFormat)

# Where a cell's build and test requirements come from: its lock files (``locked``, the
# default); resolved afresh from the index within the project's bounds (``latest``), with
# pre-releases too (``pre``); or, for the test env, the lowest versions of the wheel's own
# runtime requirements that install from binaries (``oldest``, built as ``locked``).
DepsChannel = Literal["locked", "latest", "pre", "oldest"]
LOCKED: Final = "locked"
LATEST: Final = "latest"
PRE: Final = "pre"
OLDEST: Final = "oldest"
DEPS_CHANNELS: tuple[DepsChannel, ...] = get_args(DepsChannel)
# The channels whose build env is resolved at run time, not installed from its lock.
RESOLVED_BUILD: tuple[DepsChannel, ...] = (LATEST, PRE)

# meson install tags per install-tag set; "split" builds two wheels from one build dir.
InstallTagSet = Literal["full", "runtime", "split"]
# The wheels a cell builds ("roles"): the full wheel, the runtime wheel, the tests wheel.
Role = Literal["full", "runtime", "tests"]
FULL: Final = "full"
RUNTIME: Final = "runtime"
TESTS: Final = "tests"
SPLIT: Final = "split"
INSTALL_TAG_SETS: tuple[InstallTagSet, ...] = get_args(InstallTagSet)
RUNTIME_TAGS = ("runtime", "python-runtime", "devel")
TESTS_TAGS = ("tests",)
# The wheels ("roles") each install-tag set ships, and the meson install tags of each.
ROLES_BY_TAG_SET: dict[InstallTagSet, tuple[Role, ...]] = {
    FULL: (FULL,),
    RUNTIME: (RUNTIME,),
    SPLIT: (RUNTIME, TESTS),
}
INSTALL_TAGS_BY_ROLE: dict[Role, tuple[str, ...]] = {
    FULL: (),
    RUNTIME: RUNTIME_TAGS,
    TESTS: TESTS_TAGS,
}

# How runtime and tests wheels are made: cut from the full wheel by meson's install plan
# (one configure and compile for every tag set), or one meson-python --tags build each
# (meson-python reconfigures every time; see wheels/tagsets.py for why the first is the default).
TagWheelMethod = Literal["install-plan", "meson-python"]
INSTALL_PLAN: Final = "install-plan"
MESON_PYTHON: Final = "meson-python"
TAG_WHEEL_METHODS: tuple[TagWheelMethod, ...] = get_args(TagWheelMethod)

# How a cell ended.
Status = Literal["passed", "failed", "skipped"]
PASSED: Final = "passed"
FAILED: Final = "failed"
SKIPPED: Final = "skipped"
# How ``nox -s verify`` judged a wheel: "incomplete" when it found no fault but could not
# read all it checks (a member above the size it reads), so the wheel is not known to pass.
VerifyStatus = Literal["passed", "failed", "incomplete"]
INCOMPLETE: Final = "incomplete"

# How the installed wheels are tested: the installed suite with ``pytest --pyargs``, the
# project's test folder run from a copy, its cibuildwheel test commands, or an import.
TestMode = Literal["pytest", "pytest-dir", "commands", "smoke"]

SYSTEM_LIBRARY_MODES = ("none", "all", "auto")
# Names that become session names or path components must stay shell- and path-safe.
# Every validating pattern is used with fullmatch: with match, a final `$` also accepts
# the value followed by a newline ("blasdemo\n" passed as an import name).
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
COMPONENT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
# "3.12", or "3.13t" for a free-threaded CPython; or "distro", the distribution's own
# /usr/bin/python3 whatever its version (the Python a distro's own packages are built for).
DISTRO_PYTHON: Final = "distro"
PYTHON_VERSION = re.compile(r"3\.[0-9]{1,2}t?|distro")


def system_libraries_slug(value: str) -> str:
    """A system-library value as one shell word and path component: commas become ``+``."""
    return value.replace(",", "+")


@dataclass(frozen=True, kw_only=True)
class SystemLibraries:
    """A parsed ``use-system-libraries`` value with SciPy's semantics.

    ``mode`` applies to every component not named: "none" (vendored), "all" (system,
    required) or "auto" (system when found). ``required`` lists components that must come
    from the system whatever the mode.
    """

    mode: str
    required: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str) -> SystemLibraries:
        tokens = [t.strip() for t in value.split(",")]
        if not value or any(not t for t in tokens):
            raise SystemLibrariesError(f"empty entry in {value!r}")
        modes = [t for t in tokens if t in SYSTEM_LIBRARY_MODES]
        names = [t for t in tokens if t not in SYSTEM_LIBRARY_MODES]
        if len(set(modes)) > 1:
            raise SystemLibrariesError(f"{value!r} combines {' and '.join(sorted(set(modes)))}")
        if "none" in modes and names:
            raise SystemLibrariesError(f"{value!r}: 'none' cannot be combined with names")
        for name in names:
            if not COMPONENT_NAME.fullmatch(name):
                raise SystemLibrariesError(f"{name!r} is not a component name")
        if len(set(names)) != len(names):
            raise SystemLibrariesError(f"{value!r} names a component twice")
        mode = modes[0] if modes else "none"
        return cls(mode=mode, required=tuple(names))

    @property
    def meson_value(self) -> str:
        """The value for ``-Duse-system-libraries=``: names first, then a non-default mode."""
        parts = list(self.required)
        if self.mode != "none" or not parts:
            parts.append(self.mode)
        return ",".join(parts)

    def unsupported(self, supported: tuple[str, ...]) -> list[str]:
        return [name for name in self.required if name not in supported]


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One point of the matrix: everything that decides what is built and how it is tested."""

    python: str
    blas: str
    platform: str
    system_libraries: str
    install_tags: InstallTagSet
    session_name: str
    matrix_file: Path
    target: str
    tags: tuple[str, ...] = ()
    kind: CellKind = BUILD
    package: PackageFormat = WHEEL
    deps: DepsChannel = LOCKED
    # The settings its matrix file gives (config/keys.py SETTINGS, by key name): the time
    # limits and the manylinux policy, merged with the preset's and the command line's.
    settings: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def system_libraries_spec(self) -> SystemLibraries:
        return SystemLibraries.parse(self.system_libraries)

    @property
    def blas_words(self) -> str:
        """``BLAS openblas``; ``no BLAS`` for a project without a BLAS option (not "BLAS none")."""
        return "no BLAS" if self.blas == "none" else f"BLAS {self.blas}"

    def describe(self) -> str:
        """The cell in one line: the header of its output, and the report's."""
        if self.kind == LOOSENED:
            return (f"build requirements without upper bounds (numpy's kept), newest versions, Python {self.python}, "
                    f"{self.blas_words}, {self.platform} (-- --keep-bound NAME keeps one)")
        if self.kind == TOOLCHAIN_MIN:
            return (f"oldest declared compilers and lowest build dependencies, Python {self.python}, "
                    f"{self.blas_words}, {self.platform} (-- --cc/--cxx/--fc to propose a new minimum)")
        tags = {
            FULL: "full wheel",
            RUNTIME: "runtime-only wheel",
            SPLIT: "runtime + tests wheels",
        }[self.install_tags]
        if self.package != WHEEL:
            tags = f"built wheel repackaged as .{self.package}"
        channel = {LOCKED: "", LATEST: ", newest dependencies", PRE: ", newest dependencies with pre-releases",
                   OLDEST: ", tested with the oldest runtime dependencies"}[self.deps]
        return (
            f"{tags}, Python {self.python}, {self.blas_words}, {self.platform}, "
            f"use-system-libraries={self.system_libraries}{channel}"
        )


@dataclass(frozen=True, kw_only=True)
class Matrix:
    cells: tuple[Cell, ...]
    files: tuple[Path, ...] = field(default_factory=tuple)

    def by_session(self) -> dict[str, Cell]:
        return {cell.session_name: cell for cell in self.cells}

    def covering_cell(self, cell: Cell) -> Cell:
        """For a target without BLAS: the first cell that differs from ``cell`` at most in
        its BLAS flavour. It builds and tests what every such sibling would."""
        def others(c: Cell) -> tuple[object, ...]:
            return (c.python, c.platform, c.system_libraries, c.install_tags, c.package, c.deps, c.kind,
                    c.matrix_file, c.target)

        return next((c for c in self.cells if others(c) == others(cell)), cell)
