"""Cell logs copied into the report folder, so that the report's links work where only that
folder is kept (CI uploads ``.matrix/report/`` as its artifact, not the results).

Each log is copied as ``logs/<target>/<session>.log``; one longer than ``PER_LOG_BYTES``
keeps its last part (where a failure is) under a first line that says how much was left
out and where the whole log is. Only logs below the results folder are copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..record import ResultRecord, recorded_path

PER_LOG_BYTES = 2 * 1024 * 1024


def log_copy(record: ResultRecord) -> Path | None:
    """``logs/<target>/<session>.log``; None when the record's target or session would
    make it anything else (``..``, a separator): records gathered from CI jobs are input."""
    names = (record.target, record.session)
    if any(not n or n in (".", "..") or "/" in n or "\\" in n or "\0" in n for n in names):
        return None
    return Path("logs") / record.target / f"{record.session}.log"


def copy_logs(records: Iterable[ResultRecord], results_dir: Path, out_dir: Path, project_root: Path) -> dict[str, str]:
    """record.log -> its copy, relative to ``out_dir``. A log the record names relative to
    the project root (as records do) is found under ``project_root``."""
    copied: dict[str, str] = {}
    root = results_dir.resolve()
    for record in records:
        if not record.log:
            continue
        log = recorded_path(record.log, project_root)
        if not log.is_file() or not log.resolve().is_relative_to(root):
            continue
        relative = log_copy(record)
        if relative is None:
            continue
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        size = log.stat().st_size
        with log.open("rb") as source, target.open("wb") as copy:
            if size > PER_LOG_BYTES:
                source.seek(size - PER_LOG_BYTES)
                copy.write(f"[the first {size - PER_LOG_BYTES:,} bytes of this {size:,}-byte log are left out; "
                           f"the whole log: {log}]\n".encode())
            copy.write(source.read())
        copied[record.log] = relative.as_posix()
    return copied
