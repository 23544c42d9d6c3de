"""No BLAS: the provider of a target that declares no BLAS option, or a matrix without a
``blas`` axis. It asks for nothing, passes nothing and expects nothing at run time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..machine.commands import CommandRunner
from .base import BlasExpectation, Presence


@dataclass(frozen=True, kw_only=True)
class NoBLAS:
    name: str = "none"
    summary: str = "no BLAS: the target declares no BLAS option"
    expectation: BlasExpectation = BlasExpectation(names=(), int_size=0)
    platforms: tuple[str, ...] = ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64", "windows-amd64")

    def build_requirements(self) -> tuple[str, ...]:
        return ()

    def setup_args(self) -> tuple[str, ...]:
        return ()

    def provision(self, runner: CommandRunner, *, build_python: Path, pkg_config_dir: Path) -> None:
        return None

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        return ()  # no BLAS at all

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()

    def presence(self) -> Presence:
        return Presence(found="nothing to provide")
