"""The records a report is made of: every cell's ``result.json`` (or why one cannot be
read) and every wheel ``nox -s verify`` checked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..model import FAILED, PASSED, SKIPPED
from ..record import RecordError, ResultRecord, VerifyRecord, load_record, load_verify_record

STATUS_ORDER = (FAILED, PASSED, SKIPPED)


@dataclass(frozen=True)
class Unreadable:
    path: Path
    reason: str


def load_records(results_dir: Path) -> tuple[list[ResultRecord], list[Unreadable]]:
    """Every ``result.json`` below ``results_dir``: the records, and the files that are not.
    A loosened cell's ``retry/`` attempt and the culprit search's steps (``culprit/step-N/``)
    are part of their cell's record, not cells."""
    records, unreadable = [], []
    for path in sorted(results_dir.rglob("result.json")):
        if path.parent.name == "retry" or path.parent.parent.name == "culprit":
            continue
        try:
            records.append(load_record(path))
        except RecordError as exc:
            unreadable.append(Unreadable(path=path, reason=str(exc).removeprefix(f"{path}: ")))
    records.sort(key=lambda r: (STATUS_ORDER.index(r.status) if r.status in STATUS_ORDER else 0, r.session))
    return records, unreadable


def load_verify_records(results_dir: Path) -> list[VerifyRecord]:
    """Every wheel ``nox -s verify`` checked (``verify.json``); unreadable ones are left out."""
    records = []
    for path in sorted(results_dir.rglob("verify.json")):
        try:
            records.append(load_verify_record(path))
        except RecordError:
            continue
    return records


def plural(n: int, word: str) -> str:
    """``1 cell``, ``2 cells``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def count(records: Iterable[ResultRecord]) -> dict[str, int]:
    listed = list(records)
    return {s: sum(1 for r in listed if r.status == s) for s in STATUS_ORDER}


def human_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def sizes(record: ResultRecord) -> str:
    return " + ".join(f"{w.role} {human_size(w.size)}" for w in record.wheels) or "–"


def tests_text(record: ResultRecord) -> str:
    t = record.tests
    if t is None:
        return "not run here"
    if not any((t.passed, t.failed, t.errors, t.skipped)):
        return "–"
    return f"{t.passed} passed, {t.failed} failed" + (f", {t.errors} errors" if t.errors else "")


def blas_text(record: ResultRecord) -> str:
    b = record.blas_runtime
    return f"{b.name} ({b.int_size}-bit)" if b and b.name else "–"


def system_text(record: ResultRecord) -> str:
    comps = record.system_components
    from_system = [k for k, v in comps.items() if v == "system"]
    return ", ".join(from_system) if from_system else ("none" if comps else "–")


# What a reader calls each timed part of a cell (the record keeps the stages' own names).
STAGE_LABELS = {"resolve": "resolve", "build_env": "build env", "loosened": "loosen bounds", "build": "build",
                "repair": "repair", "package": "package", "partition": "split check",
                "test_env_early": "test venv (during the build)", "test_env": "test venv",
                "test_wait": "waiting for memory", "test": "tests", "packagetest": "package tests"}


def stage_label(name: str) -> str:
    """``test_wait`` -> ``waiting for memory``; a name it does not know, with spaces."""
    return STAGE_LABELS.get(name, name.replace("_", " "))


def stage_times(record: ResultRecord) -> str:
    """``build env 0.4 s, build 12.1 s, …`` in the order the cell ran them."""
    return ", ".join(f"{stage_label(k)} {v:.1f} s" for k, v in record.durations.items() if k != "total")


def projects(records: Iterable[ResultRecord]) -> dict[str, list[ResultRecord]]:
    """The records by project (``blasdemo 0.1.0``), in name order: two projects that share a
    MESONMATRIX_HOME share its results folder, and each gets a part of its own."""
    found: dict[str, list[ResultRecord]] = {}
    for r in records:
        found.setdefault(" ".join(p for p in (r.target, r.target_version) if p), []).append(r)
    return dict(sorted(found.items()))


def time_text(record: ResultRecord) -> str:
    d = record.durations
    return f"{d['total']:.0f} s" if "total" in d else "–"


def verify_blas_text(r: VerifyRecord) -> str:
    b = r.blas
    if not b.name:
        return "none"
    size = f" {b.int_size}-bit" if b.int_size else ""
    return f"{b.name}{size}, {'bundled' if b.bundled else 'from the system'}"


def verify_tests_text(r: VerifyRecord) -> str:
    if r.tests is None:
        return f"not run ({r.tests_skipped_because})" if r.tests_skipped_because else "not run"
    return f"{r.tests.passed} passed, {r.tests.failed} failed"
