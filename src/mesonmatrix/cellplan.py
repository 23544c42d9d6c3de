"""A cell's plan: what it will build, with which BLAS, env, build dir and repairer, and
why it might not apply here — all decided before any command runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .blas import PROVIDERS, BlasProvider
from .build import ROLES_BY_TAG_SET
from .locks import BUILD_TOOLS, build_lock_path, suite_lock_path
from .model import Cell
from .platforms import PLATFORMS, Platform
from .repair import Repairer, repairer_for
from .targets import Target
from .toolchain import Compilers
from .workspace import Workspace


class CellSkipped(Exception):
    """The cell does not apply here; the message is the one-line reason."""


# How runtime and tests wheels are made: cut from the full wheel by install tag, or built
# by meson-python with --tags (see tagsets.py for why the first is the default).
TAG_WHEEL_METHODS = ("install-plan", "meson-python")


@dataclass(frozen=True, kw_only=True)
class CellPlan:
    """What a cell will do, decided before any command runs."""

    cell: Cell
    target: Target
    provider: BlasProvider
    platform: Platform
    repairer: Repairer
    build_key: str
    build_dir: Path
    build_env: Path
    pkg_config_dir: Path
    results_dir: Path
    setup_args: tuple[str, ...]
    build_requirements: tuple[str, ...]
    suite: str
    suite_args: tuple[str, ...]
    roles: tuple[str, ...]  # wheels the cell ships: full, or runtime (+ tests)
    compilers: Compilers = Compilers()  # set for toolchain-min cells
    lowest_build_deps: bool = False
    build_lock: Path | None = None  # None: no lock file, resolved at run time
    test_lock: Path | None = None
    tag_wheels: str = "install-plan"
    verify_repair: bool = False

    @property
    def needs_full_reference(self) -> bool:
        return self.cell.install_tags == "split"

    def build_roles(self) -> tuple[str, ...]:
        """Wheels to build, in order. A cut tag set needs the full wheel first."""
        needs_full = self.needs_full_reference or self.tag_wheels == "install-plan"
        return ("full", *(r for r in self.roles if r != "full")) if needs_full else self.roles


def skip_reason(cell: Cell, target: Target, provider: BlasProvider, host: str) -> str | None:
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
            return f"{target.name}'s use-system-libraries knows {', '.join(target.system_components) or 'no components'}, not {', '.join(unknown)}"
    return None


def plan_cell(cell: Cell, target: Target, workspace: Workspace, *, repair_tool: str | None = None,
              suite: str | None = None, compilers: Compilers | None = None, project_root: Path | None = None,
              tag_wheels: str = "install-plan", verify_repair: bool = False) -> CellPlan:
    if tag_wheels not in TAG_WHEEL_METHODS:
        raise ValueError(f"tag_wheels must be one of {', '.join(TAG_WHEEL_METHODS)}, not {tag_wheels!r}")
    provider = PROVIDERS[cell.blas]
    toolchain_min = cell.kind == "toolchain-min"
    key = workspace.build_key(cell, target) + ("-toolchain-min" if toolchain_min else "")
    setup_args = [*target.blas_args.get(cell.blas, provider.setup_args()), *target.setup_args]
    if target.system_components is not None:
        setup_args.append(f"-Duse-system-libraries={cell.system_libraries_spec.meson_value}")
    platform = PLATFORMS[cell.platform]
    repairer = repairer_for(platform, repair_tool)
    requirements = sorted({*BUILD_TOOLS, *target.build_requires, *provider.build_requirements(), *repairer.requirements})
    build_lock = test_lock = None
    if project_root is not None:
        build_lock = build_lock_path(project_root, target, cell.python, cell.blas)
        test_lock = suite_lock_path(project_root, target, cell.python)
        # Lowest-direct resolution is what a toolchain-min cell tests: it is never locked.
        build_lock = build_lock if build_lock.is_file() and not toolchain_min else None
        test_lock = test_lock if test_lock.is_file() else None
    # The env's path is keyed by what is asked for, not by the lock: a refreshed lock
    # reinstalls the env in place (its stamp records the lock's hash), so the path that
    # ends up in RUNPATHs and build dirs stays put.
    if toolchain_min:
        requirements = sorted({*requirements, *target.toolchain_min_requires})
    env_key = [*requirements, "resolution=lowest-direct"] if toolchain_min else requirements
    build_env = workspace.build_env(cell.python, cell.blas, env_key)
    return CellPlan(
        cell=cell,
        target=target,
        provider=provider,
        platform=platform,
        repairer=repairer,
        build_key=key,
        build_dir=workspace.build_dir(key),
        build_env=build_env,
        pkg_config_dir=build_env / "mesonmatrix-pkgconfig",
        results_dir=workspace.results_dir(target, cell),
        setup_args=tuple(setup_args),
        build_requirements=tuple(requirements),
        suite=suite or target.default_suite,
        suite_args=target.suite_args(suite),
        compilers=compilers or Compilers(),
        lowest_build_deps=toolchain_min,
        build_lock=build_lock,
        test_lock=test_lock,
        roles=ROLES_BY_TAG_SET[cell.install_tags],
        tag_wheels=tag_wheels,
        verify_repair=verify_repair,
    )
