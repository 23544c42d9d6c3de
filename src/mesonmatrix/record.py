"""The result record each cell writes: typed sub-records, one JSON file, written atomically.

Location: ``<workspace>/results/<target>/<session>/result.json`` (the workspace is
``.matrix/`` in the project root unless MESONMATRIX_HOME says otherwise). The pipeline
assembles a record once, from its stages' results; ``load_record`` reads one back into
the same types for the report.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from .model import BUILD, FAILED, INSTALL_PLAN, CellKind, InstallTagSet, PackageFormat, Role, Status, TagWheelMethod


@dataclass(frozen=True, kw_only=True)
class WheelInfo:
    role: Role
    path: str
    size: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class RepairInfo:
    tool: str
    tag: str | None = None  # the platform policy the repaired wheel meets (manylinux_…), if the tool has one
    grafted: list[str] = field(default_factory=list)
    reused: bool = False  # every repaired wheel came from the repair store (nothing changed since)
    derived: list[str] = field(default_factory=list)  # roles cut from the repaired full wheel, not repaired


@dataclass(frozen=True, kw_only=True)
class TestCounts:
    __test__ = False  # a record, not a test class for pytest to collect
    suite: str = ""  # the target's test-suite preset (smoke, fast, full …)
    source: str = "shipped"  # "shipped" (full wheel), "tests-wheel" (split) or "smoke" (runtime)
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0


@dataclass(frozen=True, kw_only=True)
class BlasRuntime:
    """Which BLAS the installed extension really called, as the probe found it."""

    name: str | None = None  # openblas, netlib, blis, mkl, accelerate; None when none was found
    library: str | None = None
    int_size: int | None = None
    symbol: str | None = None  # the GEMM symbol the extension binds to
    extension: str | None = None  # the extension module it was found through
    threadpoolctl: list[str] = field(default_factory=list)  # the second opinion


@dataclass(frozen=True, kw_only=True)
class CompilerCache:
    tool: str = "ccache"
    hits: int = 0
    misses: int = 0
    uncached: int = 0
    hit_rate: float = 0.0


@dataclass(frozen=True, kw_only=True)
class PartitionRecord:
    ok: bool
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    tests_files: int = 0


@dataclass(frozen=True, kw_only=True)
class LockRef:
    path: str  # relative to the project root
    sha256: str


@dataclass(frozen=True, kw_only=True)
class Locks:
    build: LockRef | None = None  # None: toolchain-min (lowest-direct, never locked) or unlocked
    test: LockRef | None = None
    unlocked: bool = False  # --unlocked: requirements were resolved at run time, by request


@dataclass(frozen=True, kw_only=True)
class FloorRecord:
    compiler: str
    proposed: str
    enforced: str | None
    agrees: bool
    verdict: str


@dataclass(frozen=True, kw_only=True)
class CompilerUsed:
    id: str
    version: str
    command: str


@dataclass(frozen=True, kw_only=True)
class ToolchainRecord:
    """toolchain-min cells: compilers asked for and used, build deps, the floor check."""

    requested: dict[str, str] = field(default_factory=dict)  # CC/CXX/FC
    rejected: bool = False  # configure stopped on the target's own compiler check
    floor: FloorRecord | None = None
    used: dict[str, CompilerUsed] = field(default_factory=dict)  # per language, from meson's introspection
    build_deps: dict[str, str] = field(default_factory=dict)  # name -> resolved version


@dataclass(frozen=True, kw_only=True)
class LintianRecord:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RelocatedRecord:
    file: str  # the path inside the package
    old: str  # its RUNPATH as built
    new: str  # as packaged ("" when removed)


@dataclass(frozen=True, kw_only=True)
class PackageRecord:
    """deb, rpm and conda cells: the package made from the built wheel."""

    format: PackageFormat  # deb, rpm or conda
    path: str
    size: int
    sha256: str
    depends: list[str] = field(default_factory=list)
    lintian: LintianRecord | None = None  # deb only
    rpmlint: LintianRecord | None = None  # rpm only: rpmlint's errors and warnings
    provides: list[str] = field(default_factory=list)  # rpm: what the package provides (rpm -qp --provides)
    relocated: list[RelocatedRecord] = field(default_factory=list)
    files: int = 0  # files in the package's payload
    tests_skipped_because: str | None = None  # why the package's tests did not run (conda: no channel here)


@dataclass(frozen=True, kw_only=True)
class BoundRetry:
    """A failed loosened cell built once more with the likely culprit's bound restored."""

    restored: str  # the original requirement put back
    status: Status  # that build's status: "passed" means the loosened dependency broke the build
    error: str | None = None
    verdict: str = ""


@dataclass(frozen=True, kw_only=True)
class BuildDepsRecord:
    """loosened cells: which upper bounds were dropped and what resolved."""

    loosened: list[str] = field(default_factory=list)  # original requirement strings whose bounds were dropped
    kept: dict[str, str] = field(default_factory=dict)  # original requirement string -> why its bound stays
    resolved: dict[str, str] = field(default_factory=dict)  # name -> version in the build env
    above_bounds: dict[str, str] = field(default_factory=dict)  # name -> "version, above <original specifier>"
    likely_culprit: str | None = None  # for a failure: the dependency most likely behind it
    retry: BoundRetry | None = None


@dataclass(frozen=True, kw_only=True)
class TestSetup:
    """How the project's own test settings were followed: which keys (its
    [tool.cibuildwheel] options with the table they came from, its pytest configuration)
    and which it has that were not, with why."""

    __test__ = False  # a record, not a test class for pytest to collect
    honoured: list[str] = field(default_factory=list)
    not_honoured: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ResultRecord:
    session: str
    target: str
    python: str
    blas: str
    platform: str
    system_libraries: str
    install_tags: InstallTagSet
    kind: CellKind = BUILD
    status: Status = FAILED
    error: str | None = None
    matrix_file: str = ""
    target_version: str | None = None
    target_declares_blas: bool | None = None  # False: no BLAS option, so no BLAS is built in or checked
    python_executable: str | None = None
    wheels: list[WheelInfo] = field(default_factory=list)
    built_wheels: list[WheelInfo] = field(default_factory=list)
    repair: RepairInfo | None = None
    tests: TestCounts | None = field(default_factory=TestCounts)  # None: cannot run here (conda cells)
    blas_runtime: BlasRuntime | None = None
    test_setup: TestSetup | None = None  # the project's own test settings, as followed
    system_components: dict[str, str] = field(default_factory=dict)
    build_dir: str | None = None
    build_env: str | None = None
    build_reused: bool = False  # every wheel came from the store: nothing was compiled
    build_seeded_from: str | None = None  # a new build dir started as a copy of this sibling flavour's
    linked_blas: list[str] = field(default_factory=list)  # BLAS libraries the built wheel's binaries load
    compiler_cache: CompilerCache | None = None  # ccache hits/misses of this cell's compile, when meson used it
    tag_wheels: TagWheelMethod = INSTALL_PLAN
    setup_args: list[str] = field(default_factory=list)
    source_date_epoch: int | None = None
    partition: PartitionRecord | None = None
    locks: Locks = field(default_factory=Locks)  # build/test: lock file path and sha256, or None
    toolchain: ToolchainRecord | None = None
    build_deps: BuildDepsRecord | None = None  # loosened cells
    package: PackageRecord | None = None  # deb and conda cells
    durations: dict[str, float] = field(default_factory=dict)
    log: str | None = None
    started: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"


@dataclass(frozen=True, kw_only=True)
class VerifyProblem:
    member: str  # the wheel member (or the wheel itself) the problem is about
    rule: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class VerifyBlas:
    """The BLAS a wheel binds to, read from its binaries (``nox -s verify``)."""

    name: str | None = None  # openblas, accelerate, mkl, blis, netlib, static; None: no BLAS
    int_size: int | None = None
    library: str | None = None
    bundled: bool = False


@dataclass(frozen=True, kw_only=True)
class VerifyLibrary:
    name: str
    provided_by: str  # "wheel", "system" or "missing"
    path: str | None = None
    needed_by: list[str] = field(default_factory=list)
    via: str | None = None  # how a bundled library reaches the loader (a folder on the DLL path, a preload)


@dataclass(frozen=True, kw_only=True)
class VerifyRecord:
    """One wheel checked by ``nox -s verify``, wherever it was built."""

    wheel: str  # its file name
    sha256: str
    path: str
    kind: str = "verify"
    status: Status = FAILED  # "passed" or "failed"
    platform_tags: list[str] = field(default_factory=list)
    problems: list[VerifyProblem] = field(default_factory=list)
    warnings: list[VerifyProblem] = field(default_factory=list)  # found, but the wheel still loads and runs
    blas: VerifyBlas = field(default_factory=VerifyBlas)
    external_libraries: list[VerifyLibrary] = field(default_factory=list)
    binaries: int = 0
    split_pair: str | None = None  # the other wheel of a runtime + tests pair
    tests: TestCounts | None = None  # None: not run here (another platform, or no Python for it)
    tests_skipped_because: str | None = None
    blas_runtime: BlasRuntime | None = None
    log: str | None = None
    durations: dict[str, float] = field(default_factory=dict)
    ran_anyway: bool = False  # its static checks failed, and --run-anyway installed and tested it all the same

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


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


class RecordError(ValueError):
    """A JSON file that is not a result record of this tool."""


def load_record(path: Path) -> ResultRecord:
    """Read a record back into its types; raises RecordError for anything else."""
    try:
        data: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or "session" not in data:
        raise RecordError(f"{path}: not a result record")
    try:
        return _build(ResultRecord, data)
    except (TypeError, KeyError) as exc:
        raise RecordError(f"{path}: {exc}") from None


_T = TypeVar("_T")


def load_verify_record(path: Path) -> VerifyRecord:
    """A record that ``nox -s verify`` wrote; raises RecordError for anything else."""
    try:
        data: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != "verify":
        raise RecordError(f"{path}: not a verify record")
    try:
        return _build(VerifyRecord, data)
    except (TypeError, KeyError) as exc:
        raise RecordError(f"{path}: {exc}") from None


def _build(cls: type[_T], data: dict[str, object]) -> _T:
    """A dataclass from its ``asdict`` form; keys it does not know are ignored, so a
    record written by a newer version still loads."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: _convert(hints[k], v) for k, v in data.items() if k in known})


def _convert(hint: object, value: object) -> object:
    """``value`` as the type ``hint`` names; TypeError when it is not of that shape, so a
    malformed record is refused as a whole instead of failing later, where it is read."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_convert(item, v) for v in _checked(value, list)]
    if origin is dict:
        _key, item = typing.get_args(hint)
        return {str(k): _convert(item, v) for k, v in _checked(value, dict).items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, _checked(value, dict))
    if hint is float:
        return float(_checked(value, (int, float)))
    if origin is Literal:
        # A closed set of names (kind, status, role …): one of its type, whatever its value,
        # so that a record written by a newer version with a new value still loads.
        return _checked(value, type(typing.get_args(hint)[0]))
    if isinstance(hint, type):
        return _checked(value, hint)
    return value


def _checked(value: object, kind: type[_T] | tuple[type, ...]) -> _T:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind}, got {type(value).__name__} {value!r:.40}")
    return value  # type: ignore[return-value]
