"""Lock files for build and test environments: pinned, hashed, per target and Python.

``nox -s lock`` writes ``locks/<target>/py<python>-build-<blas>.txt`` and
``locks/<target>/py<python>-test.txt`` with ``uv pip compile --universal
--generate-hashes``; cells install them with ``--require-hashes``, and the result record
names the file and its sha256. Universal locks carry markers, so one file serves Linux,
macOS and Windows cells: the repair tools are listed with the platform each runs on.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..machine.commands import CommandRunner
from ..platforms import PLATFORMS
from ..providers import BlasProvider, provider_for
from ..repairers import REPAIRERS, Repairer
from ..targets.requirements import requirement_name
from ..targets.target import Target
from .pins import pins_problem

LOCK_DIR = "locks"
BUILD_TOOLS = ("build",)
TEST_TOOLS = ("threadpoolctl",)  # the BLAS probe's second opinion


def repair_requirements() -> list[str]:
    """Every platform's repair tools, each behind the marker of the platform it runs on."""
    found: list[str] = []
    for platform in PLATFORMS.values():
        for req in REPAIRERS[platform.default_repairer].requirements:
            line = f"{req}; {platform.lock_marker}"
            if line not in found:
                found.append(line)
    return found


def build_lock_inputs(target: Target, provider: BlasProvider) -> list[str]:
    return sorted({*BUILD_TOOLS, *target.build_requires, *provider.build_requirements(), *repair_requirements()})


def suite_lock_inputs(target: Target) -> list[str]:
    return sorted({*target.test_requires, *TEST_TOOLS, *target.runtime_requires})


def build_lock_path(project_root: Path, target_name: str, python: str, blas: str) -> Path:
    return project_root / LOCK_DIR / target_name / f"py{python}-build-{blas}.txt"


def suite_lock_path(project_root: Path, target_name: str, python: str) -> Path:
    return project_root / LOCK_DIR / target_name / f"py{python}-test.txt"


def build_lock_for(project_root: Path, target: Target, python: str, flavour: str) -> tuple[Path, list[str]]:
    """The build lock a (target, Python, BLAS) cell installs, and the inputs it is compiled from."""
    provider = provider_for(flavour, target_declares_blas=target.declares_blas,
                            pkg_config=target.blas_pkgconfig.get(flavour))
    return build_lock_path(project_root, target.name, python, flavour), build_lock_inputs(target, provider)


def test_lock_for(project_root: Path, target: Target, python: str) -> tuple[Path, list[str]]:
    """The test lock a (target, Python) cell installs, and the inputs it is compiled from."""
    return suite_lock_path(project_root, target.name, python), suite_lock_inputs(target)


def lock_problem(lock: Path, inputs: Sequence[str]) -> str | None:
    """Why ``lock`` cannot serve ``inputs``: it is missing, or it was compiled from other
    inputs (the ``.in`` kept beside it differs, or the lock itself does not pin what the
    target asks for: an interrupted ``nox -s lock`` leaves a new ``.in`` beside the old
    lock), so installing it would silently leave out or pin something the target no
    longer asks for."""
    if not lock.is_file():
        return f"there is no lock file {lock.name}"
    recorded = lock.with_suffix(".in")
    if not recorded.is_file():
        return f"{lock.name} has no {recorded.name} beside it, so what it was compiled from is unknown"
    had = {line.strip() for line in recorded.read_text().splitlines() if line.strip()}
    wanted = set(inputs)
    if had == wanted:
        problem = pins_problem(lock, inputs)
        return f"{lock.name} is stale: {problem} (was `nox -s lock` stopped?)" if problem else None
    differences = (("now also asks for", wanted - had), ("no longer asks for", had - wanted))
    changes = [f"{label} {', '.join(sorted(items))}" for label, items in differences if items]
    return f"{lock.name} is stale: the target {'; '.join(changes)}"


def pins_digest(lock: Path) -> str:
    """What a lock file pins, as a digest: its requirement and hash lines, without the
    comments. Two flavours whose locks pin the same packages (Debian's openblas, netlib and
    BLIS: nothing but the build tools) differ only in their ``# via -r <file>`` lines, and
    share one build env by this digest."""
    lines = (line.strip() for line in lock.read_text().splitlines())
    pinned = "\n".join(line for line in lines if line and not line.startswith("#"))
    return hashlib.sha256(pinned.encode()).hexdigest()


def lock_covers(lock: Path, repairer: Repairer) -> bool:
    """Does ``lock`` pin the repair tool's packages (a --repair-tool override may not be)?"""
    text = lock.read_text().lower()
    return all(re.search(rf"^{re.escape(requirement_name(r))}==", text, re.M) for r in repairer.requirements)


def compile_command(uv: str, inputs: Path, out: Path, python: str) -> list[str]:
    """``uv pip compile`` for ``python``. uv takes no free-threaded version (3.13t): such a
    lock is compiled for 3.13; being universal with every file's hash, it also lists the
    cp313t wheels and sdists that a free-threaded install picks."""
    return [uv, "pip", "compile", "--universal", "--generate-hashes", "--python-version", python.removesuffix("t"),
            "--custom-compile-command", "nox -s lock", "--quiet", "-o", str(out), str(inputs)]


def write_lock(
    runner: CommandRunner, uv: str, requirements: list[str], out: Path, python: str, project_root: Path
) -> Path:
    """Write ``<out>.in`` (the inputs, kept beside the lock) and compile it into ``out``.

    Paths are given relative to the project root so the lock's "via -r …" notes are the
    same on every machine. Each file is replaced whole, never left half-written: uv
    compiles into a copy of the old lock (whose pins it keeps where it can) that replaces
    it once complete. Stopped between the two, the new ``.in`` sits beside the old lock,
    which ``lock_problem`` finds stale by what the lock itself pins.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    inputs = out.with_suffix(".in")
    partial_inputs = inputs.with_name(f".{inputs.name}.{os.getpid()}")
    partial_inputs.write_text("\n".join(requirements) + "\n")
    partial_inputs.replace(inputs)
    partial = out.with_name(f".{out.stem}.{os.getpid()}.txt")  # uv reads the format from the suffix
    try:
        if out.is_file():
            shutil.copyfile(out, partial)
        runner.run(
            compile_command(uv, inputs.relative_to(project_root), partial.relative_to(project_root), python),
            label=f"lock {out.name}",
            cwd=project_root,
            extra_env={"UV_PYTHON_DOWNLOADS": "never"},
        )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out
