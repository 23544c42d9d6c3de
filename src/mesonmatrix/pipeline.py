"""One cell, stage by stage: build env, build, repair, fresh venv, tests, result record."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .aptget import ensure_commands
from .build import (
    INSTALL_TAGS_BY_ROLE,
    build_command,
    build_fingerprint,
    configure_fingerprint,
    source_tree_digest,
    stored_wheel,
)
from .cellplan import CellPlan, CellSkipped, plan_cell, skip_reason
from .commands import CellError, CommandFailed, CommandRunner
from .compilercache import build_dir_uses_ccache, ccache_env, ccache_on_path, read_stats_log
from .locking import exclusive_lock
from .locks import TEST_TOOLS, lock_covers, requirement_name
from .matrixfile import MatrixSet
from .model import Cell
from .platforms import host_platform_name
from .pythons import find_python
from .record import RepairInfo, ResultRecord, TestCounts, WheelInfo, write_record
from .repair import auditwheel_tag_from_name, verify_auditwheel
from .tagsets import MEMBER_TAGS_FILE, TagSetError, member_tags, read_member_tags, subset_wheel, write_member_tags
from .targets import resolve_target, source_date_epoch
from .toolchain import Compilers, check_floor, compiler_id, compiler_version, compilers_used, rejected_by_minimum
from .testing import (
    create_venv_command,
    install_command,
    probe_blas,
    run_pytest,
    run_smoke,
    test_files_in,
    venv_bin,
    venv_python,
)
from .uvtool import uv_binary
from .mesoninfo import meson_error, system_components
from .stages import Stages
from .wheels import check_partition, grafted_libraries, has_native_code, rename_wheel, sha256_file
from .workspace import Workspace

# Part of every cut wheel's fingerprint: bump it when subset_wheel's output changes.
TAGSETS_VERSION = "1"


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    project_root: Path
    target: str | None = None  # overrides the matrix's target
    repair_tool: str | None = None  # overrides the platform's default repairer
    suite: str | None = None  # test-suite preset; the target's default when None
    workspace_root: Path | None = None  # where build dirs and results go; .matrix/ when None
    run_tests: bool = True  # False: build and repair only (rebuild-compare)
    cc: str | None = None  # toolchain-min: compilers proposed instead of the target's declared floor
    cxx: str | None = None
    fc: str | None = None
    host_platform: str = field(default_factory=host_platform_name)
    # How runtime and tests wheels are made: cut from the full wheel by meson's install
    # plan (one configure and compile for every tag set), or one meson-python --tags
    # build each (meson-python reconfigures every time; NumPy then recompiles a quarter).
    tag_wheels: str = "install-plan"
    # Run the repairer's "show" on each repaired wheel and cross-check it (auditwheel: the
    # policy it reports must be the one in the name). Off by default: about 1 s a wheel.
    verify_repair: bool = False


def _store(partial: Path, store: Path, fingerprint: str) -> Path:
    """Move a finished ``partial`` folder into place as ``store``. The fingerprint is
    written last: a build or cut killed half-way is never taken as done."""
    shutil.rmtree(store, ignore_errors=True)
    partial.rename(store)
    (store / "fingerprint").write_text(fingerprint)
    return store


def _wheel_info(role: str, path: Path) -> WheelInfo:
    return WheelInfo(role=role, path=str(path), size=path.stat().st_size, sha256=sha256_file(path))


class CellRun:
    def __init__(self, plan: CellPlan, record: ResultRecord, workspace: Workspace, stream: TextIO) -> None:
        self.plan = plan
        self.record = record
        self.workspace = workspace
        self.stages = Stages(stream, record.durations)
        log = plan.results_dir / "cell.log"
        record.log = str(log)
        self.runner = CommandRunner(log=log, stream=stream)
        self.runner.env["UV_PYTHON_DOWNLOADS"] = "never"
        self.runner.env.pop("PYTHONPATH", None)
        self.uv = uv_binary()
        self.python: Path | None = None
        self.build_env_python: Path | None = None

    # --- stages ---------------------------------------------------------------------

    def prepare_build_env(self) -> None:
        plan = self.plan
        ensure_commands(self.runner, plan.target.system_requires, f"target {plan.target.name}")
        if plan.compilers.commands():
            ensure_commands(self.runner, plan.compilers.commands(), "the toolchain under test")
            self.runner.env.update(plan.compilers.env())
            self.check_floor()
        self.python = find_python(plan.cell.python, cache_file=self.workspace.shared_cache / "pythons.json")
        self.record.python_executable = str(self.python)
        reqs = list(plan.build_requirements)
        source = f"locked in {plan.build_lock.name}" if plan.build_lock else f"unlocked: {', '.join(reqs)}"
        with self.stages.stage("build_env", f"uv venv at {plan.build_env}, {source}"), \
                exclusive_lock(plan.build_env, self.stages.say):
            stamp = plan.build_env / "mesonmatrix-requirements.json"
            lock_sha = sha256_file(plan.build_lock) if plan.build_lock else None
            wanted = json.dumps({"python": str(self.python), "requirements": reqs, "lock": lock_sha})
            env_python = venv_python(plan.build_env, plan.platform.os)
            if not (stamp.is_file() and stamp.read_text() == wanted and env_python.exists()):
                stamp.unlink(missing_ok=True)
                # The provider's .pc files describe this env's packages: rewritten with it.
                shutil.rmtree(plan.pkg_config_dir, ignore_errors=True)
                self.runner.run(create_venv_command(self.uv, self.python, plan.build_env), label="create build env")
                if plan.lowest_build_deps:
                    # The target's own floors, exactly: every [build-system] requirement at
                    # the lowest version it allows. The tools come after, at normal versions.
                    floors = [*plan.target.build_requires, *plan.target.toolchain_min_requires]
                    self.runner.run([*install_command(self.uv, env_python, (), floors), "--resolution", "lowest-direct"],
                                    label="install the lowest allowed build requirements")
                if plan.build_lock is not None:
                    self.runner.run([*install_command(self.uv, env_python, (), ()), "--require-hashes", "-r",
                                     str(plan.build_lock)], label=f"install build requirements from {plan.build_lock.name}")
                    if not lock_covers(plan.build_lock, plan.repairer):
                        self.runner.run(install_command(self.uv, env_python, (), plan.repairer.requirements),
                                        label=f"install {plan.repairer.tool} (not in the lock file)")
                else:
                    self.runner.run(install_command(self.uv, env_python, (), reqs), label="install build requirements")
                stamp.write_text(wanted)
            else:
                self.stages.say(f"    build env up to date: {plan.build_env}")
            plan.pkg_config_dir.mkdir(parents=True, exist_ok=True)
            plan.provider.provision(self.runner, build_python=env_python, pkg_config_dir=plan.pkg_config_dir)
        self.build_env_python = env_python
        self.record.build_env = str(plan.build_env)
        paths = [str(venv_bin(plan.build_env, plan.platform.os)), os.environ.get("PATH", "")]
        self.runner.env["PATH"] = os.pathsep.join(p for p in paths if p)
        pkg = [str(plan.pkg_config_dir), os.environ.get("PKG_CONFIG_PATH", "")]
        self.runner.env["PKG_CONFIG_PATH"] = os.pathsep.join(p for p in pkg if p)
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or source_date_epoch(plan.target.source_dir))
        self.runner.env["SOURCE_DATE_EPOCH"] = str(epoch)
        self.record.source_date_epoch = epoch

    def build(self) -> dict[str, Path]:
        plan = self.plan
        assert self.build_env_python is not None
        built: dict[str, Path] = {}
        freeze = self.runner.run([self.uv, "pip", "freeze", "--python", str(self.build_env_python)],
                                 label="build env packages", check=True)
        packages = freeze.stdout.split()
        with self.stages.stage("build", f"{plan.target.name} in {plan.build_dir} ({', '.join(plan.build_roles())})"):
            source_digest = source_tree_digest(plan.target.source_dir)
            rebuilt: list[str] = []
            with exclusive_lock(plan.build_dir, self.stages.say):
                configure = configure_fingerprint(setup_args=plan.setup_args, env=self.runner.env,
                                                  build_env_packages=packages)
                self._reset_if_reconfigured(configure)
                self.ccache_stats_log.unlink(missing_ok=True)  # each role's compile appends to it
                for role in plan.build_roles():
                    store = self.workspace.wheel_store(plan.build_key, role)
                    if role != "full" and plan.tag_wheels == "install-plan":
                        built[role] = self._cut_role(role, built["full"], store)
                        continue
                    argv = build_command(self.build_env_python, plan.target.source_dir, build_dir=plan.build_dir,
                                         out_dir=store.with_name(role + ".partial"), setup_args=plan.setup_args,
                                         install_tags=INSTALL_TAGS_BY_ROLE[role])
                    fingerprint = build_fingerprint(argv=argv, source_digest=source_digest, configure=configure,
                                                    env=self.runner.env)
                    wheel = stored_wheel(store, fingerprint)
                    if wheel is not None and (role != "full" or (store / MEMBER_TAGS_FILE).is_file()):
                        self.stages.say(f"    {role} wheel up to date: {wheel.name} (inputs unchanged, not rebuilt)")
                    else:
                        wheel = self._build_role(role, argv, store, fingerprint)
                        rebuilt.append(role)
                    built[role] = wheel
        # True only when no wheel of the cell had to be built.
        self.record.build_reused = not rebuilt
        if rebuilt:
            self.record_compiler_cache()
        self.record.tag_wheels = plan.tag_wheels
        self.record.build_dir = str(plan.build_dir)
        self.record.system_components = system_components(plan.build_dir, plan.target)
        self.record_toolchain_used(packages)
        return built

    @property
    def ccache_stats_log(self) -> Path:
        return self.plan.results_dir / "ccache-stats.log"

    def record_compiler_cache(self) -> None:
        """What this cell's compile took from ccache (None when meson did not use it)."""
        if not build_dir_uses_ccache(self.plan.build_dir):
            self.record.compiler_cache = None
            return
        stats = read_stats_log(self.ccache_stats_log)
        self.record.compiler_cache = stats.as_record()
        self.stages.say(f"    ccache: {stats.hits} hits, {stats.misses} misses ({stats.hit_rate:.0%} of cacheable compiles)")

    def check_floor(self) -> None:
        """Compare the compilers under test with the floor the target's meson.build enforces."""
        plan = self.plan
        toolchain: dict[str, object] = {"requested": plan.compilers.env(), "rejected": False}
        cc = plan.compilers.cc
        floor = check_floor(plan.target.source_dir / "meson.build", cc) if cc else None
        if floor is not None:
            toolchain["floor"] = {"compiler": floor.compiler, "proposed": floor.proposed, "enforced": floor.enforced,
                                  "agrees": floor.agrees, "verdict": floor.verdict}
            self.stages.say(f"    toolchain floor: {cc} is {floor.compiler} {floor.proposed}; {floor.verdict}")
        self.record.toolchain = toolchain

    def record_toolchain_used(self, packages: list[str]) -> None:
        if self.record.toolchain is None:
            return
        self.record.toolchain["used"] = compilers_used(self.plan.build_dir)
        asked = [*self.plan.target.build_requires, *self.plan.target.toolchain_min_requires]
        names = {requirement_name(r) for r in asked}
        self.record.toolchain["build_deps"] = {
            name: version for name, _, version in (p.partition("==") for p in packages) if requirement_name(name) in names
        }
        used = ", ".join(f"{lang} {info['id']} {info['version']}" for lang, info in self.record.toolchain["used"].items())
        deps = ", ".join(f"{name}=={version}" for name, version in self.record.toolchain["build_deps"].items())
        self.stages.say(f"    compilers used: {used}; build deps: {deps}")

    def _reset_if_reconfigured(self, wanted: str) -> None:
        build_dir = self.plan.build_dir
        stamp = build_dir.with_name(build_dir.name + ".configure")
        if build_dir.exists() and (not stamp.is_file() or stamp.read_text() != wanted):
            self.stages.say(f"    configure inputs changed since {build_dir.name} was set up: starting a fresh build dir")
            shutil.rmtree(build_dir)
        stamp.write_text(wanted)

    def _build_role(self, role: str, argv: list[str], store: Path, fingerprint: str) -> Path:
        partial = Path(argv[argv.index("--outdir") + 1])
        shutil.rmtree(partial, ignore_errors=True)
        cache_env = {}
        if ccache_on_path(self.runner.env.get("PATH")):
            cache_env = ccache_env(self.ccache_stats_log, self.plan.build_dir.parent)
        try:
            self.runner.run(argv, label=f"build the {role} wheel", extra_env=cache_env)
        except CommandFailed as exc:
            reason = meson_error(exc.tail)
            if self.plan.compilers.commands() and rejected_by_minimum(reason):
                cc = self.plan.compilers.cc or "cc"
                found = f"{compiler_id(cc)} {compiler_version(cc)}"
                if self.record.toolchain is not None:
                    self.record.toolchain["rejected"] = True
                raise CellError(f"rejected by the target's minimum: {reason} (found {found}, from {cc})") from None
            raise CellError(f"build of the {role} wheel failed: {reason}\n{exc}" if reason else str(exc)) from None
        wheels = sorted(partial.glob("*.whl"))
        if len(wheels) != 1:
            raise CellError(f"the {role} build produced {len(wheels)} wheels in {partial}, expected one")
        if role == "full":
            # Which install tag each member has, read while the build dir matches the wheel:
            # the runtime and tests wheels are cut from this wheel with it.
            try:
                write_member_tags(partial, member_tags(wheels[0], self.plan.build_dir))
            except TagSetError as exc:
                raise CellError(str(exc)) from None
        return _store(partial, store, fingerprint) / wheels[0].name

    def _cut_role(self, role: str, full: Path, store: Path) -> Path:
        """The ``role`` wheel cut from the full wheel, as meson-python --tags would pack it."""
        tags = read_member_tags(full.parent)
        if tags is None:
            raise CellError(f"no install tags stored beside {full}; delete {full.parent} and run the cell again")
        keep = INSTALL_TAGS_BY_ROLE[role]
        full_fingerprint = (full.parent / "fingerprint").read_text().strip()
        fingerprint = hashlib.sha256(f"{full_fingerprint}|{','.join(keep)}|{TAGSETS_VERSION}".encode()).hexdigest()
        wheel = stored_wheel(store, fingerprint)
        if wheel is not None:
            self.stages.say(f"    {role} wheel up to date: {wheel.name} (cut from the unchanged full wheel)")
            return wheel
        partial = store.with_name(role + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            wheel = subset_wheel(full, tags, keep, partial)
        except TagSetError as exc:
            raise CellError(str(exc)) from None
        _store(partial, store, fingerprint)
        self.stages.say(f"    {role} wheel cut from the full wheel by install tag ({', '.join(keep)}): {wheel.name}")
        return store / wheel.name

    def repair(self, built: dict[str, Path]) -> dict[str, Path]:
        plan = self.plan
        dist = plan.results_dir / "dist"
        raw = plan.results_dir / "built"
        for folder in (dist, raw):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        shipped: dict[str, Path] = {}
        for role in plan.roles:
            wheel = built[role]
            if role == "tests":
                wheel = rename_wheel(wheel, plan.target.tests_project_name, raw,
                                     requires=(f"{plan.target.project_name}=={plan.target.version}",))
            else:
                wheel = Path(shutil.copy2(wheel, raw / wheel.name))
            shipped[role] = wheel
            self.record.built_wheels.append(_wheel_info(role, wheel))

        repaired: dict[str, Path] = {}
        info = RepairInfo(tool=plan.repairer.tool)
        with self.stages.stage("repair", f"{plan.repairer.tool} for {plan.platform.name}"):
            for role, wheel in shipped.items():
                if not has_native_code(wheel):
                    repaired[role] = Path(shutil.copy2(wheel, dist / wheel.name))
                    continue
                before = set(dist.glob("*.whl"))
                lib_dirs = plan.provider.runtime_library_path()
                repair_env = {}
                if lib_dirs and plan.platform.os == "linux":
                    search = [*map(str, lib_dirs), os.environ.get("LD_LIBRARY_PATH", "")]
                    repair_env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in search if p)
                self.runner.run(plan.repairer.repair_command(wheel, dist, platform=plan.platform, lib_dirs=lib_dirs),
                                label=f"repair the {role} wheel", extra_env=repair_env)
                new = sorted(set(dist.glob("*.whl")) - before)
                if len(new) != 1:
                    raise CellError(f"{plan.repairer.tool} wrote {len(new)} wheels for {wheel.name}, expected one")
                repaired[role] = new[0]
                shown = None
                if plan.verify_repair:
                    shown = self.runner.run(plan.repairer.show_command(new[0]), label=f"verify the repaired {role} wheel")
                if plan.repairer.tool == "auditwheel":
                    try:
                        tag = verify_auditwheel(new[0], shown.stdout) if shown else auditwheel_tag_from_name(new[0])
                    except ValueError as exc:
                        raise CellError(str(exc)) from None
                    if role != "tests" or info.tag is None:
                        info.tag = tag
                info.grafted += grafted_libraries(new[0])
        info.grafted = sorted(set(info.grafted))
        self.record.repair = info
        self.record.wheels = [_wheel_info(role, path) for role, path in repaired.items()]
        return repaired

    def check_partition(self, built: dict[str, Path], shipped_tests: Path) -> None:
        partition = check_partition(built["full"], built["runtime"], shipped_tests)
        self.record.partition = {
            "ok": partition.ok,
            "lost": list(partition.lost),
            "duplicated": list(partition.duplicated),
            "extra": list(partition.extra),
            "tests_files": partition.tests_files,
        }
        self.stages.say(f"    {partition.describe()}")
        if not partition.ok:
            raise CellError(partition.describe())

    def test(self, repaired: dict[str, Path]) -> None:
        plan = self.plan
        assert self.python is not None
        venv = self.workspace.test_venv(plan.target, plan.cell)
        venv_py = venv_python(venv, plan.platform.os)
        requirements = [*plan.target.test_requires, *TEST_TOOLS] if plan.cell.install_tags != "runtime" else list(TEST_TOOLS)
        with self.stages.stage("test_env", f"fresh uv venv {venv} with {', '.join(p.name for p in repaired.values())}"):
            self.runner.run(create_venv_command(self.uv, self.python, venv), label="create test venv")
            if plan.test_lock is not None:
                # Locked test requirements (hash-checked), then the wheels under test alone.
                self.runner.run([*install_command(self.uv, venv_py, (), ()), "--require-hashes", "-r", str(plan.test_lock)],
                                label=f"install test requirements from {plan.test_lock.name}")
                self.runner.run([*install_command(self.uv, venv_py, list(repaired.values()), ()), "--no-deps"],
                                label="install the repaired wheels")
            else:
                self.runner.run(install_command(self.uv, venv_py, list(repaired.values()), requirements),
                                label="install the repaired wheels")
        # Tools that the tests shell out to must come from the test venv, not the build env.
        test_env = {"PATH": os.pathsep.join([str(venv_bin(venv, plan.platform.os)), os.environ.get("PATH", "")])}
        with self.stages.stage("test", f"installed {plan.target.import_name}, run from outside any source tree"):
            if plan.cell.install_tags == "runtime":
                self.record.tests = self._runtime_checks(repaired["runtime"], venv_py, test_env)
            else:
                junit = plan.results_dir / "junit.xml"
                junit.unlink(missing_ok=True)
                source = "tests-wheel" if plan.cell.install_tags == "split" else "shipped"
                counts = run_pytest(self.runner, venv_py, plan.suite_args, junit, suite=plan.suite, source=source,
                                    env=test_env)
                self.record.tests = counts
                self.stages.say(f"    {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped, {counts.errors} errors")
                if counts.failed or counts.errors:
                    raise CellError(f"tests failed: {counts.failed} failed, {counts.errors} errors (junit: {junit})")
                if counts.passed == 0:
                    raise CellError("no test passed")
            self.check_blas(venv_py, test_env)

    def _runtime_checks(self, wheel: Path, venv_py: Path, env: dict[str, str]) -> TestCounts:
        stray = test_files_in(wheel)
        if stray:
            raise CellError(f"the runtime-only wheel installs test files: {', '.join(stray[:5])}")
        counts = run_smoke(self.runner, venv_py, self.plan.target.smoke, env=env)
        self.stages.say(f"    smoke test passed; no test files in {wheel.name}")
        return counts

    def check_blas(self, venv_py: Path, env: dict[str, str]) -> None:
        found = probe_blas(self.runner, venv_py, self.plan.target.import_name, env=env)
        self.record.blas_runtime = found
        expected = self.plan.provider.expectation
        name = str(found.get("name") or "")
        library = str(found.get("library") or "")
        self.stages.say(f"    loaded BLAS: {name or 'none found'} ({library or '-'}), {found.get('int_size')}-bit integers")
        if name not in expected.names:
            raise CellError(
                f"BLAS mismatch: the cell claims {self.plan.cell.blas} ({', '.join(expected.names)}) but the installed "
                f"extension loaded {name or 'no BLAS'} from {library or 'nowhere'}"
            )
        if found.get("int_size") != expected.int_size:
            raise CellError(
                f"BLAS integer size mismatch: {self.plan.cell.blas} should use {expected.int_size}-bit integers, "
                f"the loaded library uses {found.get('int_size')}-bit"
            )


def new_record(cell: Cell, target_name: str) -> ResultRecord:
    return ResultRecord(
        session=cell.session_name,
        target=target_name,
        python=cell.python,
        blas=cell.blas,
        platform=cell.platform,
        system_libraries=cell.system_libraries,
        install_tags=cell.install_tags,
        kind=cell.kind,
        matrix_file=str(cell.matrix_file),
        started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    )


def run_cell(cell: Cell, matrices: MatrixSet, options: RunOptions, stream: TextIO = sys.stdout) -> tuple[ResultRecord, Path]:
    """Run one cell end to end; always write its result record and return it with its path."""
    workspace = Workspace.default(options.project_root)
    if options.workspace_root is not None:
        workspace = Workspace(options.workspace_root, workspace.cache)
    target_name = options.target or cell.target
    record = new_record(cell, target_name)
    start = time.monotonic()
    record_path = workspace.root / "results" / "_unresolved" / cell.session_name / "result.json"
    try:
        target = resolve_target(target_name, matrices.presets, workspace.shared_cache)
        record.target = target.name
        record.target_version = target.version
        compilers = None
        if cell.kind == "toolchain-min":
            declared = target.toolchain_min
            compilers = Compilers(cc=options.cc or declared.get("cc"), cxx=options.cxx or declared.get("cxx"),
                                  fc=options.fc or declared.get("fc"))
        plan = plan_cell(cell, target, workspace, repair_tool=options.repair_tool, suite=options.suite,
                         compilers=compilers, project_root=options.project_root, tag_wheels=options.tag_wheels,
                         verify_repair=options.verify_repair)
        record.locks = {
            kind: {"path": str(lock.relative_to(options.project_root)), "sha256": sha256_file(lock)} if lock else None
            for kind, lock in (("build", plan.build_lock), ("test", plan.test_lock))
        }
        record_path = plan.results_dir / "result.json"
        plan.results_dir.mkdir(parents=True, exist_ok=True)
        record.setup_args = list(plan.setup_args)
        reason = skip_reason(cell, target, plan.provider, options.host_platform)
        if cell.kind == "toolchain-min" and not plan.compilers.commands():
            reason = f"target {target.name} declares no toolchain_min and no --cc/--cxx/--fc was given"
        if reason:
            raise CellSkipped(reason)
        # One run of a cell at a time: a second process waits rather than sharing its
        # results, wheels and venv (cells that share a build dir also lock that).
        with exclusive_lock(plan.results_dir, lambda text: print(text, file=stream, flush=True)):
            (plan.results_dir / "cell.log").write_text("")
            stream.write(f"=== {cell.session_name}: {target.name} {target.version} ({cell.describe()})\n")
            run = CellRun(plan, record, workspace, stream)
            run.prepare_build_env()
            built = run.build()
            repaired = run.repair(built)
            if cell.install_tags == "split":
                tests_raw = next(Path(w.path) for w in record.built_wheels if w.role == "tests")
                run.check_partition(built, tests_raw)
            if options.run_tests:
                run.test(repaired)
        record.status = "passed"
    except CellSkipped as exc:
        record.status = "skipped"
        record.error = str(exc)
    except CellError as exc:
        record.status = "failed"
        record.error = str(exc)
    except KeyboardInterrupt:
        record.status = "failed"
        record.error = "interrupted"
        record.durations["total"] = round(time.monotonic() - start, 3)
        write_record(record, record_path)
        raise
    record.durations["total"] = round(time.monotonic() - start, 3)
    write_record(record, record_path)
    return record, record_path
