"""BLAS/LAPACK providers: one small provider per flavour.

A provider says where its flavour comes from (PyPI into the build env, Debian's apt, the
OS), which meson options select it, which pkg-config files the build needs, and what
library the built extension must load at run time. Adding a flavour is adding one entry
to ``PROVIDERS`` and one value in a matrix file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .aptget import ensure_apt_packages
from .commands import CommandRunner, PrerequisiteMissing


@dataclass(frozen=True, kw_only=True)
class BlasExpectation:
    """What the installed extension must load: a name and an integer size."""

    names: tuple[str, ...]  # threadpoolctl internal_api values or library-path fragments
    int_size: int


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
        if pc_file.is_file():
            return  # written from this env's package; the folder is emptied when the env changes
        code = f"import {self.module}, pathlib, sys; pathlib.Path(sys.argv[1]).write_text({self.module}.get_pkg_config())"
        runner.run([str(build_python), "-c", code, str(pc_file)], label=f"write {pc_file.name}")

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()  # the .pc file's rpath already points at the wheel's library


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
        for libdir in (Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib/aarch64-linux-gnu"), Path("/usr/lib64"), Path("/usr/lib")):
            blas, lapack = self._find(libdir, self.blas_dirs, self.blas_lib), self._find(libdir, self.lapack_dirs, self.lapack_lib)
            if blas and lapack:
                return blas, lapack
        raise FileNotFoundError(f"lib{self.blas_lib}.so in {'|'.join(self.blas_dirs)}, lib{self.lapack_lib}.so in {'|'.join(self.lapack_dirs)}")

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


@dataclass(frozen=True, kw_only=True)
class PyPIMKL:
    """Intel oneMKL from PyPI (mkl-devel + mkl-static), linked statically.

    The dynamic libmkl_core dlopens its CPU-specific kernels by soname at run time, which
    a repaired wheel cannot satisfy; the static libraries carry every kernel, so the
    wheel needs nothing from outside. The threading layer is chosen explicitly through
    the pkg-config name: ``sequential``, so the wheel brings no OpenMP runtime.
    """

    name: str
    summary: str
    pkg_config_name: str  # e.g. mkl-static-lp64-seq
    expectation: BlasExpectation
    platforms: tuple[str, ...] = ("linux-x86_64", "windows-amd64")

    def build_requirements(self) -> tuple[str, ...]:
        return ("mkl-devel", "mkl-static")

    def setup_args(self) -> tuple[str, ...]:
        return (f"-Dblas={self.pkg_config_name}", f"-Dlapack={self.pkg_config_name}",
                *_ilp64_args(self.expectation.int_size))

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        # mkl-devel installs its .pc files (prefix=${pcfiledir}/../..) into <env>/lib/pkgconfig.
        env_root = build_python.parent.parent
        source = env_root / "lib" / "pkgconfig" / f"{self.pkg_config_name}.pc"
        if not source.is_file():
            raise PrerequisiteMissing(f"mkl-devel did not install {source}")
        text = source.read_text().replace("${pcfiledir}/../..", str(env_root))
        (pkg_config_dir / source.name).write_text(text)

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()


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

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()


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
            blas_dirs=("blas",),
            blas_lib="blas",
            lapack_dirs=("lapack",),
            lapack_lib="lapack",
            expectation=BlasExpectation(names=("netlib",), int_size=32),
        ),
        DebianBLAS(
            name="system-openblas",
            summary="OpenBLAS from Debian (libopenblas-dev), BLAS and LAPACK in one library",
            apt_packages=("libopenblas-dev",),
            blas_pc="system-openblas",
            blas_dirs=("openblas-pthread", "openblas-openmp", "openblas-serial"),
            blas_lib="openblas",
            lapack_dirs=("openblas-pthread", "openblas-openmp", "openblas-serial"),
            lapack_lib="openblas",
            expectation=BlasExpectation(names=("openblas",), int_size=32),
        ),
        DebianBLAS(
            name="blis",
            summary="BLIS from Debian (libblis-dev), LAPACK from netlib (liblapack-dev)",
            apt_packages=("libblis-dev", "liblapack-dev"),
            blas_pc="blis-blas",
            blas_dirs=("blis-openmp", "blis-pthread", "blis-serial"),
            blas_lib="blis",
            lapack_dirs=("lapack",),
            lapack_lib="lapack",
            expectation=BlasExpectation(names=("blis",), int_size=32),
        ),
        PyPIMKL(
            name="mkl",
            summary="Intel oneMKL from PyPI (mkl-devel, mkl-static), static, sequential threading",
            pkg_config_name="mkl-static-lp64-seq",
            expectation=BlasExpectation(names=("mkl",), int_size=32),
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
