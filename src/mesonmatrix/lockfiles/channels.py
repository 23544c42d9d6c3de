"""A cell's dependency channel, planned: what its ``resolve`` stage resolves, from which
inputs and indexes, and which locks its drift is measured against.

- ``locked`` (the default): nothing is resolved; the envs install the lock files.
- ``latest`` and ``pre``: the build env and the test env are resolved afresh from the
  inputs the locks are compiled from (the project's own bounds), ``pre`` with
  pre-releases allowed.
- ``oldest``: the build is the locked one; the test env holds the lowest versions of the
  wheel's own runtime requirements that install from a wheel on the cell's Python (numpy
  >=1.25 on 3.12 gives 1.26.x: 1.25 has no cp312 wheel), the test tools at their newest.

The culprit search runs a cell once per step with ``CulpritStep`` pins: each env resolved
with the good versions as preferences and the step's bad versions as constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import LATEST, LOCKED, OLDEST, PRE, DepsChannel
from ..options import CulpritStep
from .resolve import Indexes, Resolution


@dataclass(frozen=True, kw_only=True)
class EnvResolution:
    """How one env (build or test) is resolved at run time."""

    env: str  # "build" or "test"
    inputs: tuple[str, ...]  # what the lock of this env is compiled from
    how: Resolution
    out: Path  # the resolved, hash-pinned file
    lock: Path | None  # the env's lock file, to measure drift against (None: there is none)
    # oldest: the wheel's runtime requirements, resolved lowest-direct first; their versions
    # then constrain the whole test env.
    lowest_first: tuple[str, ...] = ()
    prefer: Path | None = None  # a culprit step's good pins
    force: Path | None = None  # a culprit step's bad versions


@dataclass(frozen=True, kw_only=True)
class UpstreamPlan:
    """What a non-locked cell resolves before its build env is made."""

    channel: DepsChannel
    indexes: Indexes
    envs: tuple[EnvResolution, ...]


def upstream_plan(channel: DepsChannel, indexes: Indexes, folder: Path, *,
                  build: tuple[tuple[str, ...], Path | None], test: tuple[tuple[str, ...], Path | None],
                  runtime: tuple[str, ...], step: CulpritStep | None = None) -> UpstreamPlan | None:
    """The resolution of a cell of ``channel``; ``build`` and ``test`` are each env's lock
    inputs and lock file. None for a locked cell that is no culprit step."""
    if channel == LOCKED and step is None:
        return None
    pre = channel == PRE

    def env(name: str, inputs: tuple[str, ...], lock: Path | None, how: Resolution,
            lowest_first: tuple[str, ...] = ()) -> EnvResolution:
        if step is not None:  # prefer the good, force the step's bad; the bad may be pre-releases
            how = Resolution(prereleases=True, best_match=True)
            return EnvResolution(env=name, inputs=inputs, how=how, out=folder / f"{name}.txt", lock=lock,
                                 prefer=step.prefer.get(name), force=step.force.get(name))
        return EnvResolution(env=name, inputs=inputs, how=how, out=folder / f"{name}.txt", lock=lock,
                             lowest_first=lowest_first)

    envs = []
    if channel in (LATEST, PRE):
        envs.append(env("build", *build, Resolution(prereleases=pre)))
    envs.append(env("test", *test, Resolution(prereleases=pre),
                    lowest_first=runtime if channel == OLDEST else ()))
    return UpstreamPlan(channel=channel, indexes=indexes, envs=tuple(envs))
