"""delocate: macOS's repair tool. Copies dylibs into ``<package>/.dylibs``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..platforms import Platform


@dataclass(frozen=True, kw_only=True)
class Delocate:
    tool: str = "delocate"
    # Not proven without a Mac: each cut wheel is repaired on its own.
    derives_cut_wheels: bool = False
    requirements: tuple[str, ...] = ("delocate",)

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform,
                       lib_dirs: Sequence[Path] = (), policy: str | None = None) -> list[str]:
        # cibuildwheel's default macOS repair command, which NumPy 2.4.6 and SciPy 1.17.1 keep
        # (neither pyproject.toml overrides macos repair-wheel-command): --require-archs
        # refuses to bundle a dylib lacking the wheel's architecture. No DYLD_LIBRARY_PATH:
        # scipy-openblas's .pc file gives -L, and meson keeps it as the extension's LC_RPATH.
        return ["delocate-wheel", "--require-archs", platform.arch, "-w", str(out_dir), "-v", str(wheel)]

    def store_members_args(self, versions: Mapping[str, str]) -> list[str]:
        return []  # no such option: the tool deflates every member

    def show_command(self, wheel: Path) -> list[str]:
        return ["delocate-listdeps", "--all", str(wheel)]

    def policy_tag(self, wheel: Path, show_output: str | None) -> str | None:
        return None

    def grafted_sources(self, output: str) -> tuple[Path, ...] | None:
        return None  # not read from its output yet: every repair runs
