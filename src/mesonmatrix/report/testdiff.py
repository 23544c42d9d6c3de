"""Tests whose outcome differs between the cells of one target, each described by what
sets the cells where it fails apart (``test_solve[float32]`` fails only with blis,
python 3.13), new failures first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..model import SKIPPED
from ..record import ResultRecord
from .history import Previous
from .junit import ERROR_TEST, FAILED_TEST, PASSED_TEST, SKIPPED_TEST, cell_outcomes

BAD = (FAILED_TEST, ERROR_TEST)


@dataclass(frozen=True, kw_only=True)
class TestDifference:
    __test__ = False  # a report entry, not a test class for pytest to collect
    target: str
    test: str
    outcomes: dict[str, str]  # session -> outcome, for every cell that ran the test
    summary: str  # e.g. "fails only with blis, python 3.13"
    new: bool = False  # fails now in a cell where it did not fail in the previous run

    @property
    def failing(self) -> list[str]:
        return sorted(s for s, o in self.outcomes.items() if o in BAD)


def _axes(record: ResultRecord) -> dict[str, str]:
    return {"blas": record.blas, "python": f"python {record.python}", "platform": record.platform,
            "system_libraries": f"system libraries {record.system_libraries}", "install_tags": record.install_tags,
            "kind": record.kind}


def _set_apart(chosen: list[ResultRecord], others: list[ResultRecord]) -> str:
    """The axis values every chosen cell has and no other cell has."""
    parts = []
    for axis in ("blas", "python", "platform", "system_libraries", "install_tags", "kind"):
        mine = {_axes(r)[axis] for r in chosen}
        theirs = {_axes(r)[axis] for r in others}
        if len(mine) == 1 and not mine & theirs:
            parts.append(next(iter(mine)))
    return ", ".join(parts) if parts else "cells " + ", ".join(r.session for r in chosen)


def _describe(outcomes: dict[str, str], by_session: dict[str, ResultRecord]) -> str:
    for kind, verb in ((BAD, "fails"), ((SKIPPED_TEST,), "is skipped"), ((PASSED_TEST,), "passes")):
        chosen = [by_session[s] for s, o in outcomes.items() if o in kind]
        others = [by_session[s] for s, o in outcomes.items() if o not in kind]
        if chosen and others and len(chosen) <= len(others):
            return f"{verb} only with {_set_apart(chosen, others)}"
    bad = [s for s, o in outcomes.items() if o in BAD]
    return f"fails in {len(bad)} of {len(outcomes)} cells" if bad else "outcomes differ"


def differences(records: Iterable[ResultRecord], results_dir: Path,
                previous: Previous | None = None) -> tuple[list[TestDifference], dict[str, list[str]]]:
    """Every test whose outcome differs between cells of one target, and each cell's
    failing tests (kept in summary.json for the next run's history)."""
    by_target: dict[str, dict[str, ResultRecord]] = {}
    for record in records:
        if record.status != SKIPPED:
            by_target.setdefault(record.target, {})[record.session] = record
    found: list[TestDifference] = []
    failing: dict[str, list[str]] = {}
    for target, cells in sorted(by_target.items()):
        outcomes = {session: cell_outcomes(record, results_dir) for session, record in cells.items()}
        for session, tests in outcomes.items():
            bad = sorted(t for t, o in tests.items() if o in BAD)
            if bad:
                failing[session] = bad
        for test in sorted({t for tests in outcomes.values() for t in tests}):
            ran = {s: tests[test] for s, tests in outcomes.items() if test in tests}
            if len(ran) < 2 or len(set(ran.values())) < 2:
                continue
            new = previous is not None and any(
                o in BAD and test not in previous.failing.get(s, set()) for s, o in ran.items())
            found.append(TestDifference(target=target, test=test, outcomes=ran, summary=_describe(ran, cells),
                                        new=new))
    found.sort(key=lambda d: (not d.new, -len(d.failing), d.target, d.test))
    return found, failing
