"""Each cell's test outcomes, test by test, from the JUnit XML its pytest run wrote."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Final, Literal

from ..record import ResultRecord

# A test's outcome in a JUnit report: a closed set of its own (a cell's status is model.Status).
Outcome = Literal["failed", "error", "skipped", "passed"]
FAILED_TEST: Final = "failed"
ERROR_TEST: Final = "error"
SKIPPED_TEST: Final = "skipped"
PASSED_TEST: Final = "passed"
# JUnit's child element of a testcase that gives its outcome (none: it passed).
_BY_ELEMENT: dict[str, Outcome] = {"failure": FAILED_TEST, "error": ERROR_TEST, "skipped": SKIPPED_TEST}


def _outcome(case: ET.Element) -> Outcome:
    return next((_BY_ELEMENT[child.tag] for child in case if child.tag in _BY_ELEMENT), PASSED_TEST)


def read_outcomes(junit: Path) -> dict[str, str]:
    """``classname::name`` -> failed, error, skipped or passed; {} when the file is unreadable."""
    try:
        root = ET.parse(junit).getroot()
    except (ET.ParseError, OSError):
        return {}
    outcomes: dict[str, str] = {}
    for case in root.iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":")
        outcomes[test] = _outcome(case)
    return outcomes


def cell_outcomes(record: ResultRecord, results_dir: Path) -> dict[str, str]:
    """Every test of one cell, from the JUnit files in its results folder."""
    folder = results_dir / record.target / record.session
    outcomes: dict[str, str] = {}
    for junit in sorted(folder.glob("junit*.xml")):
        outcomes.update(read_outcomes(junit))
    return outcomes
