"""The split cell's check: runtime + tests wheels hold exactly the full wheel's files."""

from __future__ import annotations

from dataclasses import dataclass

from ..machine.context import StageContext
from ..model import FULL, RUNTIME, TESTS
from ..plan import CellPlan
from ..record import PartitionRecord
from ..wheels.split import check_partition
from . import StageResults


@dataclass(frozen=True, kw_only=True)
class SplitCheck:
    record: PartitionRecord
    failure: str | None  # the cell's error when the partition is not exact


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> SplitCheck:
    """Compare the full wheel with the runtime wheel and the tests wheel as shipped."""
    build = earlier.built()
    partition = check_partition(build.wheels[FULL], build.wheels[RUNTIME], build.shipped.paths[TESTS])
    ctx.say(f"    {partition.describe()}")
    record = PartitionRecord(ok=partition.ok, lost=list(partition.lost), duplicated=list(partition.duplicated),
                             extra=list(partition.extra), tests_files=partition.tests_files)
    return SplitCheck(record=record, failure=None if partition.ok else partition.describe())
