"""The build-env stage: a uv venv holding the target's build requirements, the BLAS
flavour and the repair tool, and the environment every later build command runs with."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CellSkipped, PrerequisiteMissing
from ..lockfiles.locks import pins_digest
from ..machine.apt import ensure_commands
from ..machine.bytecode import seed_bytecode, seed_stdlib_bytecode, stdlib_of
from ..machine.context import StageContext
from ..machine.eviction import UNUSED_DAYS, evict_unused_envs
from ..machine.locking import exclusive_lock, shared_lock
from ..machine.pythons import DISTRO, axis_version, ensure_distro_headers, find_python, python_pc_files
from ..machine.toolchain import FloorCheck, check_floor
from ..machine.uv import create_venv, freeze_command, install_command, install_from_lock
from ..plan import CellPlan
from ..targets.sources import source_date_epoch
from . import StageResults
from .preflight import check_compilers, check_requires_python, check_system_libraries, ensure_build_commands


@dataclass(frozen=True, kw_only=True)
class BuildEnv:
    python: Path  # the interpreter the cell's venvs are made from
    path: Path  # the build env
    env_python: Path  # the build env's own interpreter
    env: dict[str, str] = field(default_factory=dict)  # variables every build command adds (PATH, PKG_CONFIG_PATH …)
    source_date_epoch: int
    floor: FloorCheck | None = None  # toolchain-min: the proposed compiler against meson.build's floor
    # ``name==version`` of every package in the env (``uv pip freeze``), read once after it
    # was made or found up to date: the configure fingerprint, the seed key, the repair key
    # and a loosened cell's resolved versions all take it from here.
    packages: tuple[str, ...] = ()


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> BuildEnv:
    """The cell's build env, found up to date (under its shared lock) or made (under its
    exclusive lock), and its flavour's pkg-config files."""
    if plan.lock_notice:
        ctx.say(f"    {plan.lock_notice}")
    ensure_commands(ctx.runner, plan.target.system_requires, f"target {plan.target.name}")
    floor = None
    if plan.compilers.commands():
        ensure_commands(ctx.runner, plan.compilers.commands(), "the toolchain under test")
        floor = check_floor(plan.target.source_dir / "meson.build", plan.compilers.cc) if plan.compilers.cc else None
        if floor is not None:
            ctx.say(f"    toolchain floor: {plan.compilers.cc} is {floor.compiler} {floor.proposed}; {floor.verdict}")
    try:
        python = find_python(plan.cell.python, cache_file=ctx.shared_cache / "pythons.json")
    except PrerequisiteMissing as exc:
        # A matrix lists every Python a project supports; a machine need not have them all.
        raise CellSkipped(str(exc)) from None
    if plan.cell.python == DISTRO:
        ensure_distro_headers(ctx.runner)
    check_requires_python(plan.target, python, cache_file=ctx.shared_cache / "pythons.json")
    resolved_now = plan.upstream is not None and any(env.env == "build" for env in plan.upstream.envs)
    source = (
        f"as resolved now ({plan.upstream.channel if plan.upstream else ''}) in {plan.build_lock}" if resolved_now
        else f"locked in {plan.build_lock.name}" if plan.build_lock
        else f"unlocked: {', '.join(plan.build_requirements)}"
    )
    env_python = plan.platform.venv_python(plan.build_env)
    with ctx.progress.stage("build_env", f"uv venv at {plan.build_env}, {source}"):
        stamp = _env_stamp(plan, python)
        # Flavours that pin the same packages share the env, and a cell holds it shared
        # while it builds and tests: an env found up to date is read under a shared lock
        # (never waiting for another flavour's tests), only (re)making it takes it whole.
        with shared_lock(plan.build_env, ctx.say):
            packages = _current_packages(plan, stamp, env_python)
        if packages is None:
            with exclusive_lock(plan.build_env, ctx.say):
                packages = _current_packages(plan, stamp, env_python)
                if packages is None:  # not made meanwhile by another cell
                    packages = _make_env(plan, ctx, stamp, python, env_python)
        else:
            ctx.say(f"    build env up to date: {plan.build_env}")
        with exclusive_lock(plan.pkg_config_dir, ctx.say):
            _provision(plan, ctx, env_python)
    epoch = int(ctx.runner.env.get("SOURCE_DATE_EPOCH") or source_date_epoch(plan.target.source_dir))
    variables = _build_variables(plan, ctx.runner.env, epoch)
    ensure_build_commands(ctx.runner, variables["PATH"])
    check_compilers(plan.target.languages, {**ctx.runner.env, **variables})
    check_system_libraries(plan.target, plan.cell.system_libraries_spec, {**ctx.runner.env, **variables},
                           plan.setup_args)
    return BuildEnv(
        python=python,
        path=plan.build_env,
        env_python=env_python,
        env=variables,
        source_date_epoch=epoch,
        floor=floor,
        packages=packages,
    )


# In the env, beside what it holds: what it was made for (``_env_stamp``), and its packages
# as `uv pip freeze` said when it was made.
_STAMP, _FROZEN = "mesonmatrix-requirements.json", "mesonmatrix-packages.txt"


def _env_stamp(plan: CellPlan, python: Path) -> str:
    """What the env must hold: this interpreter, the requirements and what the lock pins
    (not the lock file's bytes: flavours whose locks pin the same share the env)."""
    pins = pins_digest(plan.build_lock) if plan.build_lock else None
    return json.dumps({"python": str(python), "requirements": list(plan.build_requirements), "pins": pins})


def _env_made(plan: CellPlan) -> str:
    """Which making of the env this is: its stamp file is written anew each time."""
    info = (plan.build_env / _STAMP).stat()
    return f"{info.st_ino}-{info.st_mtime_ns}"


def _provision(plan: CellPlan, ctx: StageContext, env_python: Path) -> None:
    """The provider's .pc files for this flavour. They describe the env's packages
    (scipy-openblas points into its site-packages), so the folder is emptied unless its
    marker names this making of the env; the marker is written only once they all are, so
    a provision cut short is done again."""
    folder, marker = plan.pkg_config_dir, plan.pkg_config_dir / ".mesonmatrix-env"
    made = _env_made(plan)
    if not (marker.is_file() and marker.read_text() == made):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    plan.provider.provision(ctx.runner, build_python=env_python, pkg_config_dir=folder)
    if not (folder / "python3.pc").exists():
        # The cell's own interpreter's python3.pc before the system's: a dependency('python3')
        # found Debian's 3.11 flags while building for pyenv's 3.12 (pkg-config searches
        # this folder first, then its defaults).
        for pc in python_pc_files(env_python):
            shutil.copy2(pc, folder / pc.name)
    marker.write_text(made)


def _current_packages(plan: CellPlan, wanted: str, env_python: Path) -> tuple[str, ...] | None:
    """The env's packages (``name==version``) if its stamp says it holds exactly ``wanted``
    (``_env_stamp``), else None."""
    # The env is never changed after it was made (it is remade when the stamp differs), so
    # asking uv again on every cell only cost a uv start.
    stamp, frozen = plan.build_env / _STAMP, plan.build_env / _FROZEN
    if stamp.is_file() and stamp.read_text() == wanted and env_python.exists() and frozen.is_file():
        return tuple(frozen.read_text().splitlines())
    return None


def _make_env(plan: CellPlan, ctx: StageContext, wanted: str, python: Path, env_python: Path) -> tuple[str, ...]:
    """The env made afresh for ``wanted``; its packages."""
    stamp, frozen = plan.build_env / _STAMP, plan.build_env / _FROZEN
    stamp.unlink(missing_ok=True)
    # The cell's interpreter reads bytecode from the cache's prefix from here on: give it
    # its standard library's compiled files (the tool's own got them in keep_bytecode).
    stdlib = stdlib_of(python, axis_version(plan.cell.python))
    seed_stdlib_bytecode([stdlib] if stdlib else [], ctx.runner.env, ctx.shared_cache)
    create_venv(ctx.runner, ctx.uv, python, plan.build_env, label="create build env")
    _install_requirements(plan, ctx, env_python)
    siblings = sorted(p for p in plan.build_env.parent.glob(f"py{plan.cell.python}-*") if p.is_dir()
                      and not p.is_symlink() and p != plan.build_env)
    linked = seed_bytecode(plan.build_env, siblings, ctx.runner.env)
    if linked:
        ctx.say(f"    {linked} bytecode files linked from a sibling env (Python checks each before use)")
    packages = _installed_packages(ctx, env_python)
    frozen.write_text("".join(f"{line}\n" for line in packages))
    stamp.write_text(wanted)
    # A new env is where an older one may have stopped being used (a relock): the envs no
    # cell used for a month go, so that a persisted cache does not grow for good.
    for gone, size in evict_unused_envs(ctx.shared_cache):
        ctx.say(f"    removed the build env {gone.name}, unused for {UNUSED_DAYS:g} days ({size / 1e6:.0f} MB)")
    return packages


def _installed_packages(ctx: StageContext, env_python: Path) -> tuple[str, ...]:
    """``name==version`` of every package in the build env (``uv pip freeze``)."""
    freeze = ctx.runner.run(freeze_command(ctx.uv, env_python), label="build env packages")
    # Only the requirement lines: uv's "Using Python … environment at: <env>" note (on
    # stderr, which the runner merges) named the flavour's env path among the packages.
    return tuple(line.strip() for line in freeze.stdout.splitlines() if "==" in line or " @ " in line)


def _install_requirements(plan: CellPlan, ctx: StageContext, env_python: Path) -> None:
    run = ctx.runner.run
    if plan.lowest_build_deps:
        # The target's own floors, exactly: every [build-system] requirement at the
        # lowest version it allows. The tools come after, at normal versions.
        floors = [*plan.target.build_requires, *plan.target.toolchain_min_requires]
        run(
            [*install_command(ctx.uv, env_python, (), floors), "--resolution", "lowest-direct"],
            label="install the lowest allowed build requirements",
        )
    if plan.build_lock is None:
        run([*install_command(ctx.uv, env_python, (), plan.build_requirements), *plan.indexes.args()],
            label="install build requirements")
        return
    install_from_lock(ctx.runner, ctx.uv, env_python, plan.build_lock,
                      label=f"install build requirements from {plan.build_lock.name}",
                      index_args=plan.indexes.pinned_install_args())
    if not plan.repairer_locked:
        run(
            install_command(ctx.uv, env_python, (), plan.repairer.requirements),
            label=f"install {plan.repairer.tool} (not in the lock file)",
        )


def _build_variables(plan: CellPlan, environ: Mapping[str, str], epoch: int) -> dict[str, str]:
    """The build env's tools first on PATH, the provider's .pc files first for pkg-config,
    a SOURCE_DATE_EPOCH fixed by the sources, and the compilers under test."""
    paths = [str(plan.platform.venv_bin(plan.build_env)), environ.get("PATH", "")]
    pkg = [str(plan.pkg_config_dir), environ.get("PKG_CONFIG_PATH", "")]
    return {
        **plan.compilers.env(),
        "PATH": os.pathsep.join(p for p in paths if p),
        "PKG_CONFIG_PATH": os.pathsep.join(p for p in pkg if p),
        "SOURCE_DATE_EPOCH": str(epoch),
    }
