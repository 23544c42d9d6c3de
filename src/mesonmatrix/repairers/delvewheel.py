"""delvewheel: Windows's repair tool. Copies DLLs into ``<name>.libs/`` and patches imports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..platforms import Platform


@dataclass(frozen=True, kw_only=True)
class Delvewheel:
    tool: str = "delvewheel"
    # Not proven without Windows (it also patches the package's __init__.py): each is repaired.
    derives_cut_wheels: bool = False
    requirements: tuple[str, ...] = ("delvewheel",)

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform,
                       lib_dirs: Sequence[Path] = (), policy: str | None = None) -> list[str]:
        argv = ["delvewheel", "repair", "-w", str(out_dir)]
        if lib_dirs:
            # Windows has no rpath: delvewheel must be told where BLAS DLLs live, as
            # NumPy 2.4.6 and SciPy 1.17.1 do (tools/wheels/repair_windows.sh:
            # `delvewheel repair --add-path <scipy-openblas lib dir> -w DEST WHEEL`).
            # The MSVC C++ runtime (msvcp140.dll) is bundled by delvewheel's defaults,
            # name-mangled; vcruntime140.dll is left to Python, which ships it (verify
            # found exactly that in NumPy's official win_amd64 wheel).
            argv += ["--add-path", ";".join(str(d) for d in lib_dirs)]
        return [*argv, str(wheel)]

    def store_members_args(self, versions: Mapping[str, str]) -> list[str]:
        return []  # no such option: the tool deflates every member

    def show_command(self, wheel: Path) -> list[str]:
        return ["delvewheel", "show", str(wheel)]

    def policy_tag(self, wheel: Path, show_output: str | None) -> str | None:
        return None

    def grafted_sources(self, output: str) -> tuple[Path, ...] | None:
        return None  # not read from its output yet: every repair runs
