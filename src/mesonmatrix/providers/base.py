"""What every BLAS/LAPACK provider offers the pipeline: the provider Protocol.

A provider says where its flavour comes from (PyPI into the build env, Debian's apt, the
OS), which meson options select it, which pkg-config files the build needs, and what
library the built extension must load at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..machine.commands import CommandRunner


@dataclass(frozen=True, kw_only=True)
class BlasExpectation:
    """What the installed extension must load: a name and an integer size."""

    names: tuple[str, ...]  # threadpoolctl internal_api values or library-path fragments
    int_size: int
    # A hybrid build (SciPy's ILP64: most extensions call the LP64 library, a few the ILP64
    # one): the integer size is proven by any extension that calls a library of that size,
    # not by the first that calls a BLAS.
    hybrid: bool = False


@dataclass(frozen=True, kw_only=True)
class Presence:
    """What ``doctor`` shows for a flavour: where it was found, or the command that fixes it."""

    found: str | None
    fix: str = ""


class BlasProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def platforms(self) -> tuple[str, ...]: ...

    @property
    def expectation(self) -> BlasExpectation: ...

    def build_requirements(self) -> tuple[str, ...]:
        """PyPI requirements installed into the build env."""
        ...

    def setup_args(self) -> tuple[str, ...]:
        """Meson ``-D`` options that select this flavour (each goes into -Csetup-args)."""
        ...

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        """Make the flavour visible to the build: write .pc files, install when missing."""
        ...

    def runtime_library_path(self) -> tuple[Path, ...]:
        """Directories the repair tool searches first for this flavour's libraries."""
        ...

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        """Where the build env keeps the flavour's shared libraries, for a platform whose
        binaries carry no rpath (Windows): its repair tool must be told."""
        ...

    def presence(self) -> Presence:
        """Whether this machine has the flavour before any cell provisions it (for ``doctor``)."""
        ...


def ilp64_args(int_size: int) -> tuple[str, ...]:
    return ("-Duse-ilp64=true",) if int_size == 64 else ()
