"""BLAS/LAPACK providers: one small provider per flavour.

A provider says where its flavour comes from (PyPI into the build env, Debian's apt, the
OS), which meson options select it, which pkg-config files the build needs, and what
library the built extension must load at run time. Adding a flavour is adding one entry
to ``PROVIDERS`` and one value in a matrix file.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .commands import CommandRunner, PrerequisiteMissing


@dataclass(frozen=True, kw_only=True)
class BlasExpectation:
    """What the installed extension must load: a name and an integer size."""

    names: tuple[str, ...]  # threadpoolctl internal_api values or library-path fragments
    int_size: int


class BlasProvider(Protocol):
    name: str
    summary: str
    platforms: tuple[str, ...]
    expectation: BlasExpectation

    def build_requirements(self) -> tuple[str, ...]:
        """PyPI requirements installed into the build env."""
        ...

    def setup_args(self) -> tuple[str, ...]:
        """Meson ``-D`` options that select this flavour (each goes into -Csetup-args)."""
        ...

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        """Make the flavour visible to the build: write .pc files, install when missing."""
        ...


def _ilp64_args(int_size: int) -> tuple[str, ...]:
    return ("-Duse-ilp64=true",) if int_size == 64 else ()


@dataclass(frozen=True, kw_only=True)
class ScipyOpenBLAS:
    """scipy-openblas32/64 wheels from PyPI: ``scipy_``-prefixed symbols, own .pc file."""

    name: str
    summary: str
    package: str  # PyPI distribution, e.g. scipy-openblas32
    module: str  # its import name, which can write the pkg-config file
    expectation: BlasExpectation
    platforms: tuple[str, ...] = ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64", "windows-amd64")

    def build_requirements(self) -> tuple[str, ...]:
        return (self.package,)

    def setup_args(self) -> tuple[str, ...]:
        return ("-Dblas=scipy-openblas", "-Dlapack=scipy-openblas", *_ilp64_args(self.expectation.int_size))

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        pc_file = pkg_config_dir / "scipy-openblas.pc"
        code = f"import {self.module}, pathlib, sys; pathlib.Path(sys.argv[1]).write_text({self.module}.get_pkg_config())"
        runner.run([str(build_python), "-c", code, str(pc_file)], label=f"write {pc_file.name}")


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
    blas_dir: str  # directory under the multiarch libdir holding the library
    blas_lib: str  # -l name
    lapack_dir: str
    lapack_lib: str
    expectation: BlasExpectation
    platforms: tuple[str, ...] = ("linux-x86_64", "linux-aarch64")

    def build_requirements(self) -> tuple[str, ...]:
        return ()

    def setup_args(self) -> tuple[str, ...]:
        lapack = self.blas_pc if self.lapack_dir == self.blas_dir and self.lapack_lib == self.blas_lib else f"{self.blas_pc}-lapack"
        return (f"-Dblas={self.blas_pc}", f"-Dlapack={lapack}")

    def library_files(self) -> tuple[str, ...]:
        """The files, relative to the multiarch libdir, that show the flavour is installed."""
        return (f"{self.blas_dir}/lib{self.blas_lib}.so", f"{self.lapack_dir}/lib{self.lapack_lib}.so")

    def multiarch_libdir(self) -> Path:
        for candidate in (Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib/aarch64-linux-gnu"), Path("/usr/lib64"), Path("/usr/lib")):
            if all((candidate / f).exists() for f in self.library_files()):
                return candidate
        raise FileNotFoundError(", ".join(self.library_files()))

    def install_command(self) -> list[str]:
        return ["apt-get", "install", "-y", "--no-install-recommends", *self.apt_packages]

    def ensure_installed(self, runner: CommandRunner) -> Path:
        try:
            return self.multiarch_libdir()
        except FileNotFoundError:
            pass
        command = " ".join(self.install_command())
        if os.name != "posix" or os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise PrerequisiteMissing(f"BLAS flavour {self.name!r} needs Debian packages {', '.join(self.apt_packages)}; run: sudo apt-get update && sudo {command}")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        runner.run(["apt-get", "update", "-q"], label="apt-get update", extra_env=env)
        runner.run(self.install_command(), label=f"install {self.name} from apt", extra_env=env)
        try:
            return self.multiarch_libdir()
        except FileNotFoundError:
            raise PrerequisiteMissing(f"{command} ran but {', '.join(self.library_files())} are still missing") from None

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        libdir = self.ensure_installed(runner)
        blas_dir = libdir / self.blas_dir
        lapack_dir = libdir / self.lapack_dir
        (pkg_config_dir / f"{self.blas_pc}.pc").write_text(_pc_text(self.name, blas_dir, self.blas_lib, lapack=None))
        if self.setup_args()[1] != f"-Dlapack={self.blas_pc}":
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


@dataclass(frozen=True, kw_only=True)
class OSFramework:
    """A BLAS that ships with the operating system (Apple Accelerate)."""

    name: str
    summary: str
    meson_name: str
    expectation: BlasExpectation
    platforms: tuple[str, ...]

    def build_requirements(self) -> tuple[str, ...]:
        return ()

    def setup_args(self) -> tuple[str, ...]:
        return (f"-Dblas={self.meson_name}", f"-Dlapack={self.meson_name}")

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        return None


PROVIDERS: dict[str, BlasProvider] = {
    p.name: p
    for p in (
        ScipyOpenBLAS(
            name="openblas",
            summary="scipy-openblas32 from PyPI (LP64, scipy_ symbol prefix)",
            package="scipy-openblas32",
            module="scipy_openblas32",
            expectation=BlasExpectation(names=("openblas",), int_size=32),
        ),
        ScipyOpenBLAS(
            name="openblas64",
            summary="scipy-openblas64 from PyPI (ILP64, scipy_ prefix, 64_ suffix)",
            package="scipy-openblas64",
            module="scipy_openblas64",
            expectation=BlasExpectation(names=("openblas",), int_size=64),
        ),
        DebianBLAS(
            name="netlib",
            summary="reference BLAS/LAPACK from Debian (libblas-dev, liblapack-dev)",
            apt_packages=("libblas-dev", "liblapack-dev"),
            blas_pc="netlib-blas",
            blas_dir="blas",
            blas_lib="blas",
            lapack_dir="lapack",
            lapack_lib="lapack",
            expectation=BlasExpectation(names=("netlib", "/blas/libblas"), int_size=32),
        ),
        OSFramework(
            name="accelerate",
            summary="Apple Accelerate (macOS only)",
            meson_name="accelerate",
            expectation=BlasExpectation(names=("accelerate",), int_size=32),
            platforms=("macos-arm64", "macos-x86_64"),
        ),
    )
}
