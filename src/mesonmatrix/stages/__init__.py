"""The stages a cell runs, one module each, in the order the pipeline runs them:
``resolve`` (cells of a dependency channel other than locked) → ``build_env`` (after
``preflight``'s checks) → ``loosened`` (loosened cells) → ``build``
→ ``repair`` (wheel cells) or ``package`` (deb and conda cells) → ``partition`` (split
cells) → ``test`` (or ``packagetest`` for a .deb).

Every stage has one entry point of one shape, ``run(plan, ctx, earlier) -> Result``: the
cell's plan (every decision, made before any command runs), what it runs with (its
command runner, progress output and uv), and what the stages before it returned. A stage
reads what an earlier stage returned instead of computing it again, and none writes the
result record: the pipeline assembles it once from these results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from ..machine.context import StageContext
    from ..plan import CellPlan
    from ..record import PackageRecord
    from ..testing.earlyvenv import EarlyVenv
    from .build import BuildResult
    from .build_env import BuildEnv
    from .partition import SplitCheck
    from .repair import RepairResult
    from .resolve import Resolved
    from .test import TestResult

_Result = TypeVar("_Result", covariant=True)


class Stage(Protocol[_Result]):
    """The one shape of a stage's entry point."""

    def __call__(self, plan: CellPlan, ctx: StageContext, earlier: StageResults) -> _Result: ...


@dataclass
class StageResults:
    """What the stages of one cell have returned so far; a failed cell's record shows every part."""

    resolved: Resolved | None = None  # latest, pre and oldest cells: what the envs install
    build_env: BuildEnv | None = None
    loosened_source: Path | None = None  # loosened cells: the copy of the source that declares the loosened bounds
    build: BuildResult | None = None
    repair: RepairResult | None = None  # wheel cells
    package: PackageRecord | None = None  # deb and conda cells
    split: SplitCheck | None = None  # split cells
    tests: TestResult | None = None
    test_venv: EarlyVenv | None = None  # wheel cells: the test venv, made while the build and repair run

    def env(self) -> BuildEnv:
        if self.build_env is None:
            raise RuntimeError("the build_env stage runs before this one")
        return self.build_env

    def built(self) -> BuildResult:
        if self.build is None:
            raise RuntimeError("the build stage runs before this one")
        return self.build

    def repaired(self) -> RepairResult:
        if self.repair is None:
            raise RuntimeError("the repair stage runs before this one")
        return self.repair

    def packaged(self) -> PackageRecord:
        if self.package is None:
            raise RuntimeError("the package stage runs before this one")
        return self.package


__all__ = ["Stage", "StageResults"]
