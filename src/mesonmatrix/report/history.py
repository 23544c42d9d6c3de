"""The previous run's ``summary.json`` (an input path, e.g. last night's downloaded
artifact): which cells and tests changed status since then."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReportError
from ..model import FAILED
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
    """Raises ReportError (with the path) when the file is not a summary this tool wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ReportError(f"{path} is not a summary.json from `nox -s report`: nested too deeply to read") from None
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path} is not a summary.json from `nox -s report`: {exc}") from None
    problem = _shape_problem(data)
    if problem:
        raise ReportError(f"{path} is not a summary.json from `nox -s report`: {problem}")
    statuses = {c["session"]: c["status"] for c in data["cells"]}
    failing = {k: set(v) for k, v in (data.get("failing_tests") or {}).items()}
    return Previous(statuses=statuses, failing=failing)


def _shape_problem(data: object) -> str | None:
    """What keeps ``data`` from being a summary: ``cells`` a list of objects with string
    ``session`` and ``status``, ``failing_tests`` (optional) an object of string lists."""
    if not isinstance(data, dict):
        return f"expected a JSON object, found {type(data).__name__}"
    cells = data.get("cells")
    if not isinstance(cells, list):
        return "'cells' is not a list"
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("session"), str) \
                or not isinstance(cell.get("status"), str):
            return f"cells[{index}] is not an object with string 'session' and 'status'"
    failing = data.get("failing_tests") or {}
    if not isinstance(failing, dict):
        return "'failing_tests' is not an object of session -> test names"
    for session, tests in failing.items():
        if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
            return f"failing_tests[{session!r}] is not a list of test names"
    return None


def cell_changes(records: list[ResultRecord], previous: Previous) -> list[CellChange]:
    """Cells whose status differs from the previous run's (new failures first)."""
    changes = [CellChange(session=r.session, before=previous.statuses.get(r.session), after=r.status)
               for r in records if previous.statuses.get(r.session) != r.status]
    return sorted(changes, key=lambda c: (c.after != FAILED, c.before is None, c.session))
