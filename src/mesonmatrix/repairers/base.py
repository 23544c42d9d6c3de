"""What every repair tool offers the repair stage: the Repairer Protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ..platforms import Platform


class Repairer(Protocol):
    @property
    def tool(self) -> str: ...

    @property
    def derives_cut_wheels(self) -> bool:
        """Whether runtime and tests wheels may be cut from the repaired full wheel (proven
        for auditwheel by tests/integration/test_derive.py; the others repair each)."""
        ...

    @property
    def requirements(self) -> tuple[str, ...]:
        """PyPI requirements installed into the build env."""
        ...

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform,
                       lib_dirs: Sequence[Path] = (), policy: str | None = None) -> list[str]:
        """The argv that writes the repaired ``wheel`` into ``out_dir``; ``policy`` (a
        manylinux version such as ``2_28``) is the platform policy it must meet, where the
        tool has one."""
        ...

    def store_members_args(self, versions: Mapping[str, str]) -> list[str]:
        """Arguments (added at the end of ``repair_command``) that make the tool write the
        repaired wheel's members stored, not deflated, for these versions of its packages:
        the stage then deflates only what the repair changed (``wheels/deflate.py``).
        Empty where the tool cannot."""
        ...

    def show_command(self, wheel: Path) -> list[str]:
        """The argv that shows what a repaired wheel still needs (``--verify-repair``)."""
        ...

    def policy_tag(self, wheel: Path, show_output: str | None) -> str | None:
        """The platform policy the repaired wheel meets, when the tool has one (manylinux);
        raises ValueError when the wheel does not meet it. ``show_output`` is the output
        of ``show_command`` when it ran."""
        ...

    def grafted_sources(self, output: str) -> tuple[Path, ...] | None:
        """The library files the repair copied into the wheel, read from its output; None
        when the tool does not say (its repairs are then never reused)."""
        ...
