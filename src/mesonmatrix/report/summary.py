"""The one line a cell ends with: its status, wheels, test counts, loaded BLAS and time, as
cibuildwheel ends with one line per wheel. Made from the result record alone, so the
line and the record never disagree."""

from __future__ import annotations

from ..record import ResultRecord
from ..testing.blascheck import blas_phrase

_MARKS = {"passed": "✓", "failed": "✗", "skipped": "-"}


def cell_summary(record: ResultRecord) -> str:
    """``✓ build-3.12-openblas passed in 41.2 s: <wheel>; tests 12 passed, 0 failed, 1
    skipped; BLAS loaded: openblas (libscipy_openblas.so, 32-bit integers)``; a failed cell's error ends it."""
    parts = [", ".join(w.path for w in record.wheels)] if record.wheels else []
    tests = record.tests
    if tests is not None and (tests.passed or tests.failed or tests.errors or tests.skipped):
        parts.append(f"tests {tests.passed} passed, {tests.failed} failed, {tests.skipped} skipped"
                     + (f", {tests.errors} errors" if tests.errors else ""))
    elif record.status == "passed":
        parts.append("tests not run here" if tests is None else "no tests run")
    if record.blas_runtime is not None or (tests is not None and tests.passed):  # it got as far as its tests
        parts.append(blas_phrase(record.blas_runtime, record.target_declares_blas))
    total = record.durations.get("total")
    took = f" in {total:.1f} s" if total is not None else ""
    if record.error:
        parts.append(record.error.splitlines()[0])
    return f"{_MARKS.get(record.status, '?')} {record.session} {record.status}{took}: {'; '.join(parts)}"
