"""BLAS/LAPACK flavours from Debian's apt (netlib, OpenBLAS, BLIS), each pinned to its own directory."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from ..machine.apt import ensure_apt_packages, install_command
from ..machine.commands import CommandRunner
from .base import BlasExpectation, Presence


@dataclass(frozen=True, kw_only=True)
class DebianBLAS:
    """A BLAS/LAPACK from Debian's apt, pinned to its own directory.

    Debian routes libblas.so.3 and liblapack.so.3 through update-alternatives, so linking
    ``-lblas`` may load whichever implementation was installed last. The provider writes
    pkg-config files that point at the implementation's own directory (with an rpath),
    so the build links, and auditwheel grafts, exactly the flavour the cell claims.
    """

    name: str
    summary: str
    apt_packages: tuple[str, ...]
    blas_pc: str  # pkg-config name the provider writes for BLAS
    blas_dirs: tuple[str, ...]  # candidate directories under the multiarch libdir, first found wins
    blas_lib: str  # -l name
    lapack_dirs: tuple[str, ...]
    lapack_lib: str
    expectation: BlasExpectation
    platforms: tuple[str, ...] = ("linux-x86_64", "linux-aarch64")
    # Where Debian (multiarch) and other distributions keep shared libraries, searched in order.
    lib_roots: tuple[Path, ...] = (Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib/aarch64-linux-gnu"),
                                   Path("/usr/lib64"), Path("/usr/lib"))

    def build_requirements(self) -> tuple[str, ...]:
        return ()

    @property
    def lapack_is_blas(self) -> bool:
        return self.lapack_dirs == self.blas_dirs and self.lapack_lib == self.blas_lib

    def setup_args(self) -> tuple[str, ...]:
        lapack = self.blas_pc if self.lapack_is_blas else f"{self.blas_pc}-lapack"
        return (f"-Dblas={self.blas_pc}", f"-Dlapack={lapack}")

    def _find(self, libdir: Path, dirs: tuple[str, ...], lib: str) -> Path | None:
        return next((libdir / d for d in dirs if (libdir / d / f"lib{lib}.so").exists()), None)

    def library_dirs(self) -> tuple[Path, Path]:
        """The directories of the BLAS and the LAPACK library; FileNotFoundError if absent."""
        for libdir in self.lib_roots:
            blas, lapack = (
                self._find(libdir, self.blas_dirs, self.blas_lib),
                self._find(libdir, self.lapack_dirs, self.lapack_lib),
            )
            if blas and lapack:
                return blas, lapack
        raise FileNotFoundError(
            f"lib{self.blas_lib}.so in {'|'.join(self.blas_dirs)}, "
            f"lib{self.lapack_lib}.so in {'|'.join(self.lapack_dirs)}"
        )

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        return ()  # a Linux-only flavour: its libraries are found through runtime_library_path

    def runtime_library_path(self) -> tuple[Path, ...]:
        """Where the repair tool must look first. Debian's liblapack.so.3 needs libblas.so.3,
        which ld.so.cache would resolve through update-alternatives; this flavour's own
        directory comes first so the wheel grafts this flavour's libblas.so.3."""
        try:
            blas, lapack = self.library_dirs()
        except FileNotFoundError:
            return ()
        return (blas,) if blas == lapack else (blas, lapack)

    def ensure_installed(self, runner: CommandRunner) -> tuple[Path, Path]:
        def present() -> bool:
            try:
                self.library_dirs()
            except FileNotFoundError:
                return False
            return True

        ensure_apt_packages(runner, self.apt_packages, present, f"BLAS flavour {self.name!r}")
        return self.library_dirs()

    def presence(self) -> Presence:
        try:
            blas, lapack = self.library_dirs()
        except FileNotFoundError:
            return Presence(found=None, fix="sudo " + shlex.join(install_command(self.apt_packages)))
        return Presence(found=f"{blas}" + (f", {lapack}" if lapack != blas else ""))

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        blas_dir, lapack_dir = self.ensure_installed(runner)
        (pkg_config_dir / f"{self.blas_pc}.pc").write_text(_pc_text(self.name, blas_dir, self.blas_lib, lapack=None))
        if not self.lapack_is_blas:
            (pkg_config_dir / f"{self.blas_pc}-lapack.pc").write_text(
                _pc_text(f"{self.name} LAPACK", lapack_dir, self.lapack_lib, lapack=self.blas_pc)
            )


def _pc_text(description: str, libdir: Path, lib: str, *, lapack: str | None) -> str:
    requires = f"Requires: {lapack}\n" if lapack else ""
    return (
        f"libdir={libdir}\n\n"
        f"Name: {description}\n"
        f"Description: {description}, pinned to {libdir} by mesonmatrix\n"
        "Version: 0\n"
        f"{requires}"
        f"Libs: -L${{libdir}} -l{lib} -Wl,-rpath,${{libdir}}\n"
    )
