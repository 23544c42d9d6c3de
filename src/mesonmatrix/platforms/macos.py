"""macOS: wheels repaired by delocate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .base import VenvScheme, posix_venv_bin, posix_venv_python, posix_venv_scheme


@dataclass(frozen=True, kw_only=True)
class MacOS:
    arch: str  # arm64, x86_64: what delocate's --require-archs takes
    runner_label: str
    manylinux: bool = False  # PEP 600's policies are Linux's
    runner_apt: bool = False  # GitHub's macOS and Windows images have no apt
    system_libraries: bool = False  # no distribution's pkg-config libraries to unvendor against
    default_repairer: str = "delocate"
    lock_marker: str = "sys_platform == 'darwin'"
    repair_needs_library_dirs: bool = False  # LC_RPATH from the .pc file's -L leads delocate to the library

    @property
    def name(self) -> str:
        return f"macos-{self.arch}"

    def manylinux_tag(self, policy: str) -> str:
        raise ValueError(f"no manylinux policy applies to macOS wheels (manylinux {policy} asked for)")

    @property
    def cibuildwheel_platform(self) -> str:
        return "macos"

    @property
    def cibuildwheel_tag(self) -> str:
        # cibuildwheel's identifiers (its docs, "Build selection"): cp312-macosx_<arch>.
        return f"macosx_{self.arch}"

    @property
    def conda_subdir(self) -> str:
        # conda's subdir names (osx-64 for x86_64, osx-arm64): conda's docs, "Managing platforms".
        return "osx-64" if self.arch in ("x86_64", "amd64") else f"osx-{self.arch}"

    def venv_python(self, venv: Path) -> Path:
        return posix_venv_python(venv)

    def venv_bin(self, venv: Path) -> Path:
        return posix_venv_bin(venv)

    def venv_scheme(self, venv: Path) -> VenvScheme | None:
        return posix_venv_scheme(venv)

    def repair_env(self, lib_dirs: Sequence[Path]) -> dict[str, str]:
        return {}  # the providers' libraries carry their install names; delocate follows them
