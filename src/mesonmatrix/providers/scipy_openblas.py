"""scipy-openblas32/64: OpenBLAS wheels from PyPI, as NumPy and SciPy ship them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..machine.commands import CommandRunner
from .base import BlasExpectation, Presence, ilp64_args


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
        return ("-Dblas=scipy-openblas", "-Dlapack=scipy-openblas", *ilp64_args(self.expectation.int_size))

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        pc_file = pkg_config_dir / "scipy-openblas.pc"
        if pc_file.is_file():
            return  # written from this env's package; the folder is emptied when the env changes
        code = (
            f"import {self.module}, pathlib, sys; pathlib.Path(sys.argv[1]).write_text({self.module}.get_pkg_config())"
        )
        runner.run([str(build_python), "-c", code, str(pc_file)], label=f"write {pc_file.name}")

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()  # the .pc file's rpath already points at the wheel's library

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        # The package knows where its DLL/so/dylib is (SciPy's repair_windows.sh asks the same).
        code = f"import {self.module}; print({self.module}.get_lib_dir())"
        out = runner.run([str(build_python), "-c", code], label=f"where {self.package} keeps its library", echo=False)
        return (Path(out.stdout.strip().splitlines()[-1]),)

    def presence(self) -> Presence:
        return Presence(found=f"from PyPI: {self.package}")
