"""The repair stage: the built wheels as shipped (the tests wheel renamed), then each
repaired by the platform's tool so that it needs nothing outside its platform policy."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import CellError, CommandCancelled, CommandFailed, CommandTimedOut, PrerequisiteMissing
from ..machine.commands import probe
from ..machine.context import StageContext
from ..model import FULL, INSTALL_PLAN, TESTS, Role
from ..plan import CellPlan
from ..record import RepairInfo, WheelInfo
from ..store.repairstore import repair_key, reusable_repair, store_repair
from ..targets.requirements import requirement_name
from ..wheels.deflate import deflate_changed
from ..wheels.derive import derive_repaired
from ..wheels.members import grafted_libraries, has_native_code, sha256_file
from ..wheels.tagsets import read_member_tags
from . import StageResults
from .build import BuildResult, wheel_info
from .build_env import BuildEnv


@dataclass(frozen=True, kw_only=True)
class RepairResult:
    paths: dict[Role, Path]  # role -> repaired wheel in ``results/…/dist/``
    infos: list[WheelInfo]
    repair: RepairInfo


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> RepairResult:
    """Each shipped wheel repaired (or taken from the plan's repair store, a folder per
    role, while nothing that decides the repair changed), then checked against its
    platform policy. Where the repairer allows it, runtime and tests wheels are cut from
    the repaired full wheel instead (``wheels/derive.py``): one repair per build."""
    build_env, build = earlier.env(), earlier.built()
    shipped, store_root = build.shipped, plan.repair_store
    dist = plan.results_dir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    repaired: dict[Role, Path] = {}
    tag: str | None = None
    grafted: set[str] = set()
    reused: list[bool] = []
    derived: list[str] = []
    full: tuple[Path, bool] | None = None
    with ctx.progress.stage("repair", f"{plan.repairer.tool} for {plan.platform.name}"):
        member_tags = _cut_by_member_tags(plan, build)
        for role, wheel in shipped.paths.items():
            if not has_native_code(wheel):
                repaired[role] = Path(shutil.copy2(wheel, dist / wheel.name))
                continue
            if role != FULL and member_tags is not None:
                full = full or _repair_full(plan, ctx, build_env, build, store_root / FULL)
                repaired[role] = _derive(plan, role, full[0], member_tags, dist)
                reused.append(full[1])
                derived.append(role)
                ctx.say(f"    {role} wheel cut from the repaired full wheel: {repaired[role].name}")
            else:
                sha256 = next(info.sha256 for info in shipped.infos if info.role == role)
                repaired[role], was_reused = _repair_one(plan, ctx, build_env, build, wheel, sha256, role, dist,
                                                         store_root / role)
                reused.append(was_reused)
            policy = _policy(plan, ctx, build_env, role, repaired[role])
            if policy is not None and (role != TESTS or tag is None):
                tag = policy
            grafted.update(grafted_libraries(repaired[role]))
    info = RepairInfo(tool=plan.repairer.tool, tag=tag, grafted=sorted(grafted), reused=bool(reused) and all(reused),
                      derived=derived)
    return RepairResult(paths=repaired, infos=[wheel_info(role, path) for role, path in repaired.items()], repair=info)


# A repair tool that hangs (auditwheel on a wheel it cannot read, a stuck patchelf) ends
# here at the latest: SciPy's repairs took 10-45 s on this machine.
REPAIR_TIME_LIMIT = 1800.0


def _repair_limit(plan: CellPlan) -> float:
    """A repair is part of making the wheel: bounded by the cell's build_time_limit, and by
    REPAIR_TIME_LIMIT at most (a repair takes seconds, a build may take hours)."""
    return min(plan.settings.build_seconds, REPAIR_TIME_LIMIT)


def _policy(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, role: Role, wheel: Path) -> str | None:
    shown = None
    if plan.options.verify_repair:
        shown = ctx.runner.run(plan.repairer.show_command(wheel), label=f"verify the repaired {role} wheel",
                               extra_env=build_env.env, timeout=_repair_limit(plan)).stdout
    return plan.repairer.policy_tag(wheel, shown)  # RepairRejected, a CellError, says what is wrong


def _cut_by_member_tags(plan: CellPlan, build: BuildResult) -> dict[str, str | None] | None:
    """The full wheel's member tags when cut wheels come from the repaired full wheel: for
    a repairer proven to allow it, cut wheels that were cut (not built by meson-python) and
    no per-wheel check asked; None when each wheel is repaired on its own."""
    options = plan.options
    if not (plan.repairer.derives_cut_wheels and options.tag_wheels == INSTALL_PLAN and not options.repair_each
            and not options.verify_repair and FULL in build.wheels):
        return None
    return read_member_tags(build.wheels[FULL].parent)


def _repair_full(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, build: BuildResult,
                 store: Path) -> tuple[Path, bool]:
    """The build's repaired full wheel (from the store when the full cell repaired it),
    kept beside the cell's results, not in its dist."""
    out = plan.results_dir / "repaired-full"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wheel = build.wheels[FULL]
    return _repair_one(plan, ctx, build_env, build, wheel, sha256_file(wheel), FULL, out, store)


def pc_library_dirs(pkg_config_dir: Path, env: Mapping[str, str]) -> tuple[Path, ...]:
    """The ``libdir`` of each .pc file in ``pkg_config_dir``, as pkg-config itself reads it."""
    found: list[Path] = []
    for pc in sorted(pkg_config_dir.glob("*.pc")) if pkg_config_dir.is_dir() else []:
        answer = probe(["pkg-config", "--variable=libdir", pc.stem],
                       env={**env, "PKG_CONFIG_PATH": str(pkg_config_dir)})
        folder = answer.stdout.strip() if answer is not None and answer.returncode == 0 else ""
        if folder and Path(folder).is_dir() and Path(folder) not in found:
            found.append(Path(folder))
    return tuple(found)


def _derive(plan: CellPlan, role: Role, repaired_full: Path, member_tags: Mapping[str, str | None],
            dist: Path) -> Path:
    return derive_repaired(role, repaired_full, member_tags, dist, tests_project_name=plan.target.tests_project_name,
                           tests_requires=(f"{plan.target.project_name}=={plan.target.version}",))


def _repair_one(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, build: BuildResult, wheel: Path,
                wheel_sha256: str, role: Role, dist: Path, store: Path) -> tuple[Path, bool]:
    """The repaired ``role`` wheel in ``dist``, and whether it came from the store."""
    lib_dirs = plan.provider.runtime_library_path()
    if plan.platform.repair_needs_library_dirs:
        lib_dirs += plan.provider.shared_library_dirs(ctx.runner, build_env.python)
    else:
        # The binaries' RUNPATH names the build root's env link (machine/buildroot.py), which
        # another build may have pointed elsewhere since (or at a cache since removed): the
        # repair is told the flavour's own library folders, as its .pc files name them.
        lib_dirs += pc_library_dirs(plan.pkg_config_dir, build_env.env)
    repair_env = plan.platform.repair_env(lib_dirs)
    names = {requirement_name(r) for r in plan.repairer.requirements}
    versions = {name: version for name, _, version in (p.partition("==") for p in build_env.packages)
                if requirement_name(name) in names}
    # Stored, then deflated here where the repair changed something (wheels/deflate.py).
    stored_args = plan.repairer.store_members_args(versions)
    argv = [*plan.repairer.repair_command(wheel, dist, platform=plan.platform, lib_dirs=lib_dirs,
                                          policy=plan.manylinux), *stored_args]
    key = repair_key(wheel=wheel, wheel_sha256=wheel_sha256, out_dir=dist, argv=argv, env=repair_env,
                     tool=plan.repairer.tool, tool_versions=versions)
    stored = reusable_repair(store, key, ctx.say)
    if stored is not None:
        ctx.say(f"    {role} wheel: repair reused ({stored.name}; wheel, {plan.repairer.tool} and grafted "
                "libraries unchanged)")
        return Path(shutil.copy2(stored, dist / stored.name)), True
    before = set(dist.glob("*.whl"))
    # The build env's PATH holds the repair tool; the platform adds where its libraries are.
    # auditwheel -v is verbose (hundreds of lines for one wheel): the log keeps them all.
    try:
        result = ctx.runner.run(argv, label=f"repair the {role} wheel", extra_env={**build_env.env, **repair_env},
                                echo=False, timeout=_repair_limit(plan))
    except CommandCancelled:
        raise  # the cell stopped it (its test venv failed): the pipeline says why
    except CommandTimedOut as exc:
        raise CellError(f"{plan.repairer.tool} was still repairing the {role} wheel after {exc.seconds:g} s and was "
                        f"ended with every process it started (log: {exc.log})") from None
    except CommandFailed as exc:
        if plan.manylinux:
            shown = ctx.runner.run(plan.repairer.show_command(wheel), label=f"what keeps {wheel.name} from the policy",
                                   extra_env={**build_env.env, **repair_env}, check=False, echo=False,
                                   timeout=_repair_limit(plan)).stdout
            raise CellError(_beyond_policy(plan, wheel, exc, shown)) from None
        raise
    new = sorted(set(dist.glob("*.whl")) - before)
    if len(new) != 1:
        raise CellError(f"{plan.repairer.tool} wrote {len(new)} wheels for {wheel.name}, expected one")
    if stored_args:
        counts = deflate_changed(new[0], wheel)
        ctx.runner.note(f"[{new[0].name}: {counts.copied} members as the built wheel compressed them, "
                        f"{counts.deflated} deflated (changed or added by the repair)]")
    sources = plan.repairer.grafted_sources(result.stdout)
    ctx.say(f"    {role} wheel repaired: {new[0].name}"
            + (f"; grafted {', '.join(s.name for s in sources) or 'nothing'}" if sources is not None else ""))
    if sources is not None:
        store_repair(new[0], store, key, sources)
    return new[0], False


def _beyond_policy(plan: CellPlan, wheel: Path, failed: CommandFailed, shown: str) -> str:
    """Why the wheel cannot meet the cell's manylinux policy, naming what is too new: the
    versioned symbols ``auditwheel show`` finds in it and the libraries it would graft,
    and anything verify's manylinux rules find in its own binaries."""
    assert plan.manylinux is not None  # asked only of a cell with a policy
    tag = plan.platform.manylinux_tag(plan.manylinux)
    text = " ".join(shown.split())
    symbols = re.search(r"references external versioned symbols in these system-provided shared libraries: "
                        r"(.*?)\s*This constrains the platform tag to \"([^\"]+)\"", text)
    from ..verify.inspect import policy_problems  # verify's rules, loaded only for a wheel beyond its policy

    try:
        found = [f"{p.member}: {p.detail}" for p in policy_problems(wheel, tag)]
    except PrerequisiteMissing:  # without the verify extra, auditwheel's own account below still names it
        found = []
    if symbols:
        found.append(f"it needs {symbols.group(1)}, which allows no older tag than {symbols.group(2)}")
    named = "; ".join(found[:5]) if found else (failed.tail.strip().splitlines() or ["(no reason given)"])[-1]
    return f"{wheel.name} cannot meet {tag} (manylinux {plan.manylinux}): {named} (log: {failed.log})"
