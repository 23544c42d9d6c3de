"""The previous run's ``summary.json`` (an input path, e.g. last night's downloaded
artifact): which cells and tests changed status since then."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..record import ResultRecord


@dataclass(frozen=True, kw_only=True)
class Previous:
    statuses: dict[str, str] = field(default_factory=dict)  # session -> status
    failing: dict[str, set[str]] = field(default_factory=dict)  # session -> tests that failed or errored


@dataclass(frozen=True, kw_only=True)
class CellChange:
    session: str
    before: str | None  # None: the cell is new
    after: str

    def describe(self) -> str:
        if self.before is None:
            return f"{self.session}: new cell, {self.after}"
        return f"{self.session}: {self.before} → {self.after}"


def load_previous(path: Path) -> Previous:
    """Raises ValueError (with the path) when the file is not a summary this tool wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        statuses = {str(c["session"]): str(c["status"]) for c in data["cells"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a summary.json from `nox -s report`: {exc}") from None
    failing = {str(k): set(map(str, v)) for k, v in (data.get("failing_tests") or {}).items()}
    return Previous(statuses=statuses, failing=failing)


def cell_changes(records: list[ResultRecord], previous: Previous) -> list[CellChange]:
    """Cells whose status differs from the previous run's (new failures first)."""
    changes = [CellChange(session=r.session, before=previous.statuses.get(r.session), after=r.status)
               for r in records if previous.statuses.get(r.session) != r.status]
    return sorted(changes, key=lambda c: (c.after != "failed", c.before is None, c.session))
