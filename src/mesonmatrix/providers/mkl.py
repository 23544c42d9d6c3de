"""Intel oneMKL from PyPI, linked statically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import PrerequisiteMissing
from ..machine.commands import CommandRunner
from .base import BlasExpectation, Presence, ilp64_args


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
                *ilp64_args(self.expectation.int_size))

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

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        return ()  # linked statically on every platform: no MKL DLL for delvewheel to find

    def presence(self) -> Presence:
        return Presence(found="from PyPI: " + ", ".join(self.build_requirements()))
