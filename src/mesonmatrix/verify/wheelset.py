"""``nox -s verify``'s work: every wheel given, checked statically, paired, and run here
when it can be; one ``VerifyRecord`` each."""

from __future__ import annotations

import contextlib
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config.presets import TargetPreset
from ..errors import CellError, CommandTimedOut
from ..machine.commands import CommandRunner
from ..machine.locking import exclusive_lock
from ..machine.writing import write_atomically
from ..model import INCOMPLETE, PASSED
from ..record import BlasRuntime, VerifyProblem, VerifyRecord
from ..wheels.members import sha256_file
from .archive import archive_problems
from .inspect import Findings, inspect_wheel
from .names import shown
from .pairs import SplitPair, find_pairs, pair_problems
from .problems import UNCHECKED, Problem
from .runhere import SuiteChoice, installed, runnable_python, suite_for, test_here
from .staticblas import StaticBlas
from .verdict import Outcome, make_record, record_folder, started_note, unfinished_record


@dataclass(frozen=True, kw_only=True)
class VerifyOptions:
    out_root: Path  # records go to <out_root>/<wheel name>/<sha256 prefix>/verify.json
    presets: dict[str, TargetPreset]
    suite: str | None = None  # a preset's suite instead of its default
    run_tests: bool = True
    # Install and test a wheel even when its static checks failed (the record says so).
    run_anyway: bool = False
    # Seconds a wheel's suite and BLAS probe may run; None: its preset's time limit, else
    # the cells' default (config/keys.py, TEST_TIMEOUT).
    suite_seconds: float | None = None
    say: Callable[[str], None] = print


def wheels_in(paths: list[Path]) -> list[Path]:
    """Wheel files given directly or found below the folders given, each once, under the
    name it was given (a symlink keeps its own name: content-addressed stores link wheels)."""
    found: dict[Path, None] = {}
    for path in paths:
        for wheel in sorted(path.rglob("*.whl")) if path.is_dir() else [path]:
            found[wheel.absolute()] = None
    return list(found)


def _runtime_problems(found: BlasRuntime, findings: Findings, member: str) -> list[Problem]:
    """The runtime probe and the static reading must name the same BLAS and integer size."""
    static = findings.blas
    # Accelerate exports its LP64 and ILP64 ($NEWLAPACK$ILP64) entry points side by side, so
    # dlsym cannot tell which one an extension uses; the imports read from the wheel can.
    sizes_comparable = static.int_size is not None and static.name != "accelerate"
    if (found.name or None) != static.name or (sizes_comparable and found.int_size != static.int_size):
        return [Problem(member=member, rule="blas",
                        detail=f"at run time {found.name or 'no BLAS'} ({found.int_size}-bit, {found.library}); "
                               f"read from the wheel {static.name or 'no BLAS'} ({static.int_size}-bit)")]
    return []


def _run_here(wheel: Path, pair: SplitPair | None, findings: Findings, options: VerifyOptions, out: Path,
              problems: list[Problem]) -> Outcome:
    if not options.run_tests:
        return Outcome(why_not="not asked to (--no-tests)")
    failed = [p for p in problems if not p.warning]
    if failed and not options.run_anyway:
        what = "verify could not read all of it" if all(p.rule == UNCHECKED for p in failed) else \
            "its static checks failed"
        return Outcome(why_not=f"{what} ({failed[0].rule}: {failed[0].member}): such a wheel is never installed "
                               "or run here (--run-anyway runs it all the same)")
    if failed:
        options.say("    static checks failed; installed and run all the same (--run-anyway)")
    if pair is not None and wheel == pair.tests:
        # The runtime wheel's record holds the pair's run: that wheel binds the BLAS.
        return Outcome(why_not=f"tested with its runtime wheel, {pair.runtime.name}")
    python = runnable_python(wheel)
    if python is None:
        return Outcome(why_not="no Python on this machine can install it (another platform or Python)")
    choice = suite_for(wheel, options.presets, options.suite, options.suite_seconds)
    if not choice.modules:
        return Outcome(why_not="it installs no Python module to import or test")
    wheels = [pair.runtime, pair.tests] if pair is not None else [wheel]
    options.say(f"    run here with Python {python[0]}: pytest --pyargs {' '.join(choice.args)} "
                f"(at most {choice.timeout:g} s)")
    outcome = _install_and_test(wheels, choice, python[1], CommandRunner(log=out / "verify.log"), out, problems)
    if outcome.tests is not None and outcome.runtime is not None:
        problems += _runtime_problems(outcome.runtime, findings, wheel.name)
    return outcome


def _one_line(exc: CellError) -> str:
    """A command's failure in one line: what ran, and the last line it printed."""
    first = (str(exc).strip().splitlines() or [""])[0]
    tail = [line.strip() for line in str(getattr(exc, "tail", "")).splitlines() if line.strip()]
    return f"{first}: {tail[-1]}" if tail and tail[-1] not in first else first


def _install_and_test(wheels: list[Path], choice: SuiteChoice, python: Path, runner: CommandRunner, out: Path,
                      problems: list[Problem]) -> Outcome:
    name = wheels[0].name
    with contextlib.ExitStack() as venv:
        try:
            venv_py = venv.enter_context(installed(wheels, choice, python, runner, out))
        except CellError as exc:
            problems.append(Problem(member=name, rule="tests", detail=f"could not be installed here: {_one_line(exc)}"))
            return Outcome(why_not=f"its install failed (log: {runner.log})")
        try:
            tested = test_here(venv_py, choice, runner, out)
        except CommandTimedOut as exc:
            problems.append(Problem(member=name, rule="tests",
                                    detail=f"tests timed out after {choice.timeout:g} s (--test-timeout SECONDS "
                                           "changes it): the suite and every process it started were ended "
                                           f"(log: {exc.log})"))
            return Outcome(why_not=f"they timed out after {choice.timeout:g} s")
        except CellError as exc:
            problems.append(Problem(member=name, rule="tests", detail=_one_line(exc)))
            return Outcome(why_not=f"they did not run to the end: {_one_line(exc)}")
    counts = tested.counts
    if tested.missing_fixtures:
        named = ", ".join(f"{fixture} ({count})" for fixture, count in sorted(tested.missing_fixtures.items()))
        problems.append(Problem(member=name, rule="tests", warning=True,
                                detail=f"{sum(tested.missing_fixtures.values())} test(s) ask for fixtures nothing here "
                                       f"defines: {named}; they need a pytest plugin the wheel does not declare, "
                                       "and are counted as skipped"))
    if not tested.shipped_tests:
        problems.append(Problem(member=name, rule="tests", warning=True,
                                detail=f"ships no tests (pytest found none in {' '.join(choice.args) or 'it'}): "
                                       f"each top-level module was imported instead ({', '.join(choice.modules)})"))
    elif counts.failed or counts.errors or not counts.passed:
        problems.append(Problem(member=name, rule="tests",
                                detail=f"{counts.passed} passed, {counts.failed} failed, {counts.errors} errors "
                                       f"(junit in {out})"))
    return Outcome(tests=counts, runtime=tested.runtime)


def verify_wheel(wheel: Path, pair: SplitPair | None, options: VerifyOptions) -> VerifyRecord:
    """Check ``wheel`` and write its record, holding the lock on its results folder (as a
    cell holds its own): ``nox -s clean`` refuses while it is held, and a second verify of
    the same wheel waits. The record says "unfinished" until the checks end."""
    digest = sha256_file(wheel)
    # Two inputs can share a file name (a full wheel and the runtime wheel of a split pair).
    out = record_folder(options.out_root, wheel.name, digest)
    out.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(out, options.say):
        write_atomically(out / "verify.json", unfinished_record(wheel, digest, started_note()).to_json())
        try:
            record = _checked(wheel, digest, pair, options, out)
        except KeyboardInterrupt:
            why = "interrupted (Ctrl-C or a signal) before its checks ended; every process they started was ended"
            write_atomically(out / "verify.json", unfinished_record(wheel, digest, why).to_json())
            raise
        write_atomically(out / "verify.json", record.to_json())
        _say_record(record, options.say)
    return record


def _checked(wheel: Path, digest: str, pair: SplitPair | None, options: VerifyOptions, out: Path) -> VerifyRecord:
    started = time.monotonic()
    structure = archive_problems(wheel)
    if any(not p.warning for p in structure):
        findings = Findings(platforms=[], problems=[], libraries=[], blas=StaticBlas(), binaries=0)
        pair = None  # nothing else of it is read
    else:
        findings = inspect_wheel(wheel)
    problems = [*structure, *findings.problems]
    if pair is not None and wheel == pair.tests:
        problems += pair_problems(pair)
    inspected = time.monotonic()
    outcome = _run_here(wheel, pair, findings, options, out, problems)
    other = None if pair is None else (pair.tests if wheel == pair.runtime else pair.runtime).name
    ran_anyway = options.run_anyway and outcome.tests is not None and any(not p.warning for p in problems)
    log = out / "verify.log"
    return make_record(wheel, digest, findings, problems, outcome, split_pair=other,
                       durations={"inspect": round(inspected - started, 3),
                                  "tests": round(time.monotonic() - inspected, 3)},
                       log=log if log.exists() else None, ran_anyway=ran_anyway)


def _unreadable(wheel: Path, exc: Exception, out_root: Path) -> VerifyRecord:
    """The record of a wheel whose checks broke on something verify did not expect,
    written like any other (a file that is not a regular one is never read, so not hashed)."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    problem = VerifyProblem(member=shown(wheel.name), rule="archive",
                            detail=shown(f"could not be read: {type(exc).__name__}: {first_line}"))
    regular = wheel.is_file() and stat.S_ISREG(wheel.stat().st_mode)
    record = VerifyRecord(wheel=shown(wheel.name), sha256=sha256_file(wheel) if regular else "",
                          path=shown(str(wheel)), problems=[problem], tests_skipped_because="it could not be read")
    out = record_folder(out_root, wheel.name, record.sha256)
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "verify.json", record.to_json())
    return record


def _say_record(record: VerifyRecord, say: Callable[[str], None]) -> None:
    """The wheel's verdict in a few lines; every text in a record is escaped already."""
    blas, tests = record.blas, record.tests
    if tests is None:
        ran = f"not run: {record.tests_skipped_because}"
    elif tests.suite == "import":
        ran = f"none shipped; {tests.passed} top-level module(s) imported"
    else:
        ran = f"{tests.passed} passed, {tests.failed} failed"
    say(f"    {record.status}: {record.binaries} binaries; BLAS {blas.name or 'none'}"
        f"{f' ({blas.int_size}-bit)' if blas.int_size else ''}{' bundled' if blas.bundled else ''}; tests {ran}")
    for problem in record.problems[:20]:
        say(f"    problem: {problem.member}: [{problem.rule}] {problem.detail}")
    for warning in record.warnings[:5]:
        say(f"    warning: {warning.member}: [{warning.rule}] {warning.detail}")


def verify_wheels(wheels: list[Path], options: VerifyOptions) -> list[VerifyRecord]:
    """Every wheel checked, whatever the others are: a file that is no wheel at all is a
    failed record of its own, and a summary line ends the run."""
    pairs = find_pairs([w for w in wheels if w.is_file() and stat.S_ISREG(w.stat().st_mode)
                        and not any(not p.warning for p in archive_problems(w))])
    pair_of = {w: p for p in pairs for w in (p.runtime, p.tests)}
    full_wheels = {p.full for p in pairs if p.full is not None}
    records = []
    for index, wheel in enumerate(wheels, 1):
        options.say(f"[{index}/{len(wheels)}] verify {shown(wheel.name)}")
        try:
            if not wheel.is_file() or not stat.S_ISREG(wheel.stat().st_mode):
                raise OSError("not a regular file (a folder, a FIFO or a device is never read)")
            record = verify_wheel(wheel, None if wheel in full_wheels else pair_of.get(wheel), options)
        except Exception as exc:  # one wheel verify cannot read must not stop the others
            record = _unreadable(wheel, exc, options.out_root)
            _say_record(record, options.say)
        records.append(record)
    options.say(summary(records))
    return records


def summary(records: list[VerifyRecord]) -> str:
    """``N of M wheels passed``, then the wheels that failed and those verify could not read whole."""
    failed = [r.wheel for r in records if r.status not in (PASSED, INCOMPLETE)]
    incomplete = [r.wheel for r in records if r.status == INCOMPLETE]
    passed = len(records) - len(failed) - len(incomplete)
    return (f"{passed} of {len(records)} wheels passed" + (f"; failed: {', '.join(failed)}" if failed else "")
            + (f"; incomplete (not all of it could be read): {', '.join(incomplete)}" if incomplete else ""))
