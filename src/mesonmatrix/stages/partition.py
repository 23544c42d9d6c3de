"""The split cell's check: runtime + tests wheels hold exactly the full wheel's files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..machine.context import StageContext
from ..model import FULL, RUNTIME, Role
from ..record import PartitionRecord
from ..wheels.partition import check_partition


@dataclass(frozen=True, kw_only=True)
class SplitCheck:
    record: PartitionRecord
    failure: str | None  # the cell's error when the partition is not exact


def check_split(built: dict[Role, Path], shipped_tests: Path, ctx: StageContext) -> SplitCheck:
    """Compare the full wheel with the runtime wheel and the tests wheel as shipped."""
    partition = check_partition(built[FULL], built[RUNTIME], shipped_tests)
    ctx.say(f"    {partition.describe()}")
    record = PartitionRecord(ok=partition.ok, lost=list(partition.lost), duplicated=list(partition.duplicated),
                             extra=list(partition.extra), tests_files=partition.tests_files)
    return SplitCheck(record=record, failure=None if partition.ok else partition.describe())
