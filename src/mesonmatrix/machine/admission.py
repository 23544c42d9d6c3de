"""Admission of installed test suites by memory: a suite starts when what it is expected to
need, with what the suites already running reserved, fits in the memory the machine has
free; two small suites run side by side, a big one waits.

A suite's need is its last run's recorded peak (the largest single process of its test
stage, ``peak_rss_mb["test"]`` of the record), else the declared ``test_memory``, else a
default. Each admitted suite holds a lock file of its own in a folder of this user's (so a
dead holder's reservation ends with it) beside a small JSON note saying who it is, since
when, and what it reserved; deciding takes a short gate lock, so two cells never both count
the same free memory.

The reserved figures are counted in full against ``MemAvailable``, which already dropped by
what those suites use now: that counts part of their memory twice, so admission errs on the
side of waiting (NumPy's full suite peaked at 17.4 GB here, ../shared/MEASUREMENTS.md; two
in 24 GB would not fit). Policies (``test_admission``, ``MESONMATRIX_TEST_ADMISSION``):
``memory`` (the default), ``one-at-a-time`` (the earlier machine-wide turn: a suite waits
for every other), ``off`` (no admission at all, for a machine of one's own or a CI job).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, get_args

from .locking import MACHINE_LOCKS, exclusive_lock, private_folder, try_exclusive_lock
from .writing import write_atomically

AdmissionPolicy = Literal["memory", "one-at-a-time", "off"]
POLICIES: tuple[AdmissionPolicy, ...] = get_args(AdmissionPolicy)
MEMORY: AdmissionPolicy = "memory"
ONE_AT_A_TIME: AdmissionPolicy = "one-at-a-time"
OFF: AdmissionPolicy = "off"
POLICY_ENV = "MESONMATRIX_TEST_ADMISSION"
# A suite with no recorded peak and no declared test_memory: SciPy's linalg suite peaked at
# 2.45 GB here (../shared/MEASUREMENTS.md), most projects' suites at a few hundred MB.
DEFAULT_SUITE_MB = 2048.0
ADMISSION_FOLDER = MACHINE_LOCKS / "test-suites"


@dataclass(frozen=True, kw_only=True)
class SuiteNeed:
    """What one test suite asks of the machine's memory before it starts."""

    megabytes_per_worker: float  # the largest single process a worker reaches
    source: str  # where the figure comes from: "its last run's peak", "declared test_memory" …
    policy: AdmissionPolicy = MEMORY
    # Processes running the suite at once, each up to the per-worker peak: 1 today; a
    # pytest-xdist run of N workers reserves N times the per-worker figure.
    workers: int = 1

    @property
    def megabytes(self) -> float:
        return self.megabytes_per_worker * self.workers


@dataclass(frozen=True, kw_only=True)
class Holder:
    """A suite admitted and still running: who, since when (UTC, ISO), how much it reserved."""

    pid: int
    who: str
    since: str
    megabytes: float


def suite_need(recorded_mb: float | None, declared_mb: float | None, policy: AdmissionPolicy = MEMORY,
               workers: int = 1) -> SuiteNeed:
    """The need from the last run's recorded peak of the same suite, else the declared
    estimate, else the default."""
    if recorded_mb is not None:
        return SuiteNeed(megabytes_per_worker=recorded_mb, source="its last run's peak", policy=policy,
                         workers=workers)
    if declared_mb is not None:
        return SuiteNeed(megabytes_per_worker=declared_mb, source="declared test_memory", policy=policy,
                         workers=workers)
    return SuiteNeed(megabytes_per_worker=DEFAULT_SUITE_MB, source="no earlier run: the default estimate",
                     policy=policy, workers=workers)


def admits(need: SuiteNeed, holders: Sequence[Holder], available_mb: float | None) -> bool:
    """Whether the suite may start now. Alone it always may (a suite larger than the machine
    must still run some time); ``one-at-a-time`` waits for every other; ``memory`` waits
    until its need and the others' reservations fit in the free memory (and, where the free
    memory cannot be read, for every other, as one-at-a-time)."""
    if need.policy == OFF or not holders:
        return True
    if need.policy == ONE_AT_A_TIME or available_mb is None:
        return False
    return need.megabytes + sum(h.megabytes for h in holders) <= available_mb


def available_megabytes(meminfo: Path = Path("/proc/meminfo")) -> float | None:
    """The kernel's estimate of memory available for new work without swapping (Linux's
    MemAvailable, proc(5)); None where there is no /proc/meminfo."""
    return _meminfo_megabytes("MemAvailable", meminfo)


def memory_for_workers(meminfo: Path = Path("/proc/meminfo"), cgroup_root: Path = Path("/sys/fs/cgroup"),
                       own_cgroup: Path = Path("/proc/self/cgroup")) -> float | None:
    """The memory pytest-xdist workers may share, for ``test_jobs = "auto"``: what is
    available now (MemAvailable: what the rest of the machine uses is not theirs), and no
    more than this process's cgroup may use (a container's ``--memory`` limit, which
    /proc/meminfo does not show). None where neither can be read."""
    found = [m for m in (available_megabytes(meminfo), _cgroup_limit(cgroup_root, own_cgroup))
             if m is not None]
    return min(found) if found else None


def _cgroup_limit(root: Path, own: Path) -> float | None:
    """The memory limit of this process's cgroup, in MB (cgroup v2's ``memory.max``, else
    v1's ``memory.limit_in_bytes``), or None when there is none or it cannot be read."""
    candidates: list[Path] = []
    try:
        for line in own.read_text(encoding="ascii").splitlines():
            hierarchy, _, path = line.partition(":")[2].partition(":")
            if hierarchy == "":  # v2's one hierarchy: "0::/path"
                candidates.append(root / path.lstrip("/") / "memory.max")
            elif "memory" in hierarchy.split(","):
                candidates.append(root / "memory" / path.lstrip("/") / "memory.limit_in_bytes")
    except OSError:
        return None
    for candidate in candidates:
        try:
            value = candidate.read_text(encoding="ascii").strip()
        except OSError:
            continue
        # "max" (v2) or a number near 2**63 (v1's "no limit") means none.
        if value.isdigit() and int(value) < 1 << 60:
            return round(int(value) / 1024 / 1024, 1)
    return None


def _meminfo_megabytes(field: str, meminfo: Path) -> float | None:
    try:
        with meminfo.open(encoding="ascii") as lines:
            for line in lines:
                if line.startswith(f"{field}:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def waiting_message(need: SuiteNeed, holders: Sequence[Holder], available_mb: float | None) -> str:
    """One line: what this suite needs, who holds the memory since when, how to change it."""
    held = "; ".join(f"pid {h.pid} ({h.who}) since {h.since}, {h.megabytes:.0f} MB" for h in holders)
    if need.policy == ONE_AT_A_TIME:
        why = "one test suite at a time (test_admission = \"one-at-a-time\")"
    else:
        free = "unknown free memory" if available_mb is None else f"{available_mb:.0f} MB free"
        why = (f"this suite needs ~{need.megabytes:.0f} MB ({need.source}"
               f"{f', {need.workers} workers' if need.workers > 1 else ''}), {free}")
    return (f"waiting to run the tests: {why}; running: {held}; to change the policy set {POLICY_ENV}="
            f"memory|one-at-a-time|off or test_admission in the matrix file, or declare test_memory (MB)")


def running_suites(folder: Path) -> list[Holder]:
    """The suites admitted whose holder still runs; a note whose holder died is removed."""
    found = []
    for note in sorted(folder.glob("*.json")):
        with try_exclusive_lock(note.with_suffix("")) as free:
            if free:  # its holder is gone (or never got its lock): its reservation ends
                note.unlink(missing_ok=True)
                note.with_suffix(".lock").unlink(missing_ok=True)
                continue
            try:
                found.append(Holder(**json.loads(note.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # removed meanwhile, or not a note of ours
    return found


@contextlib.contextmanager
def admitted(need: SuiteNeed, who: str, say: Callable[[str], None], *, folder: Path = ADMISSION_FOLDER,
             poll_seconds: float = 0.5,
             free: Callable[[], float | None] = available_megabytes) -> Iterator[None]:
    """Wait until the suite may start, say once why it waits, and hold its reservation for
    the ``with`` block."""
    if need.policy == OFF:
        yield
        return
    private_folder(folder.parent)
    ledger = private_folder(folder)
    mine = ledger / f"{os.getpid()}-{time.monotonic_ns()}"
    with contextlib.ExitStack() as held:
        told = False
        while True:
            # The decision and the note that records it under one gate: two cells never
            # both count the same free memory.
            with exclusive_lock(ledger / "gate", lambda _: None):
                holders, available = running_suites(ledger), free()
                if admits(need, holders, available):
                    held.enter_context(exclusive_lock(mine, lambda _: None))
                    held.callback(mine.with_suffix(".lock").unlink, missing_ok=True)
                    held.callback(mine.with_suffix(".json").unlink, missing_ok=True)
                    _write_note(mine, who, need)
                    break
            if not told:
                say(waiting_message(need, holders, available))
                told = True
            time.sleep(poll_seconds)
        yield


def _write_note(mine: Path, who: str, need: SuiteNeed) -> None:
    since = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    note = Holder(pid=os.getpid(), who=who, since=since, megabytes=need.megabytes)
    write_atomically(mine.with_suffix(".json"), json.dumps(asdict(note)))
