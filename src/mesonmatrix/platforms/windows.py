"""Windows: wheels repaired by delvewheel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .base import VenvScheme


@dataclass(frozen=True, kw_only=True)
class Windows:
    arch: str  # amd64
    runner_label: str
    manylinux: bool = False  # PEP 600's policies are Linux's
    runner_apt: bool = False  # GitHub's macOS and Windows images have no apt
    system_libraries: bool = False  # no distribution's pkg-config libraries to unvendor against
    default_repairer: str = "delvewheel"
    lock_marker: str = "sys_platform == 'win32'"
    # PE files have no rpath. NumPy's and SciPy's Windows wheel jobs both run
    # `delvewheel repair --add-path <scipy-openblas lib dir>` (tools/wheels/repair_windows.sh
    # in numpy 2.4.6 and scipy 1.17.1; SciPy asks scipy_openblas32.get_lib_dir()).
    repair_needs_library_dirs: bool = True

    @property
    def name(self) -> str:
        return f"windows-{self.arch}"

    def manylinux_tag(self, policy: str) -> str:
        raise ValueError(f"no manylinux policy applies to Windows wheels (manylinux {policy} asked for)")

    @property
    def cibuildwheel_platform(self) -> str:
        return "windows"

    @property
    def cibuildwheel_tag(self) -> str:
        # cibuildwheel's identifiers (its docs, "Build selection"): cp312-win_<arch>.
        return f"win_{self.arch}"

    @property
    def conda_subdir(self) -> str:
        # conda's subdir names (win-64 for amd64): conda's docs, "Managing platforms".
        return "win-64" if self.arch in ("x86_64", "amd64") else f"win-{self.arch}"

    def venv_python(self, venv: Path) -> Path:
        return venv / "Scripts" / "python.exe"

    def venv_bin(self, venv: Path) -> Path:
        return venv / "Scripts"

    def venv_scheme(self, venv: Path) -> VenvScheme | None:
        # Not run on Windows here, so not claimed: uv installs the wheels under test.
        return None

    def repair_env(self, lib_dirs: Sequence[Path]) -> dict[str, str]:
        return {}  # Windows has no rpath: delvewheel is told the DLL folders by --add-path
