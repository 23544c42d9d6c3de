"""``nox -s verify``'s work: every wheel given, checked statically, paired, and run here
when it can be; one ``VerifyRecord`` each."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..config.presets import TargetPreset
from ..errors import CellError
from ..machine.commands import CommandRunner
from ..record import BlasRuntime, TestCounts, VerifyBlas, VerifyLibrary, VerifyProblem, VerifyRecord, write_atomically
from ..wheels.files import sha256_file
from .archive import archive_problems
from .inspect import Findings, inspect_wheel
from .pairs import SplitPair, find_pairs, pair_problems
from .problems import Problem
from .runhere import runnable_python, suite_for, test_here
from .staticblas import StaticBlas


@dataclass(frozen=True, kw_only=True)
class VerifyOptions:
    out_root: Path  # records go to <out_root>/<wheel name>/<sha256 prefix>/verify.json
    presets: dict[str, TargetPreset]
    suite: str | None = None  # a preset's suite instead of its default
    run_tests: bool = True
    # Install and test a wheel even when its static checks failed (the record says so).
    run_anyway: bool = False
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
              problems: list[Problem]) -> tuple[TestCounts | None, BlasRuntime | None, str | None]:
    if not options.run_tests:
        return None, None, "not asked to (--no-tests)"
    failed = [p for p in problems if not p.warning]
    if failed and not options.run_anyway:
        return None, None, (f"its static checks failed ({failed[0].rule}: {failed[0].member}): a wheel that fails "
                            "them is never installed or run here (--run-anyway runs it all the same)")
    if failed:
        options.say("    static checks failed; installed and run all the same (--run-anyway)")
    if pair is not None and wheel == pair.tests:
        # The runtime wheel's record holds the pair's run: that wheel binds the BLAS.
        return None, None, f"tested with its runtime wheel, {pair.runtime.name}"
    python = runnable_python(wheel)
    if python is None:
        return None, None, "no Python on this machine can install it (another platform or Python)"
    distribution = wheel.name.split("-", 1)[0]
    choice = suite_for(distribution, options.presets, options.suite)
    wheels = [pair.runtime, pair.tests] if pair is not None else [wheel]
    runner = CommandRunner(log=out / "verify.log")
    options.say(f"    run here with Python {python[0]}: pytest --pyargs {' '.join(choice.args)}")
    try:
        counts, found = test_here(wheels, choice, python[1], runner, out)
    except CellError as exc:
        problems.append(Problem(member=wheel.name, rule="tests", detail=str(exc).splitlines()[0]))
        return None, None, None
    if counts.failed or counts.errors or not counts.passed:
        problems.append(Problem(member=wheel.name, rule="tests",
                                detail=f"{counts.passed} passed, {counts.failed} failed, {counts.errors} errors "
                                       f"(junit in {out})"))
    problems += _runtime_problems(found, findings, wheel.name)
    return counts, found, None


def _record(problem: Problem) -> VerifyProblem:
    return VerifyProblem(member=problem.member, rule=problem.rule, detail=problem.detail)


def verify_wheel(wheel: Path, pair: SplitPair | None, options: VerifyOptions) -> VerifyRecord:
    started = time.monotonic()
    digest = sha256_file(wheel)
    # Two inputs can share a file name (a full wheel and the runtime wheel of a split pair).
    out = options.out_root / wheel.name.removesuffix(".whl") / digest[:12]
    out.mkdir(parents=True, exist_ok=True)
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
    tests, runtime, why_not = _run_here(wheel, pair, findings, options, out, problems)
    errors = [p for p in problems if not p.warning]
    other = None if pair is None else (pair.tests if wheel == pair.runtime else pair.runtime).name
    record = VerifyRecord(
        wheel=wheel.name, sha256=digest, path=str(wheel), status="failed" if errors else "passed",
        platform_tags=findings.platforms, problems=[_record(p) for p in errors],
        warnings=[_record(p) for p in problems if p.warning],
        blas=VerifyBlas(**asdict(findings.blas)),
        external_libraries=[VerifyLibrary(**asdict(lib)) for lib in findings.libraries],
        binaries=findings.binaries, split_pair=other, tests=tests, tests_skipped_because=why_not,
        blas_runtime=runtime, log=str(out / "verify.log") if (out / "verify.log").exists() else None,
        durations={"inspect": round(inspected - started, 3), "tests": round(time.monotonic() - inspected, 3)},
        ran_anyway=options.run_anyway and tests is not None and bool(errors),
    )
    write_atomically(out / "verify.json", record.to_json())
    return record


def _unreadable(wheel: Path, exc: Exception, out_root: Path) -> VerifyRecord:
    """The record of a wheel whose checks broke on something verify did not expect,
    written like any other (a file that is not a regular one is never read, so not hashed)."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    problem = VerifyProblem(member=wheel.name, rule="archive",
                            detail=f"could not be read: {type(exc).__name__}: {first_line}")
    regular = wheel.is_file() and stat.S_ISREG(wheel.stat().st_mode)
    record = VerifyRecord(wheel=wheel.name, sha256=sha256_file(wheel) if regular else "", path=str(wheel),
                          problems=[problem], tests_skipped_because="it could not be read")
    out = out_root / wheel.name.removesuffix(".whl") / (record.sha256[:12] or "unread")
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "verify.json", record.to_json())
    return record


def verify_wheels(wheels: list[Path], options: VerifyOptions) -> list[VerifyRecord]:
    """Every wheel checked, whatever the others are: a file that is no wheel at all is a
    failed record of its own, and a summary line ends the run."""
    pairs = find_pairs([w for w in wheels if w.is_file() and stat.S_ISREG(w.stat().st_mode)
                        and not any(not p.warning for p in archive_problems(w))])
    pair_of = {w: p for p in pairs for w in (p.runtime, p.tests)}
    full_wheels = {p.full for p in pairs if p.full is not None}
    records = []
    for index, wheel in enumerate(wheels, 1):
        options.say(f"[{index}/{len(wheels)}] verify {wheel.name}")
        try:
            if not wheel.is_file() or not stat.S_ISREG(wheel.stat().st_mode):
                raise OSError("not a regular file (a folder, a FIFO or a device is never read)")
            record = verify_wheel(wheel, None if wheel in full_wheels else pair_of.get(wheel), options)
        except Exception as exc:  # one wheel verify cannot read must not stop the others
            record = _unreadable(wheel, exc, options.out_root)
        blas, tests = record.blas, record.tests
        ran = f"{tests.passed} passed, {tests.failed} failed" if tests else f"not run: {record.tests_skipped_because}"
        options.say(f"    {record.status}: {record.binaries} binaries; BLAS {blas.name or 'none'}"
                    f"{f' ({blas.int_size}-bit)' if blas.int_size else ''}"
                    f"{' bundled' if blas.bundled else ''}; tests {ran}")
        for problem in record.problems[:20]:
            options.say(f"    problem: {problem.member}: [{problem.rule}] {problem.detail}")
        for warning in record.warnings[:5]:
            options.say(f"    warning: {warning.member}: [{warning.rule}] {warning.detail}")
        records.append(record)
    failed = [r.wheel for r in records if r.status != "passed"]
    options.say(f"{len(records) - len(failed)} of {len(records)} wheels passed"
                + (f"; failed: {', '.join(failed)}" if failed else ""))
    return records
