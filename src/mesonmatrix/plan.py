"""A cell's plan: what it will build, with which BLAS, env, build dir, repairer and
tests, and why it might not apply here — all decided before any command runs."""

from __future__ import annotations

import datetime
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .config.keys import CellSettings, cell_settings
from .lockfiles.channels import UpstreamPlan, upstream_plan
from .lockfiles.locks import (
    BUILD_TOOLS,
    TEST_TOOLS,
    build_lock_for,
    lock_covers,
    lock_problem,
    pins_digest,
    suite_lock_inputs,
    test_lock_for,
)
from .lockfiles.resolve import Indexes
from .machine.admission import DEFAULT_SUITE_MB, SuiteNeed, memory_for_workers, suite_need
from .machine.pythons import axis_version
from .machine.toolchain import Compilers
from .machine.workspace import BuildSlot, Workspace
from .model import (
    BUILD,
    FULL,
    INSTALL_PLAN,
    LOOSENED,
    RESOLVED_BUILD,
    ROLES_BY_TAG_SET,
    RUNTIME,
    SPLIT,
    TAG_WHEEL_METHODS,
    TOOLCHAIN_MIN,
    UNPACKED_AND_TESTED,
    WHEEL,
    Cell,
    Matrix,
    Role,
    TestMode,
)
from .options import RunOptions
from .platforms import PLATFORMS, Platform
from .providers import BlasProvider, provider_for
from .record import LockRef, Locks, RecordError, load_record
from .repairers import Repairer, repairer_for
from .targets.cibuildwheel import identifier, test_options
from .targets.pytestjobs import AUTO, MemoryFit, project_addopts, workers
from .targets.requirements import requirement_name
from .targets.target import Target
from .targets.testsource import TEST_EXTRAS, extra_requirements, group_requirements
from .targets.upperbounds import Loosening, loosen
from .wheels.members import sha256_file


@dataclass(frozen=True, kw_only=True)
class TestPlan:
    """How the installed wheels are tested: the installed suite with ``pytest --pyargs``,
    the project's test folder run from a copy (``pytest-dir``), the project's own
    cibuildwheel test commands (``commands``), or (for a runtime-only wheel, which ships
    no tests) an import smoke test."""

    __test__ = False  # a plan, not a test class for pytest to collect
    kind: TestMode
    suite: str
    suite_args: tuple[str, ...] = ()
    smoke: str = ""
    # Where the tests come from: "shipped", "tests-wheel", "smoke", or for tests outside
    # the package "preset", "cibuildwheel" or "tests-dir".
    source: str = "shipped"
    requirements: tuple[str, ...] = ()  # installed beside the wheels when no lock file covers them
    lock: Path | None = None
    copies: tuple[str, ...] = ()  # folders of the source tree copied out to run the tests from
    commands: tuple[tuple[str, ...], ...] = ()  # cibuildwheel's test commands ({project}, {package})
    before: tuple[tuple[str, ...], ...] = ()  # cibuildwheel's before-test commands
    environment: tuple[tuple[str, str], ...] = ()  # cibuildwheel's environment, then test-environment
    project_dir: Path | None = None  # {project} and {package}: the project's real source tree
    pytest_config: str | None = None  # the project's pytest configuration file, in its root
    honoured: tuple[str, ...] = ()  # the project's settings this plan follows
    not_honoured: tuple[str, ...] = ()  # settings the project has that are not followed here, and why
    xdist_args: tuple[str, ...] = ()  # added to pytest's arguments for test_jobs (``-n 2``)
    workers: int = 1  # processes running the suite at once (test_jobs, or the project's own -n)
    workers_why: str = ""  # who chose the workers, said in the cell log


@dataclass(frozen=True, kw_only=True)
class CellPlan:
    """What a cell will do, decided before any command runs."""

    cell: Cell
    target: Target
    provider: BlasProvider
    platform: Platform
    repairer: Repairer
    options: RunOptions  # what the command line asked for, held here and read by every stage
    workspace: Workspace
    build_key: str
    build_dir: Path
    wheel_store: Path  # built wheels, a folder per role
    repair_store: Path  # repaired wheels, a folder per role
    # Plain build cells: the path meson sees, shared by the flavours (store/buildslot.py).
    build_slot: BuildSlot | None
    build_env: Path
    pkg_config_dir: Path
    results_dir: Path
    test_venv: Path
    setup_args: tuple[str, ...]
    build_requirements: tuple[str, ...]
    roles: tuple[Role, ...]  # wheels the cell ships: full, or runtime (+ tests)
    tests: TestPlan
    compilers: Compilers = Compilers()  # set for toolchain-min cells
    lowest_build_deps: bool = False
    # loosened cells: the build requirements with their upper bounds dropped, and the copy
    # of the source tree whose pyproject.toml declares them (the build checks them).
    loosening: Loosening | None = None
    loosened_source: Path | None = None
    build_lock: Path | None = None  # None: no lock file, resolved at run time
    repairer_locked: bool = False  # the build lock pins the repair tool (a --repair-tool override may not be)
    locks: Locks = field(default_factory=Locks)
    # Its time limits and manylinux policy: the command line's, else the matrix file's, else
    # the preset's, else the defaults (config/keys.py).
    settings: CellSettings = field(default_factory=lambda: cell_settings())
    # What its test suite asks of the machine's memory before it starts (machine/admission.py).
    test_need: SuiteNeed = field(default_factory=lambda: suite_need(None, None))
    skip_reason: str | None = None  # set when the cell does not apply on this host or target
    lock_error: str | None = None  # set when a lock file is missing or stale (and --unlocked was not given)
    lock_notice: str | None = None  # set when the cell resolves its requirements unlocked
    # Cells of the latest, pre and oldest channels, and culprit steps: what the resolve
    # stage resolves before the build env is made (lockfiles/channels.py).
    upstream: UpstreamPlan | None = None

    @property
    def stages(self) -> tuple[StageName, ...]:
        """The stages this cell runs, in order: the pipeline runs these and no others."""
        wheel = self.cell.package == WHEEL
        listed: list[StageName] = ["resolve", "build_env"] if self.upstream else ["build_env"]
        if self.loosening is not None:
            listed.append("loosened")
        listed += ["build", "repair"] if wheel else ["build", "package"]
        if wheel and self.checks_partition:
            listed.append("partition")
        if self.options.run_tests and wheel:
            listed.append("test")
        elif self.options.run_tests and self.cell.package in UNPACKED_AND_TESTED:
            listed.append("packagetest")
        return tuple(listed)

    @property
    def indexes(self) -> Indexes:
        """The package indexes its envs resolve and install from."""
        return Indexes(index_url=self.settings.index_url, extra=self.settings.extra_index_urls)

    @property
    def manylinux(self) -> str | None:
        """The manylinux policy the cell's wheel must meet (2_28); None: the newest it meets."""
        return manylinux_policy(self.cell, self.settings)

    @property
    def source_dir(self) -> Path:
        """What the build compiles: the target's tree, or a loosened cell's copy of it."""
        return self.loosened_source or self.target.source_dir

    @property
    def checks_build_dependencies(self) -> bool:
        """Only a loosened cell builds with ``build``'s dependency check on: its copied
        pyproject.toml declares what its env holds. Every other cell's env holds locked
        versions that may differ from what a bare pyproject.toml asks for."""
        return self.loosening is not None

    @property
    def checks_partition(self) -> bool:
        """A split cell must prove its two wheels hold exactly the full wheel's files."""
        return self.cell.install_tags == SPLIT

    def build_roles(self) -> tuple[Role, ...]:
        """Wheels to build, in order. A cut tag set needs the full wheel first."""
        needs_full = self.checks_partition or self.options.tag_wheels == INSTALL_PLAN
        return (FULL, *(r for r in self.roles if r != FULL)) if needs_full else self.roles


def why_not_here(cell: Cell, target: Target, provider: BlasProvider, host: str) -> str | None:
    if cell.platform != host:
        return f"{cell.platform} cell on a {host} host: it runs on a {cell.platform} machine (the nightly CI has one)"
    if cell.platform not in provider.platforms:
        return f"BLAS {cell.blas} does not exist on {cell.platform}"
    spec = cell.system_libraries_spec
    if target.system_components is None:
        if spec.mode != "none" or spec.required:
            return f"{target.name} has no use-system-libraries option; only 'none' applies"
    else:
        unknown = spec.unsupported(target.system_components)
        if unknown:
            return (
                f"{target.name}'s use-system-libraries knows {', '.join(target.system_components) or 'no components'}, "
                f"not {', '.join(unknown)}"
            )
    return None


def _compilers(cell: Cell, target: Target, options: RunOptions) -> Compilers:
    """toolchain-min cells: the compilers proposed on the command line, else the target's declared floor."""
    if cell.kind != TOOLCHAIN_MIN:
        return Compilers()
    declared = target.toolchain_min
    return Compilers(
        cc=options.cc or declared.get("cc"), cxx=options.cxx or declared.get("cxx"), fc=options.fc or declared.get("fc")
    )


def _lock_ref(lock: Path | None, project_root: Path) -> LockRef | None:
    return LockRef(path=str(lock.relative_to(project_root)), sha256=sha256_file(lock)) if lock else None


@dataclass(frozen=True)
class _LockChoice:
    build: Path | None
    test: Path | None
    record: Locks
    error: str | None = None  # why the cell cannot run locked, with the command that fixes it
    notice: str | None = None  # said when the cell runs unlocked


def _choose_locks(cell: Cell, target: Target, options: RunOptions) -> _LockChoice:
    """The cell's lock files, each checked against the inputs it must have been compiled from.

    A stale lock always stops the cell, and so does a missing one for a target the matrices
    declare. A source tree or sdist given with ``--target`` that has no locks at all is
    resolved at run time, as ``--unlocked`` asks for explicitly; the record says so.
    """
    root = options.project_root
    # Lowest-direct resolution is what a toolchain-min cell tests, the newest versions what a
    # loosened cell does: neither build is locked.
    locked = cell.kind not in (TOOLCHAIN_MIN, LOOSENED)
    if cell.deps in RESOLVED_BUILD:  # resolved at run time; the locks, where current, measure the drift
        return _LockChoice(build=None, test=None, record=Locks(unlocked=True))
    # The distro's Python is locked as the version it is here (py3.11-… on Debian 12).
    python = axis_version(cell.python)
    build_lock = build_lock_for(root, target, python, cell.blas) if locked else None
    test_lock = test_lock_for(root, target, python)
    checks = [lock for lock in (build_lock, test_lock) if lock is not None]
    build, test = (build_lock[0] if build_lock else None), test_lock[0]
    command = shlex.join(["nox", "-s", "lock", "--", options.target or cell.target])
    if options.unlocked or (not target.from_preset and not any(p and p.is_file() for p in (build, test))):
        why = "--unlocked" if options.unlocked else f"{target.name} has no locks yet"
        return _LockChoice(build=None, test=None, record=Locks(unlocked=True),
                           notice=f"unlocked ({why}): requirements are resolved now; `{command}` writes locks")
    problems = [problem for lock, inputs in checks if (problem := lock_problem(lock, inputs))]
    if problems:
        return _LockChoice(build=None, test=None, record=Locks(),
                           error=f"{'; '.join(problems)} (in {test.parent}): run `{command}` to write the locks, "
                                 "or pass --unlocked to resolve the requirements at run time")
    record = Locks(build=_lock_ref(build, root), test=_lock_ref(test, root))
    return _LockChoice(build=build, test=test, record=record)


def _current_locks(cell: Cell, target: Target, options: RunOptions) -> Locks:
    """The locks a latest or pre cell's drift is measured against: those that exist and are
    current (a stale lock pins what the project no longer asks for)."""
    root, python = options.project_root, axis_version(cell.python)  # the distro's Python: its version
    build, build_inputs = build_lock_for(root, target, python, cell.blas)
    test, test_inputs = test_lock_for(root, target, python)
    return Locks(build=None if lock_problem(build, build_inputs) else _lock_ref(build, root),
                 test=None if lock_problem(test, test_inputs) else _lock_ref(test, root))


def _check_tag_wheels(options: RunOptions) -> None:
    if options.tag_wheels not in TAG_WHEEL_METHODS:
        raise ValueError(f"tag_wheels must be one of {', '.join(TAG_WHEEL_METHODS)}, not {options.tag_wheels!r}")


def _results_and_venv(workspace: Workspace, folder: str, cell: Cell, options: RunOptions,
                      retry: bool) -> tuple[Path, Path]:
    """Where a run's record and test venv go: the cell's own; a loosened cell's second
    attempt beside them (``retry/``); a culprit step's in ``culprit/<step>/``, its build in
    the cell's build dir (an incremental build, or the stored wheel)."""
    results, venv = workspace.results_dir(folder, cell), workspace.test_venv(folder, cell)
    if retry:
        return results / "retry", Path(f"{venv}-retry")
    if options.culprit_step is not None:
        return results / "culprit" / options.culprit_step.name, Path(f"{venv}-culprit-{options.culprit_step.name}")
    return results, venv


def _upstream(cell: Cell, target: Target, options: RunOptions, locks: Locks, settings: CellSettings,
              results_dir: Path, requirements: list[str], tests: TestPlan) -> UpstreamPlan | None:
    """What the resolve stage resolves for this cell, into its results folder's ``resolved/``."""
    root = options.project_root
    indexes = Indexes(index_url=settings.index_url, extra=settings.extra_index_urls)
    if cell.deps in RESOLVED_BUILD:
        locks = _current_locks(cell, target, options)

    def lock(ref: LockRef | None) -> Path | None:
        return root / ref.path if ref else None

    return upstream_plan(cell.deps, indexes, results_dir / "resolved",
                         build=(tuple(requirements), lock(locks.build)),
                         test=(tuple(sorted({*suite_lock_inputs(target), *tests.requirements})), lock(locks.test)),
                         runtime=target.runtime_requires, step=options.culprit_step)


def _test_plan(cell: Cell, target: Target, options: RunOptions, lock: Path | None) -> TestPlan:
    suite = options.suite or target.default_suite
    suite_args = target.suite_args(options.suite)  # an unknown --suite is an error for every cell
    if cell.install_tags == RUNTIME:
        return TestPlan(
            kind="smoke", suite=suite, smoke=target.smoke, source="smoke", requirements=TEST_TOOLS, lock=lock
        )
    requirements = (*target.test_requires, *TEST_TOOLS)
    found = target.tests
    config = (f"{target.pytest_config} (pytest's configuration, from the project's root)",) \
        if target.pytest_config else ()
    if found.origin == "cibuildwheel":
        return _cibuildwheel_plan(cell, target, suite, lock, config)
    if found.outside_the_package:
        return TestPlan(kind="pytest-dir", suite=suite, suite_args=suite_args, source=found.origin,
                        requirements=requirements, lock=lock, copies=found.copies, project_dir=target.source_dir,
                        pytest_config=target.pytest_config, honoured=config)
    honoured, not_honoured = installed_suite_setup(target)
    return TestPlan(kind="pytest", suite=suite, suite_args=suite_args,
                    source="tests-wheel" if cell.install_tags == SPLIT else "shipped",
                    requirements=requirements, lock=lock, honoured=honoured, not_honoured=not_honoured)


def installed_suite_setup(target: Target) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What of the project's own test settings an installed suite (``pytest --pyargs`` from
    an empty folder) follows and what it does not, with why: test_setup said nothing for a
    project with [tool.pytest.ini_options] and a test dependency group."""
    honoured = [f"test requirements: {', '.join(target.test_requires)}"]
    not_honoured = []
    if target.pytest_config:
        not_honoured.append(f"{target.pytest_config}: pytest's configuration is not read by the installed suite "
                            "(run with --pyargs from an empty folder, as a user of the wheel runs it)")
    for kind, table in (("dependency-groups", target.dependency_groups),
                        ("project.optional-dependencies", target.optional_dependencies)):
        for name in (n for n in TEST_EXTRAS if n in table):
            not_honoured.append(f"{kind}.{name}: not installed (the test requirements are "
                                f"{', '.join(target.test_requires)}; a preset's test_requires names others)")
    return tuple(honoured), tuple(not_honoured)


def _cibuildwheel_plan(cell: Cell, target: Target, suite: str, lock: Path | None,
                       config: tuple[str, ...]) -> TestPlan:
    """The project's cibuildwheel test settings as they apply to this cell's build identifier."""
    platform = PLATFORMS[cell.platform]

    def requirements_of(kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
        if kind == "groups":
            return group_requirements(target.dependency_groups, names)
        project = {"name": target.project_name, "optional-dependencies": target.optional_dependencies}
        return extra_requirements(project, names)

    build = identifier(axis_version(cell.python), platform.cibuildwheel_tag)
    found = test_options(target.cibuildwheel, platform=platform.cibuildwheel_platform, build=build,
                         requirements_of=requirements_of)
    if found is None or found.skipped_by:
        why = f"test-skip {found.skipped_by!r} matches {build}" if found else f"no test-command applies to {build}"
        return TestPlan(kind="smoke", suite=suite, smoke=target.smoke, source=f"smoke ({why})",
                        requirements=TEST_TOOLS, lock=lock)
    requires = (*found.requires, *TEST_TOOLS)
    return TestPlan(kind="commands", suite=suite, source="cibuildwheel", lock=lock,
                    requirements=requires if any(requirement_name(r) == "pytest" for r in requires)
                    else (*requires, "pytest"),
                    copies=found.sources, commands=found.commands, before=found.before,
                    environment=found.environment, project_dir=target.source_dir,
                    honoured=(*found.honoured, *config), not_honoured=found.not_honoured)


def _provider_of(cell: Cell, target: Target) -> BlasProvider:
    return provider_for(cell.blas, target_declares_blas=target.declares_blas,
                        pkg_config=target.blas_pkgconfig.get(cell.blas))


def _pkg_config_layout(target: Target, flavour: str) -> str:
    """The preset's own pkg-config names for ``flavour`` (module=package, sorted), or ""."""
    return ",".join(f"{m}={p}" for m, p in sorted(target.blas_pkgconfig.get(flavour, {}).items()))


def _blas_setup(cell: Cell, target: Target, provider: BlasProvider) -> tuple[tuple[str, ...], str | None]:
    """The meson options that select the cell's BLAS, and why the cell cannot apply.

    A preset's own options for a flavour are passed as they are; otherwise each option
    the provider would pass goes in only when the target declares it. A flavour that
    needs an option the target lacks (ILP64 without ``use-ilp64``) does not apply.
    """
    if cell.blas in target.blas_args:
        return target.blas_args[cell.blas], None
    args = []
    for arg in provider.setup_args():
        option = arg.removeprefix("-D").split("=", 1)[0]
        if option in target.meson_options:
            args.append(arg)
        elif option == "use-ilp64":
            return (), f"{target.name} declares no use-ilp64 option: the ILP64 flavour {cell.blas} does not apply"
    return tuple(args), None


def _skip(cell: Cell, target: Target, provider: BlasProvider, options: RunOptions, blas_reason: str | None,
          covering: Cell, compilers: Compilers) -> str | None:
    """Why the cell does not apply here, if it does not."""
    reason = why_not_here(cell, target, provider, options.host_platform) or blas_reason
    if reason is None and not target.admits_python(axis_version(cell.python)):
        # As `nox -s lock` leaves such a Python out: the cell is not one of the target's.
        reason = (f"{target.project_name} {target.version} requires Python {target.requires_python}: "
                  f"Python {cell.python} is not one of its Pythons")
    if reason is None and cell.install_tags == SPLIT and target.tests.outside_the_package:
        reason = (f"{target.name} keeps its tests outside the package ({target.tests.origin}): a tests wheel "
                  "would hold none, so the split cell does not apply")
    if reason is None and not target.declares_blas and covering.session_name != cell.session_name:
        reason = f"{target.name} declares no BLAS option: {covering.session_name} builds and tests the same wheel"
    if reason is None and cell.kind == TOOLCHAIN_MIN and not compilers.commands():
        reason = f"target {target.name} declares no toolchain_min and no --cc/--cxx/--fc was given"
    return reason


def _loosening(cell: Cell, target: Target, options: RunOptions) -> Loosening | None:
    if cell.kind != LOOSENED:
        return None
    asked = "kept on request (--keep-bound), to see whether it caused a failure"
    keep = {**target.loosened_keep, **{name: asked for name in options.keep_bounds}}
    return loosen(target.build_requires, keep)


def _build_env_inputs(cell: Cell, target: Target, tools: tuple[str, ...], loosening: Loosening | None,
                      locks: _LockChoice) -> tuple[list[str], list[str]]:
    """The build env's requirements, and the key of its path."""
    declared = loosening.requirements if loosening else target.build_requires
    requirements = sorted({*BUILD_TOOLS, *declared, *tools})
    if cell.kind == TOOLCHAIN_MIN:
        requirements = sorted({*requirements, *target.toolchain_min_requires})
    # The env's path is keyed by what is asked for and by the lock that pins it: envs are
    # shared by every checkout on the machine (their path is in each extension's RUNPATH,
    # so it must not depend on the checkout), and two checkouts with different locks
    # installing into one env in turn would tear it under each other's builds.
    pinned = [f"pins={pins_digest(locks.build)}"] if locks.build else []
    # A loosened env asks for the newest versions: resolved again each day, not kept forever.
    newest = f"resolution=newest-{datetime.date.today().isoformat()}"
    resolution = {TOOLCHAIN_MIN: ["resolution=lowest-direct"], LOOSENED: [newest]}
    if cell.deps in RESOLVED_BUILD:
        # Resolved afresh on every run: the env is remade when what uv resolves changes (its
        # stamp holds what the resolved file pins), and kept apart from the locked cells' env.
        return requirements, [*requirements, f"deps={cell.deps}"]
    return requirements, [*requirements, *resolution.get(cell.kind, pinned)]


# The stages a cell may run (stages/), by name: CellPlan.stages lists a cell's own.
StageName = Literal["resolve", "build_env", "loosened", "build", "repair", "package", "partition", "test",
                    "packagetest"]


def manylinux_policy(cell: Cell, settings: CellSettings) -> str | None:
    """The policy a cell's wheel must meet, decided here once: the settings' (the command
    line's, else the matrix file's, else the preset's) for a wheel of a platform a manylinux
    policy applies to; a .deb, .rpm or .conda is the distribution's, built on its runner."""
    return settings.manylinux if PLATFORMS[cell.platform].manylinux and cell.package == WHEEL else None


def plan_cell(cell: Cell, target: Target, workspace: Workspace, options: RunOptions, *,
              matrix: Matrix | None = None, retry: bool = False) -> CellPlan:
    """``matrix`` names the cell that covers its BLAS siblings for a target without BLAS.
    ``retry``: the second attempt of a failed loosened cell (``plan_retry``), which builds
    beside the first (its own build dir, venv, source copy and ``retry/`` results)."""
    _check_tag_wheels(options)
    provider, platform = _provider_of(cell, target), PLATFORMS[cell.platform]
    repairer = repairer_for(platform, options.repair_tool)
    compilers = _compilers(cell, target, options)
    key = workspace.build_key(cell, target.name, target.source_dir) + ("" if cell.kind == BUILD else f"-{cell.kind}")
    loosening = _loosening(cell, target, options)
    blas_args, blas_reason = _blas_setup(cell, target, provider)
    system = (f"-Duse-system-libraries={cell.system_libraries_spec.meson_value}",) \
        if target.system_components is not None else ()
    locks = _choose_locks(cell, target, options)
    requirements, env_key = _build_env_inputs(cell, target, (*provider.build_requirements(), *repairer.requirements),
                                              loosening, locks)
    build_env = workspace.build_env(cell.python, env_key)
    reason = _skip(cell, target, provider, options, blas_reason, matrix.covering_cell(cell) if matrix else cell,
                   compilers)
    attempt = "-retry" if retry else ""
    results_dir, test_venv = _results_and_venv(workspace, workspace.target_folder(target.name, target.source_dir),
                                               cell, options, retry)
    settings = cell_settings(options.settings, cell.settings, target.settings)
    tests = _with_workers(_test_plan(cell, target, options, locks.test), target, settings, results_dir)
    return CellPlan(
        cell=cell,
        target=target,
        options=options,
        workspace=workspace,
        provider=provider,
        platform=platform,
        repairer=repairer,
        build_key=key,
        build_dir=Path(f"{workspace.build_dir(key)}{attempt}"),
        wheel_store=workspace.wheel_store(key),
        repair_store=workspace.repair_store(key),
        build_slot=workspace.build_slot(cell, target.name, target.source_dir) if cell.kind == BUILD else None,
        build_env=build_env,
        pkg_config_dir=workspace.pkg_config_dir(build_env, cell.blas, _pkg_config_layout(target, cell.blas)),
        results_dir=results_dir,
        test_venv=test_venv,
        setup_args=(*blas_args, *target.setup_args, *system),
        build_requirements=tuple(requirements),
        roles=ROLES_BY_TAG_SET[cell.install_tags],
        tests=tests,
        compilers=compilers,
        lowest_build_deps=cell.kind == TOOLCHAIN_MIN,
        loosening=loosening,
        loosened_source=workspace.root / "loosened-sources" / f"{key}{attempt}" if loosening else None,
        build_lock=locks.build,
        repairer_locked=locks.build is not None and lock_covers(locks.build, repairer),
        locks=locks.record,
        lock_error=locks.error,
        lock_notice=locks.notice,
        upstream=_upstream(cell, target, options, locks.record, settings, results_dir, requirements, tests),
        settings=settings,
        test_need=_test_need(results_dir, tests.suite, settings, tests.workers),
        skip_reason=reason,
    )


def last_test_peak(results_dir: Path, suite: str) -> float | None:
    """The largest process (MB) of the last run's tests in ``results_dir``, when that run
    tested the same suite; a stage that stayed within the tool's own size recorded no
    figure of its own, and the tool's size bounds it. None: no such run."""
    try:
        last = load_record(results_dir / "result.json")
    except RecordError:
        return None
    if last.tests is None or last.tests.suite != suite or "test" not in last.durations:
        return None
    return last.peak_rss_mb.get("test", last.peak_rss_mb.get("tool"))


def _test_need(results_dir: Path, suite: str, settings: CellSettings, workers: int = 1) -> SuiteNeed:
    """Each pytest-xdist worker may reach the per-process peak the last run recorded."""
    return suite_need(last_test_peak(results_dir, suite), settings.test_memory_mb, settings.test_admission,
                      workers=workers)


def _worker_need(results_dir: Path, suite: str, settings: CellSettings) -> tuple[float, str]:
    """What one worker may reach, for deciding how many fit: the larger of the last run's
    peak and the declared ``test_memory`` (a short or failed run's small peak must not undo
    the declaration that keeps NumPy's whole suite in one process)."""
    recorded, declared = last_test_peak(results_dir, suite), settings.test_memory_mb
    if recorded is not None and (declared is None or recorded >= declared):
        return recorded, "its last run's peak"
    if declared is not None:
        return declared, "declared test_memory"
    return DEFAULT_SUITE_MB, "the default estimate"


def _with_workers(tests: TestPlan, target: Target, settings: CellSettings, results_dir: Path) -> TestPlan:
    """pytest-xdist workers for a pytest suite (targets/pytestjobs.py); the project's own
    test commands and an import smoke test run as they are. Installed tests run from an
    empty folder, where no project configuration applies; a copied test folder runs with
    the project's, whose -n it keeps. ``auto`` takes no more workers than the memory
    available holds at one worker's need (``_worker_need``)."""
    if tests.kind not in ("pytest", "pytest-dir"):
        return tests
    addopts = project_addopts(target.source_dir, tests.pytest_config) if tests.kind == "pytest-dir" else ()
    memory = None
    # Read only for "auto": a cell that asks for no workers, or a number, plans without it.
    if settings.test_jobs == AUTO and (machine := memory_for_workers()) is not None:
        per_worker, source = _worker_need(results_dir, tests.suite, settings)
        memory = MemoryFit(per_worker_mb=per_worker, source=source, machine_mb=machine)
    found = workers(settings.test_jobs, suite_args=tests.suite_args, addopts=addopts, memory=memory)
    return replace(tests, xdist_args=found.args, workers=found.count, workers_why=found.why)


def with_build_lock(plan: CellPlan, lock: Path) -> CellPlan:
    """The plan whose build env installs ``lock`` in the env every cell of that lock shares:
    a latest or pre cell whose resolution pins exactly what its lock does builds as the
    locked cell does (its env, and so its stored wheel), instead of in an env of its own."""
    env = plan.workspace.build_env(plan.cell.python, [*plan.build_requirements, f"pins={pins_digest(lock)}"])
    return replace(plan, build_lock=lock, build_env=env, repairer_locked=lock_covers(lock, plan.repairer),
                   pkg_config_dir=plan.workspace.pkg_config_dir(env, plan.cell.blas,
                                                                _pkg_config_layout(plan.target, plan.cell.blas)))


def plan_retry(plan: CellPlan, restore: str, matrix: Matrix | None = None) -> CellPlan:
    """A failed loosened cell's second attempt: the same cell with ``restore``'s upper
    bound kept as declared, built beside the first attempt."""
    options = replace(plan.options, keep_bounds=(*plan.options.keep_bounds, restore))
    return plan_cell(plan.cell, plan.target, plan.workspace, options, matrix=matrix, retry=True)
