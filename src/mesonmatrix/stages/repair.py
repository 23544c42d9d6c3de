"""The repair stage: the built wheels as shipped (the tests wheel renamed), then each
repaired by the platform's tool so that it needs nothing outside its platform policy."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config.locks import requirement_name
from ..errors import CellError
from ..plan import CellPlan
from ..record import RepairInfo, WheelInfo
from ..wheels.files import grafted_libraries, has_native_code, sha256_file
from ..wheels.rename import rename_wheel
from .build import BuildResult
from .build_env import BuildEnv
from .context import StageContext
from .repairstore import repair_key, reusable_repair, store_repair


@dataclass(frozen=True, kw_only=True)
class ShippedWheels:
    """The wheels as built, under the names they ship with, in ``results/…/built/``."""

    paths: dict[str, Path]
    infos: list[WheelInfo]


@dataclass(frozen=True, kw_only=True)
class RepairResult:
    paths: dict[str, Path]  # role -> repaired wheel in ``results/…/dist/``
    infos: list[WheelInfo]
    repair: RepairInfo


def wheel_info(role: str, path: Path) -> WheelInfo:
    return WheelInfo(role=role, path=str(path), size=path.stat().st_size, sha256=sha256_file(path))


def ship_built_wheels(plan: CellPlan, built: dict[str, Path]) -> ShippedWheels:
    """Copy each role's wheel out of the store; the tests wheel becomes ``<name>-tests``,
    which requires exactly this version of the project."""
    raw = plan.results_dir / "built"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    paths: dict[str, Path] = {}
    for role in plan.roles:
        wheel = built[role]
        if role == "tests":
            paths[role] = rename_wheel(wheel, plan.target.tests_project_name, raw,
                                       requires=(f"{plan.target.project_name}=={plan.target.version}",))
        else:
            paths[role] = Path(shutil.copy2(wheel, raw / wheel.name))
    return ShippedWheels(paths=paths, infos=[wheel_info(role, path) for role, path in paths.items()])


def repair_wheels(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, build: BuildResult,
                  shipped: ShippedWheels, store_root: Path) -> RepairResult:
    """Each shipped wheel repaired (or taken from ``store_root``, a folder per role, while
    nothing that decides the repair changed), then checked against its platform policy."""
    dist = plan.results_dir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    repaired: dict[str, Path] = {}
    tag: str | None = None
    grafted: set[str] = set()
    reused: list[bool] = []
    with ctx.progress.stage("repair", f"{plan.repairer.tool} for {plan.platform.name}"):
        for role, wheel in shipped.paths.items():
            if not has_native_code(wheel):
                repaired[role] = Path(shutil.copy2(wheel, dist / wheel.name))
                continue
            repaired[role], was_reused = _repair_one(plan, ctx, build_env, build, shipped, role, dist,
                                                     store_root / role)
            reused.append(was_reused)
            shown = None
            if plan.verify_repair:
                shown = ctx.runner.run(plan.repairer.show_command(repaired[role]),
                                       label=f"verify the repaired {role} wheel", extra_env=build_env.env).stdout
            try:
                policy = plan.repairer.policy_tag(repaired[role], shown)
            except ValueError as exc:
                raise CellError(str(exc)) from None
            if policy is not None and (role != "tests" or tag is None):
                tag = policy
            grafted.update(grafted_libraries(repaired[role]))
    info = RepairInfo(tool=plan.repairer.tool, tag=tag, grafted=sorted(grafted), reused=bool(reused) and all(reused))
    return RepairResult(paths=repaired, infos=[wheel_info(role, path) for role, path in repaired.items()], repair=info)


def _repair_one(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, build: BuildResult, shipped: ShippedWheels,
                role: str, dist: Path, store: Path) -> tuple[Path, bool]:
    """The repaired ``role`` wheel in ``dist``, and whether it came from the store."""
    wheel = shipped.paths[role]
    lib_dirs = plan.provider.runtime_library_path()
    if plan.platform.repair_needs_library_dirs:
        lib_dirs += plan.provider.shared_library_dirs(ctx.runner, build_env.python)
    repair_env = plan.platform.repair_env(lib_dirs)
    argv = plan.repairer.repair_command(wheel, dist, platform=plan.platform, lib_dirs=lib_dirs)
    names = {requirement_name(r) for r in plan.repairer.requirements}
    versions = {name: version for name, _, version in (p.partition("==") for p in build.build_env_packages)
                if requirement_name(name) in names}
    # The shipped wheel was hashed for the record when it was copied out of the store.
    wheel_sha256 = next(info.sha256 for info in shipped.infos if info.role == role)
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
    result = ctx.runner.run(argv, label=f"repair the {role} wheel", extra_env={**build_env.env, **repair_env},
                            echo=False)
    new = sorted(set(dist.glob("*.whl")) - before)
    if len(new) != 1:
        raise CellError(f"{plan.repairer.tool} wrote {len(new)} wheels for {wheel.name}, expected one")
    sources = plan.repairer.grafted_sources(result.stdout)
    ctx.say(f"    {role} wheel repaired: {new[0].name}"
            + (f"; grafted {', '.join(s.name for s in sources) or 'nothing'}" if sources is not None else ""))
    if sources is not None:
        store_repair(new[0], store, key, sources)
    return new[0], False
