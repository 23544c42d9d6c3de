"""How many pytest-xdist workers a suite runs in: ``test_jobs`` (``--test-jobs N|auto``),
unless the project's pytest configuration or the suite's own arguments already ask xdist
for theirs, which they keep.

SciPy runs its suite in parallel itself (its dev tooling passes ``-n`` to pytest-xdist),
and a suite on one core leaves the other idle. The worker count is decided with the plan,
before anything runs, because the test stage's memory admission reserves one suite's
per-process peak for each worker (``machine/admission.py``).
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

AUTO = "auto"


@dataclass(frozen=True, kw_only=True)
class Workers:
    args: tuple[str, ...] = ()  # what the tool adds to pytest's arguments (``-n 2``)
    count: int = 1  # processes running tests at once, whoever asked for them
    why: str = ""  # said in the cell log: who decided, and how many


def machine_cores() -> int:
    """The cores this process may run on (its affinity, as ``taskset`` or a container's
    cpuset limits it), else the machine's."""
    if sys.platform.startswith("linux"):  # os.sched_getaffinity is Linux's (and some BSDs')
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, kw_only=True)
class MemoryFit:
    """What ``auto`` weighs besides the cores: each worker may reach the suite's
    per-process peak (``per_worker_mb``, and where that figure came from), and the workers
    may share ``machine_mb`` (what is available, within the cgroup's limit)."""

    per_worker_mb: float
    source: str
    machine_mb: float


def workers(jobs: int | str | None, *, suite_args: Sequence[str], addopts: Sequence[str],
            cores: int | None = None, memory: MemoryFit | None = None) -> Workers:
    """The workers for ``jobs`` (None: not set, one process), unless ``addopts`` (the
    project's pytest configuration) or ``suite_args`` already choose: then theirs.
    ``auto`` is one per core, but no more than ``memory`` holds: NumPy's whole suite peaks
    at 17.4 GB in one process, so two workers on a 24 GB machine could ask for 35 GB (the
    admission lets a suite alone start whatever it needs). A number asked for is kept."""
    cores = cores or machine_cores()
    for where, args in (("the suite's arguments", suite_args), ("the project's pytest addopts", addopts)):
        own = _numprocesses(args)
        if own is not None:
            count = cores if own in (AUTO, "logical") else int(own) if own.isdigit() else 1
            return Workers(count=max(1, count), why=f"{where} ask pytest-xdist for -n {own}: kept")
    if jobs is None:
        return Workers()
    count = cores if jobs == AUTO else int(jobs)
    if jobs == AUTO and memory is not None and memory.per_worker_mb > 0:
        fit = max(1, int(memory.machine_mb // memory.per_worker_mb))
        if fit < count:
            count = fit
            held = (f"{memory.per_worker_mb:,.0f} MB a worker ({memory.source}) with "
                    f"{memory.machine_mb:,.0f} MB available")
            if count <= 1:
                return Workers(why=f"test_jobs = 'auto' on {cores} cores: one process, as {held} fits one")
            return Workers(args=("-n", str(count)), count=count,
                           why=f"pytest-xdist: {count} workers (test_jobs = 'auto', {cores} cores; {held})")
    if count <= 1:
        return Workers(why=f"test_jobs = {jobs!r} on {cores} core(s): one process, no pytest-xdist")
    return Workers(args=("-n", str(count)), count=count,
                   why=f"pytest-xdist: {count} workers (test_jobs = {jobs!r}, {cores} cores)")


def _numprocesses(args: Sequence[str]) -> str | None:
    """The value of pytest-xdist's ``-n``/``--numprocesses`` in ``args`` (``-n 4``, ``-n4``,
    ``--numprocesses=auto``), or None when they do not give one."""
    for i, arg in enumerate(args):
        if arg in ("-n", "--numprocesses") and i + 1 < len(args):
            return args[i + 1]
        match = re.fullmatch(r"(?:-n=?|--numprocesses=)(\S+)", arg)  # -n4, -n=4 (argparse takes both)
        if match:
            return match.group(1)
    return None


def project_addopts(source_dir: Path, config: str | None) -> tuple[str, ...]:
    """The ``addopts`` of the project's pytest configuration file (``config``, relative to
    ``source_dir``, as ``testsource.pytest_config`` found it), split as a shell would."""
    if config is None:
        return ()
    path = source_dir / config
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        if config == "pyproject.toml":
            table = tomllib.loads(text).get("tool", {}).get("pytest", {})
            value = table.get("ini_options", table).get("addopts", "")
        else:
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
            section = "tool:pytest" if config == "setup.cfg" else "pytest"
            value = parser.get(section, "addopts", fallback="")
    except (OSError, ValueError, configparser.Error, AttributeError):
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    try:
        return tuple(shlex.split(str(value)))
    except ValueError:
        return ()


# The BLAS and OpenMP libraries' thread counts (threadpoolctl's list of the variables each
# reads at load time).
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")


def thread_limits(count: int, environ: Mapping[str, str], cores: int | None = None) -> dict[str, str]:
    """Each worker's share of the cores for its BLAS's threads, where the user set none: a
    BLAS that starts a thread per core in every worker oversubscribes the machine. Measured
    here on SciPy 1.17.1's scipy.linalg (8,186 tests, 2 cores): one process 33.6-35.2 s;
    two workers 35.6-40.9 s with OpenBLAS's own threads, 26.6 s with one thread each."""
    share = str(max(1, (cores or machine_cores()) // max(1, count)))
    return {name: share for name in THREAD_VARIABLES if not environ.get(name)}
