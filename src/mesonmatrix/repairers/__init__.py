"""Repair tools: one module per tool, chosen in one place.

Each platform names its default tool (auditwheel on Linux, delocate on macOS,
delvewheel on Windows); repairwheel is the documented cross-platform alternative
(``--repair-tool repairwheel``). Adding a tool is one module and one entry here.
"""

from __future__ import annotations

from ..platforms import Platform
from .auditwheel import Auditwheel
from .base import Repairer
from .delocate import Delocate
from .delvewheel import Delvewheel
from .repairwheel import Repairwheel

__all__ = ["REPAIRERS", "Repairer", "repairer_for"]

REPAIRERS: dict[str, Repairer] = {r.tool: r for r in (Auditwheel(), Delocate(), Delvewheel(), Repairwheel())}


def repairer_for(platform: Platform, override: str | None = None) -> Repairer:
    return REPAIRERS[override or platform.default_repairer]
