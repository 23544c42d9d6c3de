"""repairwheel: one front end over auditwheel, delocate and delvewheel that runs anywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..platforms import Platform


@dataclass(frozen=True, kw_only=True)
class Repairwheel:
    tool: str = "repairwheel"
    # Not proven: each cut wheel is repaired on its own.
    derives_cut_wheels: bool = False
    requirements: tuple[str, ...] = ("repairwheel",)

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform,
                       lib_dirs: Sequence[Path] = (), policy: str | None = None) -> list[str]:
        argv = ["repairwheel", "-o", str(out_dir)]
        for lib_dir in lib_dirs:
            argv += ["-l", str(lib_dir)]
        return [*argv, str(wheel)]

    def store_members_args(self, versions: Mapping[str, str]) -> list[str]:
        return []  # no such option: the tool deflates every member

    def show_command(self, wheel: Path) -> list[str]:
        return ["python", "-m", "zipfile", "-l", str(wheel)]

    def policy_tag(self, wheel: Path, show_output: str | None) -> str | None:
        return None

    def grafted_sources(self, output: str) -> tuple[Path, ...] | None:
        return None  # not read from its output yet: every repair runs
