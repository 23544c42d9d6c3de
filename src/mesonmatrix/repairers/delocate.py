"""delocate: macOS's repair tool. Copies dylibs into ``<package>/.dylibs``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..platforms import Platform


@dataclass(frozen=True, kw_only=True)
class Delocate:
    tool: str = "delocate"
    requirements: tuple[str, ...] = ("delocate",)

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform,
                       lib_dirs: Sequence[Path] = ()) -> list[str]:
        # --require-archs: a wheel for one architecture must not bundle a dylib lacking it.
        return ["delocate-wheel", "--require-archs", platform.arch, "-w", str(out_dir), "-v", str(wheel)]

    def show_command(self, wheel: Path) -> list[str]:
        return ["delocate-listdeps", "--all", str(wheel)]

    def policy_tag(self, wheel: Path, show_output: str | None) -> str | None:
        return None

    def grafted_sources(self, output: str) -> tuple[Path, ...] | None:
        return None  # not read from its output yet: every repair runs
