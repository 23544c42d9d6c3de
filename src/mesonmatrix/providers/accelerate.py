"""A BLAS that ships with the operating system: Apple's Accelerate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..machine.commands import CommandRunner
from .base import BlasExpectation, Presence


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

    def shared_library_dirs(self, runner: CommandRunner, build_python: Path) -> tuple[Path, ...]:
        return ()  # a system framework: nothing to bundle

    def runtime_library_path(self) -> tuple[Path, ...]:
        return ()

    def presence(self) -> Presence:
        return Presence(found="from the OS")
