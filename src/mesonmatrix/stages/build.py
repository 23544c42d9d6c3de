"""The build stage: ``python -m build`` in the cell's cached build dir, one wheel per
role, each reused from the store while its inputs are unchanged."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..binaries import read_binary
from ..config.keys import BUILD_TIME_LIMIT, BUILD_TIMEOUT
from ..errors import CellError, CommandCancelled, CommandFailed, CommandTimedOut, TagSetError, ToolchainRejected
from ..machine.ccache import (
    build_dir_uses_ccache,
    ccache_env,
    ccache_on_path,
    read_stats_log,
    redacted,
    remote_storage,
)
from ..machine.context import StageContext
from ..machine.locking import exclusive_lock
from ..machine.mesoninfo import meson_error, ninja_error, pkg_config_found, system_components
from ..machine.mesonlauncher import launcher_env
from ..machine.toolchain import compiler_id, compiler_version, compilers_used, rejected_by_minimum
from ..machine.writing import write_atomically
from ..model import FULL, INSTALL_PLAN, INSTALL_TAGS_BY_ROLE, TESTS, Role
from ..plan import CellPlan
from ..providers.families import family_of_library
from ..record import CompilerCache, CompilerUsed, WheelInfo
from ..store.buildslot import build_in_slot, pc_files_seen_at, seed_key
from ..store.cuts import cut_role
from ..store.fingerprints import build_fingerprint, configure_fingerprint
from ..store.slotscripts import scripts_seen_at
from ..store.trust import distrust, reset_unless_trusted, trust
from ..store.wheelstore import commit_store, stored_wheel
from ..targets.requirements import requirement_name
from ..targets.sources import source_tree_digest
from ..wheels.members import sha256_file
from ..wheels.rename import rename_wheel
from ..wheels.tagsets import MEMBER_TAGS_FILE, member_tags, write_member_tags
from . import StageResults
from .build_env import BuildEnv


@dataclass(frozen=True, kw_only=True)
class ShippedWheels:
    """The wheels as built, under the names they ship with, in ``results/…/built/``."""

    paths: dict[Role, Path]
    infos: list[WheelInfo]


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    wheels: dict[Role, Path]  # role -> stored wheel
    shipped: ShippedWheels  # the wheels the cell ships, as built
    reused: bool  # no wheel of the cell had to be built
    compiler_cache: CompilerCache | None  # this compile's ccache counts, when meson used ccache
    system_components: dict[str, str]
    pkg_config: dict[str, str] = field(default_factory=dict)  # dependency -> what pkg-config resolved
    compilers_used: dict[str, CompilerUsed] = field(default_factory=dict)  # toolchain-min cells
    build_deps: dict[str, str] = field(default_factory=dict)  # toolchain-min: resolved build requirements
    seeded_from: str | None = None  # a new build dir started as a copy of this sibling flavour's
    # The BLAS/LAPACK libraries the full wheel's binaries load (DT_NEEDED, with their
    # family): what a target that finds its BLAS by library search, with no blas option, linked.
    linked_blas: tuple[str, ...] = ()


def build_command(python: Path, source_dir: Path, *, build_dir: Path, out_dir: Path, setup_args: Sequence[str],
                  install_tags: Sequence[str], check_dependencies: bool = False,
                  pkg_config_path: str | None = None) -> list[str]:
    """``python -m build -wnx`` with meson options passed through ``-Csetup-args``; ``-x``
    (skip the dependency check) only when ``check_dependencies`` is False. Meson reads
    ``PKG_CONFIG_PATH`` from the environment only at a build dir's first setup; given
    ``pkg_config_path``, every reconfigure is told it again (a build dir started from
    another flavour's must not keep that flavour's)."""
    skip = [] if check_dependencies else ["--skip-dependency-check"]
    argv = [str(python), "-m", "build", "--wheel", "--no-isolation", *skip,
            "--outdir", str(out_dir), f"-Cbuild-dir={build_dir}"]
    argv += [f"-Csetup-args={arg}" for arg in setup_args]
    if pkg_config_path is not None:
        argv.append(f"-Csetup-args=-Dpkg_config_path={pkg_config_path}")
    if install_tags:
        argv.append(f"-Cinstall-args=--tags={','.join(install_tags)}")
    argv.append(str(source_dir))
    return argv


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> BuildResult:
    """Every role's wheel: built, cut from the full wheel, or reused from the plan's wheel
    store; then each the cell ships copied out under the name it ships with."""
    build_env = earlier.env()
    packages = build_env.packages
    with ctx.progress.stage("build", f"{plan.target.name} in {plan.build_dir} ({', '.join(plan.build_roles())})"):
        # Inside the stage: hashing the source tree (about 0.7 s for NumPy) is build time.
        roles = _Roles(plan, ctx, build_env)
        with exclusive_lock(plan.build_dir, ctx.say):
            if plan.build_slot is None:  # a slot's build dir is checked as it enters the slot
                reset_unless_trusted(plan.build_dir, roles.inputs, ctx.say)
            roles.stats_log.unlink(missing_ok=True)  # each role's compile appends to it
            with contextlib.ExitStack() as slot:
                for role in plan.build_roles():
                    roles.build(role, slot)
            if roles.rebuilt:
                trust(plan.build_dir, roles.inputs)  # home again: the slot has returned it
    used, deps = _toolchain_used(plan, packages, ctx)
    return BuildResult(
        wheels=roles.built, shipped=ship_built_wheels(plan, roles.built), reused=not roles.rebuilt,
        compiler_cache=_compiler_cache(plan.build_dir, roles.stats_log, ctx) if roles.rebuilt else None,
        system_components=system_components(plan.build_dir, plan.target.system_components),
        pkg_config=pkg_config_found(plan.build_dir), compilers_used=used, build_deps=deps, seeded_from=roles.seeded,
        linked_blas=_linked_blas(roles.built[FULL]) if FULL in roles.built else (),
    )


def _linked_blas(wheel: Path) -> tuple[str, ...]:
    """``libopenblas.so.0 (openblas)`` for each BLAS library a binary of ``wheel`` loads;
    kept beside the wheel (``<wheel>.linked-blas.json``, valid while the wheel's size and
    mtime are), so a cell that reuses a stored wheel does not read every binary again:
    SciPy's wheel has over a hundred."""
    sidecar = wheel.with_name(f"{wheel.name}.linked-blas.json")
    stat = wheel.stat()
    identity = [stat.st_size, stat.st_mtime_ns]
    with contextlib.suppress(OSError, ValueError):
        kept = json.loads(sidecar.read_text())
        if kept.get("wheel") == identity and isinstance(kept.get("linked"), list):
            return tuple(str(x) for x in kept["linked"])
    linked = _read_linked_blas(wheel)
    with contextlib.suppress(OSError):
        write_atomically(sidecar, json.dumps({"wheel": identity, "linked": list(linked)}))
    return linked


def _read_linked_blas(wheel: Path) -> tuple[str, ...]:
    found: set[str] = set()
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(prefix="mesonmatrix-linked-") as scratch:
        for name in archive.namelist():
            if not name.endswith((".so", ".pyd", ".dylib")):
                continue
            path = Path(scratch) / "binary"
            with archive.open(name) as source, path.open("wb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
            binary = read_binary(name, path)
            for library in binary.needed if binary else ():
                family = family_of_library(library)
                if family is not None:
                    found.add(f"{library} ({family})")
    return tuple(sorted(found))


def wheel_info(role: Role, path: Path) -> WheelInfo:
    return WheelInfo(role=role, path=str(path), size=path.stat().st_size, sha256=sha256_file(path))


def ship_built_wheels(plan: CellPlan, built: dict[Role, Path]) -> ShippedWheels:
    """Copy each role's wheel out of the store; the tests wheel becomes ``<name>-tests``,
    which requires exactly this version of the project."""
    raw = plan.results_dir / "built"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    paths: dict[Role, Path] = {}
    for role in plan.roles:
        wheel = built[role]
        if role == TESTS:
            paths[role] = rename_wheel(wheel, plan.target.tests_project_name, raw,
                                       requires=(f"{plan.target.project_name}=={plan.target.version}",))
        else:
            paths[role] = Path(shutil.copy2(wheel, raw / wheel.name))
    return ShippedWheels(paths=paths, infos=[wheel_info(role, path) for role, path in paths.items()])


class _Roles:
    """One cell's roles, built in order: each reused from the store, cut from the full
    wheel, or compiled (in the flavours' shared slot, for a plain build cell)."""

    def __init__(self, plan: CellPlan, ctx: StageContext, build_env: BuildEnv) -> None:
        self.plan, self.ctx, self.build_env, self.wheel_store = plan, ctx, build_env, plan.wheel_store
        packages = build_env.packages
        self.env = {**ctx.runner.env, **build_env.env}
        self.configure = configure_fingerprint(setup_args=plan.setup_args, env=self.env, build_env_packages=packages)
        self.seed_key = seed_key(python=plan.cell.python, env=self.env, build_env_packages=packages,
                                 setup_args=plan.setup_args, slot=plan.build_slot.path if plan.build_slot else None)
        self.meson_dir = plan.build_slot.path if plan.build_slot else plan.build_dir
        # What the build dir's stamp names once a build in it completes; where meson sees
        # the dir is part of how it was configured.
        self.inputs = f"{self.configure}\n{self.meson_dir}"
        self.source_digest = source_tree_digest(plan.source_dir)
        self.stats_log = plan.results_dir / "ccache-stats.log"
        self.built: dict[Role, Path] = {}
        self.rebuilt: list[str] = []
        self.seeded: str | None = None
        # Where the build sees its env: the slot's one link for every flavour (see buildslot).
        self.env_seen_at = plan.build_slot.env_link if plan.build_slot else build_env.path
        self._in_slot = False

    def build(self, role: Role, slot: contextlib.ExitStack) -> None:
        plan, store = self.plan, self.wheel_store / role
        if role != FULL and plan.options.tag_wheels == INSTALL_PLAN:
            self.built[role] = cut_role(role, self.built[FULL], store, self.ctx.say)
            return
        argv = self._argv(role)
        fingerprint = build_fingerprint(argv=argv, source_digest=self.source_digest, configure=self.configure,
                                        env=self.env)
        wheel = stored_wheel(store, fingerprint, self.ctx.say)
        if wheel is not None and (role != FULL or (store / MEMBER_TAGS_FILE).is_file()):
            self.ctx.say(f"    {role} wheel up to date: {wheel.name} (inputs unchanged, not rebuilt)")
        else:
            if plan.build_slot is not None and not self._in_slot:
                use = slot.enter_context(build_in_slot(plan.build_slot, self.seed_key, self.build_env.path,
                                                       self.ctx.say, inputs=self.inputs,
                                                       pkg_config_dir=plan.pkg_config_dir))
                self.seeded, self.env_seen_at, self._in_slot = use.seeded_from, use.env, True
                argv = self._argv(role)  # the env's own path, if the slot could not link it
            elif plan.build_slot is None:
                distrust(plan.build_dir)
            _refuse_a_space(self.env_seen_at)
            wheel = _build_role(plan, self.ctx, _seen_at(self.build_env, self.env_seen_at, plan), role, argv, store,
                                fingerprint, self.stats_log, self.meson_dir)
            self.rebuilt.append(role)
        self.built[role] = wheel

    def _argv(self, role: Role) -> list[str]:
        pkg_config_path = _pkg_config_path_seen_at(self.env.get("PKG_CONFIG_PATH", ""), self.plan,
                                                   self.env_seen_at, self.build_env.path)
        return build_command(self.plan.platform.venv_python(self.env_seen_at), self.plan.source_dir,
                             build_dir=self.meson_dir, out_dir=(self.wheel_store / role).with_name(role + ".partial"),
                             setup_args=self.plan.setup_args, install_tags=INSTALL_TAGS_BY_ROLE[role],
                             check_dependencies=self.plan.checks_build_dependencies,
                             pkg_config_path=pkg_config_path)


def _log_end(log: Path, size: int = 1 << 20) -> str:
    """The last ``size`` bytes of a command's log: a failed step's lines may have scrolled
    out of the output's tail."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(log.stat().st_size - size, 0))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _refuse_a_space(env_seen_at: Path) -> None:
    """A build env seen at a path with a space (its own, where the env link could not be
    made: Windows without symlink rights) cannot be built from: pkg-config prints the
    providers' ``-Wl,-rpath`` and library paths unescaped, and the compile line splits
    them. Said before the build, with the fix, rather than as a missing file after it."""
    if " " in str(env_seen_at):
        raise CellError(f"the build env is at {env_seen_at}, a path with a space, which pkg-config cannot pass to "
                        "the compiler whole: set MESONMATRIX_CACHE to a folder whose path has no space")


def _pkg_config_path_seen_at(search_path: str, plan: CellPlan, seen_at: Path, own_path: Path) -> str:
    """The flavour's .pc folder as a build at ``seen_at`` reads it: the copy whose paths go
    through the env link (``buildslot.write_pc_files_seen_at``), when the env is seen there."""
    if seen_at == own_path:
        return search_path
    own, seen = str(plan.pkg_config_dir), str(pc_files_seen_at(seen_at, plan.pkg_config_dir))
    return os.pathsep.join(seen if entry == own else entry for entry in search_path.split(os.pathsep))


def _seen_at(build_env: BuildEnv, path: Path, plan: CellPlan) -> BuildEnv:
    """The build env as a build sees it from ``path`` (the slot's link to it): its Python
    and its tools' folder on PATH at that path."""
    if path == build_env.path:
        return build_env
    own_bin, seen_bin = str(plan.platform.venv_bin(build_env.path)), str(plan.platform.venv_bin(path))
    entries = [seen_bin if entry == own_bin else entry for entry in build_env.env.get("PATH", "").split(os.pathsep)]
    # Its scripts too (Cython's, which writes its Python's paths into the C it generates).
    scripts = scripts_seen_at(Path(own_bin), plan.platform.venv_python(path), path.with_name(f"{path.name}-bin"))
    pkg_config_path = _pkg_config_path_seen_at(build_env.env.get("PKG_CONFIG_PATH", ""), plan, path, build_env.path)
    return replace(build_env, env_python=plan.platform.venv_python(path),
                   env={**build_env.env, "PATH": os.pathsep.join([str(scripts), *entries]),
                        "PKG_CONFIG_PATH": pkg_config_path})


def _build_role(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, role: Role, argv: list[str], store: Path,
                fingerprint: str, stats_log: Path, meson_dir: Path) -> Path:
    partial = Path(argv[argv.index("--outdir") + 1])
    shutil.rmtree(partial, ignore_errors=True)
    extra_env = dict(build_env.env)
    extra_env.update(launcher_env(ctx.shared_cache, plan.target.own_meson, {**ctx.runner.env, **extra_env}))
    if ccache_on_path(extra_env.get("PATH")):
        extra_env.update(ccache_env(stats_log, plan.build_dir.parent))
    try:
        ctx.runner.run(argv, label=f"build the {role} wheel", extra_env=extra_env, ninja_progress=True,
                       idle_timeout=plan.settings.build_silence_seconds, timeout=plan.settings.build_seconds)
    except CommandCancelled:
        raise  # the cell stopped it (its test venv failed): the pipeline says why
    except CommandTimedOut as exc:
        limit = f"printed nothing for {exc.seconds:g} s ({BUILD_TIMEOUT.how_to_change()})" if exc.idle else \
            f"was still running after {exc.seconds:g} s ({BUILD_TIME_LIMIT.how_to_change()})"
        raise CellError(f"build of the {role} wheel {limit} and was ended with every process it started "
                        f"(log: {exc.log})") from None
    except CommandFailed as exc:
        reason = meson_error(exc.tail)
        if plan.compilers.commands() and rejected_by_minimum(reason):
            cc = plan.compilers.cc or "cc"
            found = f"{compiler_id(cc)} {compiler_version(cc)}"
            raise ToolchainRejected(f"rejected by the target's minimum: {reason} (found {found}, from {cc})") from None
        step = None if reason else ninja_error(_log_end(exc.log) or exc.tail)
        if step:  # one line; the compile command and the compiler's other lines stay in the log
            raise CellError(f"build of the {role} wheel failed: {step} (log: {exc.log})") from None
        raise CellError(f"build of the {role} wheel failed: {reason}\n{exc}" if reason else str(exc)) from None
    wheels = sorted(partial.glob("*.whl"))
    if len(wheels) != 1:
        raise CellError(f"the {role} build produced {len(wheels)} wheels in {partial}, expected one")
    if role == FULL:
        # Which install tag each member has, read while the build dir matches the wheel:
        # the runtime and tests wheels are cut from this wheel with it.
        try:
            write_member_tags(partial, member_tags(wheels[0], meson_dir))
        except TagSetError as exc:
            raise CellError(str(exc)) from None
    return commit_store(partial, store, fingerprint) / wheels[0].name


def _compiler_cache(build_dir: Path, stats_log: Path, ctx: StageContext) -> CompilerCache | None:
    """What this cell's compile took from ccache (None when meson did not use it)."""
    if not build_dir_uses_ccache(build_dir):
        return None
    stats = read_stats_log(stats_log)
    configured = remote_storage(ctx.runner.env)
    remote = redacted(configured) if configured else None
    if stats.hits + stats.misses + stats.uncached == 0:
        ctx.say("    ccache: nothing was compiled")  # an up-to-date build dir: "0 hits, 0 misses" said nothing
    else:
        ctx.say(f"    ccache: {stats.hits} hits, {stats.misses} misses ({stats.hit_rate:.0%} of cacheable compiles)"
                + (f"; {stats.remote_hits} of the hits from the remote {remote}" if remote else "")
                + (f"; the remote failed for {stats.remote_errors} compiles (`nox -s doctor` checks it)"
                   if stats.remote_errors else ""))
    return CompilerCache(hits=stats.hits, misses=stats.misses, uncached=stats.uncached,
                         hit_rate=round(stats.hit_rate, 3), local_hits=stats.local_hits,
                         remote_hits=stats.remote_hits, remote_errors=stats.remote_errors, remote=remote)


def _toolchain_used(plan: CellPlan, packages: Sequence[str],
                    ctx: StageContext) -> tuple[dict[str, CompilerUsed], dict[str, str]]:
    """toolchain-min cells: the compilers meson detected and the build deps resolved."""
    if not plan.compilers.commands():
        return {}, {}
    used = {lang: CompilerUsed(**info) for lang, info in compilers_used(plan.build_dir).items()}
    asked = {requirement_name(r) for r in [*plan.target.build_requires, *plan.target.toolchain_min_requires]}
    pinned = (p.partition("==") for p in packages)
    deps = {name: version for name, _, version in pinned if requirement_name(name) in asked}
    ctx.say(
        "    compilers used: "
        + ", ".join(f"{lang} {c.id} {c.version}" for lang, c in used.items())
        + "; build deps: "
        + ", ".join(f"{name}=={version}" for name, version in deps.items())
    )
    return used, deps
