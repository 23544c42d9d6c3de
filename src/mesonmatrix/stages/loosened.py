"""A loosened cell's source: a copy of the target's tree whose pyproject.toml declares
the loosened build requirements, as a distro packager patches it. ``build`` then checks
them with its dependency check on, so a kept bound (numpy's) that the env breaks fails
the build, as it would for the packager."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from ..errors import CellError
from ..machine.context import StageContext
from ..plan import CellPlan
from ..record import BoundRetry, BuildDepsRecord
from ..targets.sources import source_files
from ..targets.upperbounds import Loosening, above_bounds, likely_culprit
from . import StageResults


def _copy_tree(source: Path, copy: Path) -> None:
    """The files a build reads (``source_files``: no VCS, build or cache folders), with their
    mtimes, so that ninja in a kept build dir sees unchanged files as unchanged."""
    wanted = {path.relative_to(source) for path in source_files(source)}
    if copy.exists():
        for old in sorted(copy.rglob("*"), reverse=True):
            relative = old.relative_to(copy)
            if old.is_file() and relative not in wanted:
                old.unlink()
    for relative in sorted(wanted):
        target = copy / relative
        origin = source / relative
        if target.is_file() and target.stat().st_mtime == origin.stat().st_mtime and \
                target.stat().st_size == origin.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)


def rewrite_build_requires(pyproject: Path, requirements: tuple[str, ...]) -> None:
    """Replace ``[build-system] requires``, keeping the rest of the file as it was."""
    import tomlkit  # only loosened cells write TOML: not loaded at every cell's start-up

    document = tomlkit.parse(pyproject.read_text(encoding="utf-8"))
    build_system = document.get("build-system")
    if build_system is None:
        raise CellError(f"{pyproject} has no [build-system] table to loosen")
    array = tomlkit.array()
    array.extend(requirements)
    array.multiline(True)
    build_system["requires"] = array
    pyproject.write_text(tomlkit.dumps(document), encoding="utf-8")


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> Path:
    """The copy of the source tree the loosened cell builds."""
    assert plan.loosening is not None and plan.loosened_source is not None
    loosening, copy = plan.loosening, plan.loosened_source
    ctx.say(f"    loosened: {', '.join(loosening.loosened) or 'no upper bound to drop'}"
            + (f"; kept: {', '.join(loosening.kept)}" if loosening.kept else ""))
    _copy_tree(plan.target.source_dir, copy)
    pyproject = copy / "pyproject.toml"
    rewrite_build_requires(pyproject, loosening.requirements)
    shutil.copystat(plan.target.source_dir / "pyproject.toml", pyproject)  # the same mtime on every run
    ctx.say(f"    building a copy of the source whose pyproject.toml declares them: {copy}")
    return copy


def resolved_versions(loosening: Loosening, packages: Sequence[str]) -> dict[str, str]:
    """The build env's version of each requirement the target declares."""
    pinned = {str(canonicalize_name(name)): version for name, _, version in (p.partition("==") for p in packages)}
    return {name: pinned[name] for name in loosening.original if name in pinned}


def culprit_for(loosening: Loosening, packages: Sequence[str], failure: str) -> str | None:
    return likely_culprit(above_bounds(loosening.original, resolved_versions(loosening, packages)), failure)


def build_deps_record(loosening: Loosening, packages: Sequence[str] | None, failure: str | None,
                      retry: BoundRetry | None) -> BuildDepsRecord:
    resolved = resolved_versions(loosening, packages or ())
    above = above_bounds(loosening.original, resolved)
    return BuildDepsRecord(
        loosened=list(loosening.loosened), kept=dict(loosening.kept), resolved=resolved, above_bounds=above,
        likely_culprit=likely_culprit(above, failure) if failure else None, retry=retry,
    )
