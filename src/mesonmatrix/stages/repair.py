"""The repair stage: the built wheels as shipped (the tests wheel renamed), then each
repaired by the platform's tool so that it needs nothing outside its platform policy."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import CellError
from ..plan import CellPlan
from ..record import RepairInfo, WheelInfo
from ..wheels.files import grafted_libraries, has_native_code, sha256_file
from ..wheels.rename import rename_wheel
from .build_env import BuildEnv
from .context import StageContext


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


def repair_wheels(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, shipped: ShippedWheels) -> RepairResult:
    dist = plan.results_dir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    repaired: dict[str, Path] = {}
    tag: str | None = None
    grafted: set[str] = set()
    lib_dirs = plan.provider.runtime_library_path()
    # The build env's PATH holds the repair tool; the platform adds where its libraries are.
    env = {**build_env.env, **plan.platform.repair_env(lib_dirs)}
    with ctx.progress.stage("repair", f"{plan.repairer.tool} for {plan.platform.name}"):
        for role, wheel in shipped.paths.items():
            if not has_native_code(wheel):
                repaired[role] = Path(shutil.copy2(wheel, dist / wheel.name))
                continue
            before = set(dist.glob("*.whl"))
            ctx.runner.run(plan.repairer.repair_command(wheel, dist, platform=plan.platform, lib_dirs=lib_dirs),
                           label=f"repair the {role} wheel", extra_env=env)
            new = sorted(set(dist.glob("*.whl")) - before)
            if len(new) != 1:
                raise CellError(f"{plan.repairer.tool} wrote {len(new)} wheels for {wheel.name}, expected one")
            repaired[role] = new[0]
            shown = None
            if plan.verify_repair:
                shown = ctx.runner.run(plan.repairer.show_command(new[0]), label=f"verify the repaired {role} wheel",
                                       extra_env=env).stdout
            try:
                policy = plan.repairer.policy_tag(new[0], shown)
            except ValueError as exc:
                raise CellError(str(exc)) from None
            if policy is not None and (role != "tests" or tag is None):
                tag = policy
            grafted.update(grafted_libraries(new[0]))
    return RepairResult(paths=repaired, infos=[wheel_info(role, path) for role, path in repaired.items()],
                        repair=RepairInfo(tool=plan.repairer.tool, tag=tag, grafted=sorted(grafted)))
