"""Each cell's test outcomes, test by test, from the JUnit XML its pytest run wrote."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..record import ResultRecord


def _outcome(case: ET.Element) -> str:
    for child in case:
        if child.tag == "failure":
            return "failed"
        if child.tag == "error":
            return "error"
        if child.tag == "skipped":
            return "skipped"
    return "passed"


def read_outcomes(junit: Path) -> dict[str, str]:
    """``classname::name`` -> failed, error, skipped or passed; {} when the file is unreadable."""
    try:
        root = ET.parse(junit).getroot()
    except (ET.ParseError, OSError):
        return {}
    outcomes = {}
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
