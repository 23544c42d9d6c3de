"""scipy-openblas32/64: OpenBLAS wheels from PyPI, as NumPy and SciPy ship them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..machine.commands import CommandRunner
from .base import BlasExpectation, Presence, ilp64_args

# The pkg-config module every target finds a scipy-openblas build by, unless its preset
# says otherwise (``blas_pkgconfig``): NumPy and the demo ask for ``scipy-openblas`` in
# LP64 and ILP64 builds alike (NumPy 2.4's openblas64 cell builds and passes here with the
# ILP64 library's file under that name).
DEFAULT_PC_MODULE = "scipy-openblas"


@dataclass(frozen=True, kw_only=True)
class ScipyOpenBLAS:
    """scipy-openblas32/64 wheels from PyPI: ``scipy_``-prefixed symbols, own .pc file."""

    name: str
    summary: str
    package: str  # PyPI distribution, e.g. scipy-openblas32 (its module writes the .pc file)
    expectation: BlasExpectation
    platforms: tuple[str, ...] = ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64", "windows-amd64")
    # (pkg-config module, the scipy-openblas package whose get_pkg_config() writes it),
    # where a target wants other names than one DEFAULT_PC_MODULE from ``package``: SciPy's
    # ILP64 build finds its LP64 library as scipy-openblas (scipy-openblas32) and its ILP64
    # one as scipy-openblas64 (scipy/meson.build:274 and :403 in SciPy 1.17.1).
    pc_files: tuple[tuple[str, str], ...] = ()

    def pkg_config_files(self) -> tuple[tuple[str, str], ...]:
        return self.pc_files or ((DEFAULT_PC_MODULE, self.package),)

    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(package for _, package in self.pkg_config_files()))

    def build_requirements(self) -> tuple[str, ...]:
        return self.packages()

    def setup_args(self) -> tuple[str, ...]:
        return ("-Dblas=scipy-openblas", "-Dlapack=scipy-openblas", *ilp64_args(self.expectation.int_size))

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        for pc_module, package in self.pkg_config_files():
            pc_file = pkg_config_dir / f"{pc_module}.pc"
            if pc_file.is_file():
                continue  # written from this env's package; the folder is emptied when the env changes
            module = import_name(package)
            code = f"import {module}, pathlib, sys; pathlib.Path(sys.argv[1]).write_text({module}.get_pkg_config())"
            runner.run([str(build_python), "-c", code, str(pc_file)], label=f"write {pc_file.name} ({package})")

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()  # the .pc file's rpath already points at the wheel's library

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        # Each package knows where its DLL/so/dylib is (SciPy's repair_windows.sh asks the same).
        modules = [import_name(package) for package in self.packages()]
        code = f"import {', '.join(modules)}; " + "; ".join(f"print({m}.get_lib_dir())" for m in modules)
        out = runner.run([str(build_python), "-c", code], label=f"where {', '.join(self.packages())} keep their "
                         "libraries", echo=False)
        return tuple(Path(line) for line in out.stdout.strip().splitlines()[-len(modules):])

    def presence(self) -> Presence:
        return Presence(found=f"from PyPI: {self.package}")


def import_name(package: str) -> str:
    """scipy-openblas32 -> scipy_openblas32: the module each package installs."""
    return package.replace("-", "_")
