"""Split pairs among the wheels given: a runtime wheel and its ``<name>-tests`` wheel.

Together they must hold the full build's files, each file once; the tests wheel must pin
exactly the runtime wheel's version, and the runtime wheel must install no test modules.
When the full wheel is among the inputs too (same file name, another folder), the pair
must partition it exactly (the same check the split cell makes after building).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from ..wheels.members import payload_files, stray_test_files, wheel_tags
from ..wheels.split import check_partition
from .problems import Problem


@dataclass(frozen=True, kw_only=True)
class SplitPair:
    runtime: Path
    tests: Path
    full: Path | None = None


def _key(wheel: Path) -> tuple[str, str, str]:
    """Name, version and Python/ABI tags: not the platform tags, which the repair tool
    chooses for each wheel of a pair by what it holds (a tests wheel with no compiled
    code of its own can get an older manylinux tag than its runtime wheel)."""
    name, version, _build, _tags = parse_wheel_filename(wheel.name)
    tags = wheel_tags(wheel.name)
    return str(name), str(version), f"{tags.python}-{tags.abi}"


def find_pairs(wheels: list[Path]) -> list[SplitPair]:
    by_key: dict[tuple[str, str, str], list[Path]] = {}
    for wheel in wheels:
        by_key.setdefault(_key(wheel), []).append(wheel)
    pairs = []
    for (name, version, tag), found in by_key.items():
        if not name.endswith("-tests"):
            continue
        runtimes = sorted(by_key.get((name.removesuffix("-tests"), version, tag), []),
                          key=lambda w: len(payload_files(w)))
        if runtimes:
            full = runtimes[-1] if len(runtimes) > 1 else None
            pairs.append(SplitPair(runtime=runtimes[0], tests=found[0], full=full))
    return pairs


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return HeaderParser().parsestr(archive.read(info).decode("utf-8")).get_all("Requires-Dist") or []


def pair_problems(pair: SplitPair) -> list[Problem]:
    name, version, _build, _tags = parse_wheel_filename(pair.runtime.name)
    problems = []
    pins = []
    for line in _requires(pair.tests):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == name:
            pins.append(str(requirement.specifier))
    if pins != [f"=={version}"]:
        problems.append(Problem(member=pair.tests.name, rule="split",
                                detail=f"Requires-Dist on {name} is {pins or 'missing'}, not =={version}"))
    shared = sorted(payload_files(pair.runtime) & payload_files(pair.tests))
    if shared:
        problems.append(Problem(member=shared[0], rule="split", detail=f"in both wheels ({len(shared)} files)"))
    stray = stray_test_files(pair.runtime)
    if stray:
        problems.append(Problem(member=stray[0], rule="split",
                                detail=f"the runtime wheel installs test modules ({len(stray)})"))
    if pair.full is not None:
        partition = check_partition(pair.full, pair.runtime, pair.tests)
        if not partition.ok:
            problems.append(Problem(member=pair.full.name, rule="split", detail=partition.describe()))
    return problems
