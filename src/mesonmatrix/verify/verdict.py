"""A wheel's verdict and its record: the status its problems give, every text that comes from
the wheel escaped (``names.shown``), and the folder the record goes to."""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..model import FAILED, INCOMPLETE, PASSED, VerifyStatus
from ..record import BlasRuntime, TestCounts, VerifyBlas, VerifyLibrary, VerifyProblem, VerifyRecord
from .inspect import Findings
from .libraries import ExternalLibrary
from .names import shown
from .problems import UNCHECKED, Problem


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What running the wheel here gave."""

    tests: TestCounts | None = None
    runtime: BlasRuntime | None = None
    why_not: str | None = None  # why its tests did not run, or did not run to the end


def status_of(problems: list[Problem]) -> VerifyStatus:
    """Failed on any fault; incomplete when nothing failed but something went unread."""
    if any(not p.warning and p.rule != UNCHECKED for p in problems):
        return FAILED
    return INCOMPLETE if any(p.rule == UNCHECKED for p in problems) else PASSED


def record_folder(out_root: Path, wheel_name: str, digest: str) -> Path:
    """``<out_root>/<wheel name>/<sha256 prefix>``, one folder level for the name whatever
    it holds: a file named ``...whl`` would otherwise put its record two levels up, outside
    the verify results. Characters other than a wheel name's own become ``_``."""
    stem = re.sub(r"[^A-Za-z0-9._+!-]", "_", wheel_name.removesuffix(".whl"))[:120]
    if not stem.strip(".") or stem.startswith("."):
        stem = "_" + stem
    return out_root / stem / (digest[:12] or "unread")


def _problem(problem: Problem) -> VerifyProblem:
    return VerifyProblem(member=shown(problem.member), rule=problem.rule, detail=shown(problem.detail))


def _library(found: ExternalLibrary) -> VerifyLibrary:
    library = VerifyLibrary(**asdict(found))
    return replace(library, name=shown(library.name), path=library.path and shown(library.path),
                   needed_by=[shown(m) for m in library.needed_by], via=library.via and shown(library.via))


def make_record(wheel: Path, digest: str, findings: Findings, problems: list[Problem], outcome: Outcome, *,
                split_pair: str | None, durations: dict[str, float], log: Path | None,
                ran_anyway: bool) -> VerifyRecord:
    runtime = outcome.runtime
    if runtime is not None:
        runtime = replace(runtime, library=runtime.library and shown(runtime.library),
                          extension=runtime.extension and shown(runtime.extension))
    blas = VerifyBlas(**asdict(findings.blas))
    return VerifyRecord(
        wheel=shown(wheel.name), sha256=digest, path=shown(str(wheel)), status=status_of(problems),
        platform_tags=findings.platforms, problems=[_problem(p) for p in problems if not p.warning],
        warnings=[_problem(p) for p in problems if p.warning],
        blas=replace(blas, library=blas.library and shown(blas.library)),
        external_libraries=[_library(lib) for lib in findings.libraries], binaries=findings.binaries,
        split_pair=split_pair and shown(split_pair), tests=outcome.tests,
        tests_skipped_because=outcome.why_not and shown(outcome.why_not), blas_runtime=runtime,
        log=str(log) if log is not None else None, durations=durations, ran_anyway=ran_anyway,
    )


def unfinished_record(wheel: Path, digest: str, why: str) -> VerifyRecord:
    """The record a run leaves while it checks the wheel, and when it is interrupted: an
    earlier run's "passed" must not stay behind a run that never finished."""
    problem = VerifyProblem(member=shown(wheel.name), rule="unfinished", detail=why)
    return VerifyRecord(wheel=shown(wheel.name), sha256=digest, path=shown(str(wheel)), problems=[problem],
                        tests_skipped_because=why)


def started_note() -> str:
    return (f"unfinished: the verify run started at {time.strftime('%Y-%m-%d %H:%M:%S')} (pid {os.getpid()}) "
            "has not ended, or was killed")
