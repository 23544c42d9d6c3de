"""The split cell's promise: runtime + tests wheels hold exactly the full wheel's files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .members import payload_files


@dataclass(frozen=True, kw_only=True)
class Partition:
    lost: tuple[str, ...]  # in the full wheel, in neither split wheel
    duplicated: tuple[str, ...]  # in both split wheels
    extra: tuple[str, ...]  # in a split wheel but not in the full one
    tests_files: int

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.extra) and self.tests_files > 0

    def describe(self) -> str:
        if self.ok:
            return "runtime + tests wheels hold exactly the full wheel's files"
        parts = []
        for label, items in (("lost", self.lost), ("in both", self.duplicated), ("not in full wheel", self.extra)):
            if items:
                parts.append(f"{label}: {', '.join(items[:5])}{' …' if len(items) > 5 else ''} ({len(items)})")
        if not self.tests_files:
            parts.append("the tests wheel is empty")
        return "split partition check failed: " + "; ".join(parts)


def check_partition(full: Path, runtime: Path, tests: Path) -> Partition:
    f, r, t = payload_files(full), payload_files(runtime), payload_files(tests)
    return Partition(
        lost=tuple(sorted(f - (r | t))),
        duplicated=tuple(sorted(r & t)),
        extra=tuple(sorted((r | t) - f)),
        tests_files=len(t),
    )
