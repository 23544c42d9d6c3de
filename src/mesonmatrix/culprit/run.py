"""``nox -s culprit -- SESSION``: which upstream release broke a latest, pre or oldest cell.

Bad: what the failing cell resolves now (the cell is run once more first, which also tells
a failure that does not reproduce from one that does). Good: the cell's locks, or what a
passing record installed (``--good RECORD``). Every package whose version differs between
the two is a change; ``search.search`` finds the smallest set of changes that reproduces
the failure, running the cell once per step in ``culprit/<step>/`` beside its record, each
env resolved with the good versions preferred and the step's bad versions required.

The finding is one line (``culprit: NAME GOOD -> BAD breaks SESSION: <first failing
line>``), written to ``culprit.json`` beside the cell's record and, in GitHub Actions, to
the step summary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..config.keys import cell_settings
from ..config.matrixfile import MatrixSet
from ..errors import CellError
from ..lockfiles.locks import build_lock_path, suite_lock_path
from ..lockfiles.resolve import Change, drift_from_lock
from ..machine.locking import exclusive_lock
from ..machine.pythons import axis_version
from ..machine.workspace import Workspace
from ..machine.writing import write_atomically
from ..model import BUILD, FAILED, LOCKED, PASSED, SKIPPED, Cell
from ..options import CulpritStep, RunOptions
from ..pipeline import run_cell
from ..record import RecordError, ResultRecord, load_record
from ..redact import redacted
from ..targets.resolve import resolve_target
from .search import Found, Outcome, search

RunCell = Callable[[Cell, MatrixSet, RunOptions], tuple[ResultRecord, "Path | None"]]


@dataclass(frozen=True, kw_only=True)
class StepRun:
    name: str
    applied: list[str]  # "env:name good->bad" of each change the step applied
    status: str  # passed, failed (as the cell does), failed-otherwise (another failure) or unresolvable
    failing_line: str | None = None


@dataclass(frozen=True, kw_only=True)
class CulpritReport:
    """What ``culprit.json`` holds."""

    session: str
    finding: str  # culprit, pair, unclear, good-fails, passes, flaky, no-change
    line: str  # the one line that says it
    changes: list[dict[str, str | None]] = field(default_factory=list)  # the culprit (or pair): env, name, good, bad
    considered: int = 0  # how many packages differ between good and bad
    good: str = ""  # where the good versions came from
    first_failing_line: str | None = None
    steps: list[StepRun] = field(default_factory=list)
    # Other failures steps met on the way (another broken release): "changes: failing line".
    other_failures: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class _Where:
    """Where the cell's runs go, found before any of them: its results folder, and the test
    venv its steps' venvs are named after."""

    folder: Path
    venv: Path
    indexes: tuple[str | None, list[str]]  # the index options it runs with, credentials hidden


def find_culprit(cell: Cell, matrices: MatrixSet, options: RunOptions, good_record: Path | None = None,
                 run: RunCell = run_cell) -> tuple[CulpritReport, Path]:
    """Run the search for ``cell``; returns its report and where it was written. One search
    of a cell at a time: a second waits for the first."""
    if cell.deps == LOCKED:
        hint = f" (e.g. {cell.session_name}-latest, where the matrix has it)" if cell.kind == BUILD else ""
        raise CellError(f"{cell.session_name} installs its locks: the culprit search is for a latest, pre or oldest "
                        f"cell{hint}")
    where = _where(cell, matrices, options)
    passing = _passing_record(good_record, cell) if good_record else None  # read before any run writes
    with exclusive_lock(where.folder / "culprit", lambda text: print(text, flush=True),
                        " (another culprit search of this cell)"):
        shutil.rmtree(where.folder / "culprit", ignore_errors=True)  # an earlier search's steps
        (where.folder / "culprit.json").unlink(missing_ok=True)
        record, folder = _bad_run(cell, matrices, options, where, run)
        if isinstance(record, CulpritReport):
            return _finish(record, folder)
        good, good_source = _good_pins(record, options.project_root, passing, good_record)
        bad = {env: Path(path) for env, path in record.deps.resolved_files.items()} if record.deps else {}
        found_changes = _changes(good, bad)
        searchable = [c for c in found_changes if c.resolved is not None and not c.rebuilt]
        failing_line = first_failing_line(Path(record.log) if record.log else None, record.error)
        if not searchable:
            return _finish(_nothing_changed(cell.session_name, found_changes, good_source, failing_line), folder)
        steps: list[StepRun] = []
        trial = _trial(cell, matrices, options, good, where, steps, run, failing_line)
        found = search(_ordered(searchable), trial)
        return _finish(_report(cell.session_name, found, len(searchable), good_source, failing_line, steps), folder)


def _where(cell: Cell, matrices: MatrixSet, options: RunOptions) -> _Where:
    workspace = Workspace.default(options.project_root, home=options.workspace_root)
    target = resolve_target(options.target or cell.target, matrices.presets, workspace.shared_cache)
    name = workspace.target_folder(target.name, target.source_dir)
    settings = cell_settings(options.settings, cell.settings, target.settings)
    return _Where(folder=workspace.results_dir(name, cell), venv=workspace.test_venv(name, cell),
                  indexes=(redacted(settings.index_url) if settings.index_url else None,
                           [redacted(url) for url in settings.extra_index_urls]))


def _bad_run(cell: Cell, matrices: MatrixSet, options: RunOptions, where: _Where,
             run: RunCell) -> tuple[ResultRecord | CulpritReport, Path]:
    """Bad: what the failing cell resolved, from its record when its last run failed with
    these indexes; else the cell runs now (a run that passes says so: nothing to find, or a
    failure that does not reproduce)."""
    try:
        last: ResultRecord | None = load_record(where.folder / "result.json")
    except RecordError:
        last = None
    if last is not None and last.status == FAILED and last.deps and last.deps.resolved_files and \
            (last.deps.index_url, last.deps.extra_index_urls) == where.indexes and \
            all(Path(path).is_file() for path in last.deps.resolved_files.values()):
        print(f"=== culprit: bad is what the run of {last.started} resolved ({last.error})", flush=True)
        return last, where.folder
    record, record_path = run(cell, matrices, options)
    if record_path is None:  # the cell could not even be planned (a --target that does not exist)
        raise CellError(record.error or f"{cell.session_name} could not run")
    if record.status == PASSED:
        earlier = f"{last.started}: {last.error}" if last is not None and last.status == FAILED else None
        finding, why = ("flaky", f"failed before ({earlier}) but passes now: the failure does not reproduce") \
            if earlier else ("passes", "passes: there is nothing to find")
        return CulpritReport(session=cell.session_name, finding=finding,
                             line=f"culprit: none; {cell.session_name} {why}"), record_path.parent
    if record.status == SKIPPED:
        raise CellError(f"{cell.session_name} does not run here: {record.error}")
    if record.deps is None or not record.deps.resolved_files:
        raise CellError(f"{cell.session_name} failed before it resolved its requirements ({record.error}): there is "
                        "no bad set of versions to search")
    return record, record_path.parent


def _nothing_changed(session: str, found: list[Change], good: str, failing_line: str) -> CulpritReport:
    """No version to bisect: a package rebuilt under the lock's version is named, else the
    failure is not an upstream change."""
    rebuilt = [c for c in found if c.rebuilt]
    if rebuilt:
        names = ", ".join(f"{c.text} ({c.env} env)" for c in rebuilt)
        return CulpritReport(session=session, finding="rebuilt", good=good, first_failing_line=failing_line,
                             changes=[{"env": c.env, "name": c.name, "good": c.locked, "bad": c.resolved}
                                      for c in rebuilt],
                             line=f"culprit: {names} breaks {session}: {failing_line}")
    return CulpritReport(session=session, finding="no-change", good=good, first_failing_line=failing_line,
                         line=f"culprit: none; {session} fails with the same versions as {good}: not an upstream "
                              f"change: {failing_line}")


def _passing_record(good_record: Path, cell: Cell) -> ResultRecord:
    """``--good``: a passing record of this cell, read before anything runs (it may be the
    cell's own, which the search's first run replaces)."""
    try:
        passing = load_record(good_record)
    except RecordError as exc:
        raise CellError(f"--good: {exc}") from None
    if passing.status != PASSED:
        raise CellError(f"--good {good_record} is a {passing.status} run, not a passing one")
    if passing.session != cell.session_name and passing.session.split("-")[:3] != cell.session_name.split("-")[:3]:
        raise CellError(f"--good {good_record} is a record of {passing.session}, not of {cell.session_name} or its "
                        "locked cell")
    return passing


def _good_pins(record: ResultRecord, root: Path, passing: ResultRecord | None,
               good_record: Path | None) -> tuple[dict[str, Path], str]:
    """Each env's good versions, as a file uv reads preferences from; and their source."""
    if passing is None or good_record is None:
        python = axis_version(record.python)  # the distro's Python is locked as its version
        build = build_lock_path(root, record.target, python, record.blas)
        test = suite_lock_path(root, record.target, python)
        found = {env: path for env, path in (("build", build), ("test", test)) if path.is_file()}
        if not found:
            raise CellError(f"{record.session} has no locks to take as good ({build.parent}): give a passing record "
                            "with --good RECORD")
        return found, "the locks"
    folder = Path(record.log).parent / "culprit" if record.log else good_record.parent
    folder.mkdir(parents=True, exist_ok=True)
    pins: dict[str, Path] = {}
    for env, packages, lock in (("build", passing.deps.build if passing.deps else [], passing.locks.build),
                                ("test", passing.deps.test if passing.deps else [], passing.locks.test)):
        if packages:  # what a resolved env installed
            pins[env] = folder / f"good-{env}.txt"
            pins[env].write_text("".join(f"{p.name}=={p.version}\n" for p in packages), encoding="utf-8")
        elif lock is not None and (root / lock.path).is_file():  # a locked env: its lock
            pins[env] = root / lock.path
    if not pins:
        raise CellError(f"--good {good_record} lists no installed versions (a record from before dependency channels)")
    return pins, f"the passing run {good_record}"


def _changes(good: dict[str, Path], bad: dict[str, Path]) -> list[Change]:
    found: list[Change] = []
    for env, resolved in bad.items():
        if env in good:  # measured as a cell's drift from its lock is: versions, and files rebuilt
            found += drift_from_lock(env, good[env], resolved)
    return found


def _ordered(found: list[Change]) -> list[Change]:
    """Test-env changes first: a step that changes only the test env reuses the stored wheel."""
    return sorted(found, key=lambda c: (c.env != "test", c.name))


def _trial(cell: Cell, matrices: MatrixSet, options: RunOptions, good: dict[str, Path], where: _Where,
           steps: list[StepRun], run: RunCell, failure: str) -> Callable[[tuple[Change, ...]], Outcome]:
    """One step: the cell with ``applied`` on the good versions. It reproduces the failure
    only when it fails with the same first failing line (paths and numbers aside); a step
    that fails otherwise met another broken release, and counts as not reproducing."""
    def trial(applied: tuple[Change, ...]) -> Outcome:
        name = f"step-{len(steps) + 1}"
        step_dir = where.folder / "culprit" / name
        step_dir.mkdir(parents=True, exist_ok=True)
        force = {}
        for env in {c.env for c in applied}:
            force[env] = step_dir / f"{env}-bad.txt"
            force[env].write_text("".join(f"{c.name}=={c.resolved}\n" for c in applied if c.env == env),
                                  encoding="utf-8")
        step = CulpritStep(name=name, prefer=dict(good), force=force)
        print(f"=== culprit {name}: {_describe(applied) or 'the good versions'}", flush=True)
        record, _ = run(cell, matrices, replace(options, culprit_step=step))
        line = None if record.status == PASSED else first_failing_line(Path(record.log) if record.log else None,
                                                                       record.error)
        status = "passed" if line is None else "unresolvable" if (record.error or "").startswith("resolving the ") \
            else "failed" if _same_failure(line, failure) else "failed-otherwise"
        steps.append(StepRun(name=name, applied=[_change_text(c) for c in applied], status=status, failing_line=line))
        # What a step leaves beyond its record and log is the search's only: its venv and wheels.
        for leftover in (Path(f"{where.venv}-culprit-{name}"), step_dir / "built", step_dir / "dist"):
            shutil.rmtree(leftover, ignore_errors=True)
        print(f"=== culprit {name}: {status}" + (f" ({line})" if line else ""), flush=True)
        return "passed" if status == "failed-otherwise" else status  # type: ignore[return-value]

    return trial


def _same_failure(line: str, failure: str) -> bool:
    def shape(text: str) -> str:
        return re.sub(r"[0-9]+", "N", re.sub(r"(/[^\s:'\"]+)+", "<path>", text))

    return shape(line) == shape(failure)


def _change_text(change: Change, env: bool = True) -> str:
    return f"{change.name} {change.locked or '(none)'} -> {change.resolved}" + (f" ({change.env} env)" if env else "")


def _describe(applied: tuple[Change, ...], env: bool = True) -> str:
    return ", ".join(_change_text(c, env) for c in applied)


def _report(session: str, found: Found, considered: int, good: str, failing_line: str | None,
            steps: list[StepRun]) -> CulpritReport:
    names = [{"env": c.env, "name": c.name, "good": c.locked, "bad": c.resolved} for c in found.changes]
    line = {
        "culprit": f"culprit: {_describe(found.changes, env=False)} breaks {session}: {failing_line}",
        "pair": f"culprit: {_describe(found.changes, env=False)}, together (neither alone) break {session}: "
                f"{failing_line}",
        "flaky": f"culprit: none for sure; {_describe(found.changes)} seemed to break {session}, but the good "
                 f"versions or it alone gave another outcome when run again: the failure is flaky: {failing_line}",
        "good-fails": f"culprit: none; {session} fails with the good versions too ({good}): not an upstream change",
        "unclear": f"culprit: no single package or pair; {session} fails with these together: "
                   f"{_describe(found.changes)}: {failing_line}",
    }[found.finding]
    others = [f"{', '.join(s.applied)}: {s.failing_line}" for s in steps if s.status == "failed-otherwise"]
    return CulpritReport(session=session, finding=found.finding, line=line, changes=names, considered=considered,
                         good=good, first_failing_line=failing_line, steps=steps, other_failures=others)


def _finish(report: CulpritReport, folder: Path) -> tuple[CulpritReport, Path]:
    path = folder / "culprit.json"
    write_atomically(path, json.dumps(asdict(report), indent=2) + "\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:  # GitHub Actions: the line where the run's page shows it
        with open(summary, "a", encoding="utf-8") as out:
            out.write(f"### {report.session}\n\n`{report.line}`\n\n")
            out.writelines(f"- also failing, otherwise: `{other}`\n" for other in report.other_failures)
    return report, path


# The lines that say why a run failed, most telling first: pytest's FAILED/ERROR summary
# lines, then the last exception line of a traceback.
_FAILED = re.compile(r"^(FAILED|ERROR) \S+")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b(:.*)?$")


def first_failing_line(log: Path | None, fallback: str | None) -> str:
    """The first line of the cell log that says what failed, else the record's error."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log else []
    except OSError:
        lines = []
    failed = next((line.strip() for line in lines if _FAILED.match(line.strip())), None)
    if failed:
        return failed
    exceptions = [line.strip() for line in lines if _EXCEPTION.match(line.strip())]
    return exceptions[0] if exceptions else (fallback or "no failing line found").splitlines()[0]
