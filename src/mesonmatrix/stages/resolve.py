"""The resolve stage (cells of the latest, pre and oldest channels, and the culprit's steps):
each env's requirements resolved by uv into a hash-pinned file in the cell's results, which
the build env and the test venv then install as they install a lock.

Nothing is made before every resolution has succeeded: an unreachable index or a
resolution without a solution ends the cell here, in one line, before any env exists.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name

from ..errors import CellError, CellSkipped, PrerequisiteMissing
from ..lockfiles.channels import EnvResolution, UpstreamPlan
from ..lockfiles.resolve import Change, Pinned, compile_argv, drift_from_lock, read_resolved, uv_failure
from ..machine.context import StageContext
from ..machine.pythons import find_python
from ..plan import CellPlan, with_build_lock
from ..redact import redacted
from ..targets.requirements import requirement_name
from . import StageResults


@dataclass(frozen=True, kw_only=True)
class Resolved:
    """What the resolve stage resolved: each env's file and packages, and the drift."""

    files: dict[str, Path]  # env ("build", "test") -> its resolved, hash-pinned file
    packages: dict[str, list[Pinned]]  # env -> what it installs, with the index of each
    drift: list[Change]  # each package whose version is not its lock's
    warnings: list[str]  # an extra index that served nothing (a typo in its URL, most likely)


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> Resolved:
    upstream = plan.upstream
    assert upstream is not None
    try:
        python = find_python(plan.cell.python, cache_file=ctx.shared_cache / "pythons.json")
    except PrerequisiteMissing as exc:
        raise CellSkipped(str(exc)) from None
    where = ", ".join(redacted(url) for url in upstream.indexes.urls) or "the default index"
    for env in upstream.envs:  # an earlier run's files must not stand beside this run's
        env.out.unlink(missing_ok=True)
    with ctx.progress.stage("resolve", f"{upstream.channel}: {' and '.join(e.env for e in upstream.envs)} env "
                                       f"from {where}"):
        files = _resolve_all(upstream, plan, ctx, python)
    packages = {env: read_resolved(path) for env, path in files.items()}
    drift = [change for env in upstream.envs for change in drift_from_lock(env.env, env.lock, files[env.env])]
    for change in drift:
        ctx.say(f"    {change.env} env: {change.text}")
    if not drift:
        ctx.say("    no version differs from the locks" if any(e.lock for e in upstream.envs)
                else "    no lock to measure the drift against")
    warnings = [f"the index {url} served none of the requirements: check its URL (each package came from "
                f"another index)" for url in upstream.indexes.unused([p for pins in packages.values() for p in pins])]
    for warning in warnings:
        ctx.say(f"    warning: {warning}")
    return Resolved(files=files, packages=packages, drift=drift, warnings=warnings)


def _resolve_all(upstream: UpstreamPlan, plan: CellPlan, ctx: StageContext, python: Path) -> dict[str, Path]:
    """Every env resolved at once: uv spends most of a resolution waiting on the index, and a
    latest cell's two resolutions one after the other were 0.3-0.5 s of the demo's cell.
    The build env's runs on the cell's runner; each other on a runner of its own, whose log
    (``resolved/<env>.log``) is then appended to the cell log."""
    first, *others = upstream.envs
    own = {env.env: replace(ctx, runner=replace(ctx.runner, log=env.out.parent / f"{env.env}.log",
                                                stream=io.StringIO(), echo_output=False)) for env in others}
    for env in others:
        own[env.env].runner.log.parent.mkdir(parents=True, exist_ok=True)
        own[env.env].runner.log.write_text("")
    with ThreadPoolExecutor(max_workers=len(others) or 1) as pool:
        started = {env.env: pool.submit(_resolve, env, upstream, plan, own[env.env], python) for env in others}
        try:
            files = {first.env: _resolve(first, upstream, plan, ctx, python)}
        finally:
            for future in started.values():  # each to its end before any error is raised
                future.exception()
            for env in others:
                ctx.runner.note(own[env.env].runner.log.read_text(encoding="utf-8", errors="replace"))
    return {**files, **{name: future.result() for name, future in started.items()}}


def _resolve(env: EnvResolution, upstream: UpstreamPlan, plan: CellPlan, ctx: StageContext, python: Path) -> Path:
    """One env's requirements resolved into ``env.out``, written whole: a failed
    resolution leaves no file a later step could install."""
    folder = env.out.parent
    folder.mkdir(parents=True, exist_ok=True)
    inputs = folder / f"{env.env}.in"
    inputs.write_text("".join(f"{line}\n" for line in env.inputs), encoding="utf-8")
    partial = folder / f".{env.out.stem}.{os.getpid()}.txt"  # uv reads the format from the suffix
    constraints = env.force
    if env.lowest_first:
        constraints = _lowest_direct(env, upstream, ctx, python)
    try:
        if env.prefer is not None:
            shutil.copyfile(env.prefer, partial)  # uv keeps an output file's pins where it can
        argv = compile_argv(ctx.uv, inputs, partial, python, upstream.indexes, env.how, constraints)
        result = ctx.runner.run(argv, label=f"resolve the {env.env} env ({upstream.channel})", check=False)
        if result.returncode != 0:
            raise CellError(f"resolving the {env.env} env: {uv_failure(result.stdout, upstream.indexes)}")
        partial.replace(env.out)
    finally:
        partial.unlink(missing_ok=True)
    return env.out


def _lowest_direct(env: EnvResolution, upstream: UpstreamPlan, ctx: StageContext, python: Path) -> Path:
    """``oldest``: the lowest version of each of the wheel's runtime requirements that
    installs from a wheel on this Python, as a constraints file for the whole test env."""
    folder = env.out.parent
    runtime, lowest = folder / "runtime.in", folder / "runtime-lowest.txt"
    runtime.write_text("".join(f"{line}\n" for line in env.lowest_first), encoding="utf-8")
    lowest.unlink(missing_ok=True)
    how = replace(env.how, lowest_direct=True, only_binary=True)
    result = ctx.runner.run(compile_argv(ctx.uv, runtime, lowest, python, upstream.indexes, how),
                            label="resolve the lowest runtime requirements with wheels for this Python", check=False)
    if result.returncode != 0:
        raise CellError(f"resolving the oldest runtime requirements: {uv_failure(result.stdout, upstream.indexes)}")
    direct = {str(canonicalize_name(requirement_name(line))) for line in env.lowest_first}
    pins = [p for p in read_resolved(lowest) if p.name in direct]
    for pin in pins:
        ctx.say(f"    oldest: {pin.name}=={pin.version} (the lowest its requirement allows with a wheel here)")
    constraints = folder / "runtime-constraints.txt"
    constraints.write_text("".join(f"{p.name}=={p.version}\n" for p in pins), encoding="utf-8")
    return constraints


def resolved_plan(plan: CellPlan, resolved: Resolved, say: Callable[[str], None] = print) -> CellPlan:
    """The plan whose envs install the resolved files instead of the locks. A build env
    resolved to exactly what its current lock pins installs the lock, in the locked cell's
    env (SciPy's latest cell then reuses the locked cell's stored wheel: 1 s, not a 90 s
    rebuild in an env of its own)."""
    build, test = resolved.files.get("build"), resolved.files.get("test")
    tests = replace(plan.tests, lock=test or plan.tests.lock)
    lock = next((env.lock for env in plan.upstream.envs if env.env == "build"), None) if plan.upstream else None
    if build is not None and lock is not None and not any(c.env == "build" for c in resolved.drift):
        say(f"    build env: what {lock.name} pins, so the locked cells' env serves it")
        return replace(with_build_lock(plan, lock), tests=tests)
    return replace(plan, build_lock=build or plan.build_lock,
                   repairer_locked=plan.repairer_locked or build is not None, tests=tests)
