"""The result record each cell writes: one JSON file, written atomically.

Location: ``<workspace>/results/<target>/<session>/result.json`` (the workspace is
``.matrix/`` in the project root unless MESONMATRIX_HOME says otherwise).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(kw_only=True)
class WheelInfo:
    role: str  # "full", "runtime" or "tests"
    path: str
    size: int
    sha256: str


@dataclass(kw_only=True)
class RepairInfo:
    tool: str
    tag: str | None = None
    grafted: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class TestCounts:
    suite: str = ""  # the target's test-suite preset (smoke, fast, full …)
    source: str = "shipped"  # "shipped" (full wheel), "tests-wheel" (split) or "smoke" (runtime)
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0


@dataclass(kw_only=True)
class ResultRecord:
    session: str
    target: str
    python: str
    blas: str
    platform: str
    system_libraries: str
    install_tags: str
    kind: str = "build"  # "build" or "toolchain-min"
    status: str = "failed"  # "passed", "failed" or "skipped"
    error: str | None = None
    matrix_file: str = ""
    target_version: str | None = None
    python_executable: str | None = None
    wheels: list[WheelInfo] = field(default_factory=list)
    built_wheels: list[WheelInfo] = field(default_factory=list)
    repair: RepairInfo | None = None
    tests: TestCounts = field(default_factory=TestCounts)
    blas_runtime: dict[str, Any] | None = None
    system_components: dict[str, str] = field(default_factory=dict)
    build_dir: str | None = None
    build_env: str | None = None
    build_reused: bool = False  # every wheel came from the store: nothing was compiled
    compiler_cache: dict[str, Any] | None = None  # ccache hits/misses of this cell's compile, when meson used it
    tag_wheels: str = "install-plan"  # how runtime/tests wheels were made: cut from the full wheel, or meson-python --tags
    setup_args: list[str] = field(default_factory=list)
    source_date_epoch: int | None = None
    partition: dict[str, Any] | None = None
    locks: dict[str, Any] = field(default_factory=dict)  # build/test: lock file path and sha256, or None
    toolchain: dict[str, Any] | None = None  # toolchain-min cells: requested, used, build deps, floor check
    durations: dict[str, float] = field(default_factory=dict)
    log: str | None = None
    started: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that a reader never sees half a file, even after a kill."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_record(record: ResultRecord, path: Path) -> None:
    write_atomically(path, record.to_json())
