"""Linux: manylinux wheels repaired by auditwheel."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .base import VenvScheme, posix_venv_bin, posix_venv_python, posix_venv_scheme


@dataclass(frozen=True, kw_only=True)
class Linux:
    arch: str  # x86_64, aarch64
    runner_label: str
    manylinux: bool = True
    runner_apt: bool = True  # GitHub's Ubuntu images
    system_libraries: bool = True  # the distribution's libraries, found through pkg-config
    default_repairer: str = "auditwheel"
    lock_marker: str = "sys_platform == 'linux'"
    repair_needs_library_dirs: bool = False  # RUNPATH from the .pc file's -L leads auditwheel to the library

    @property
    def name(self) -> str:
        return f"linux-{self.arch}"

    @property
    def cibuildwheel_platform(self) -> str:
        return "linux"

    @property
    def cibuildwheel_tag(self) -> str:
        # cibuildwheel's identifiers (its docs, "Build selection"): cp312-manylinux_<arch>.
        return f"manylinux_{self.arch}"

    def manylinux_tag(self, policy: str) -> str:
        # PEP 600's tag: manylinux_${GLIBCMAJOR}_${GLIBCMINOR}_${ARCH}.
        return f"manylinux_{policy}_{self.arch}"

    @property
    def conda_subdir(self) -> str:
        # conda's subdir names (linux-64 for x86_64, linux-aarch64): conda's docs, "Managing platforms".
        return "linux-64" if self.arch in ("x86_64", "amd64") else f"linux-{self.arch}"

    def venv_python(self, venv: Path) -> Path:
        return posix_venv_python(venv)

    def venv_bin(self, venv: Path) -> Path:
        return posix_venv_bin(venv)

    def venv_scheme(self, venv: Path) -> VenvScheme | None:
        return posix_venv_scheme(venv)

    def repair_env(self, lib_dirs: Sequence[Path]) -> dict[str, str]:
        """auditwheel resolves a library as the dynamic linker would; ld.so.cache would
        pick whatever Debian's update-alternatives points at, so the flavour's own
        directories go first on LD_LIBRARY_PATH."""
        if not lib_dirs:
            return {}
        search = [*map(str, lib_dirs), os.environ.get("LD_LIBRARY_PATH", "")]
        return {"LD_LIBRARY_PATH": os.pathsep.join(p for p in search if p)}
