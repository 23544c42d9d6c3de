"""GitHub Actions' job matrix: the cells ``nox -l --json`` lists (the contract with CI),
each placed by its typed cell and its plan's decisions (platform, runner, manylinux image,
apt packages), never by reading back the tags the tool wrote; and the one command each
job runs (and prints, so anyone can reproduce it).

The workflow's ``workflow_dispatch`` inputs (target, suite, Pythons, platforms, matrix
file) are the options of ``ci-matrix``; each job's entry carries the cell's arguments,
which ``ci-run`` passes to nox after printing the command."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..config.keys import cell_settings
from ..config.matrixfile import MatrixSet, load_matrices
from ..errors import CiMatrixError
from ..machine.commands import probe
from ..model import DEB, DISTRO_PYTHON, LOCKED, RPM, Cell
from ..plan import manylinux_policy
from ..platforms import PLATFORMS
from ..providers import PROVIDERS, DebianBLAS

# The workflow's two job matrices (ci-matrix's outputs, which the workflow reads): the
# runners' own cells and the manylinux container cells.
HOST_CELLS: Final = "cells"
CONTAINER_CELLS: Final = "manylinux_cells"

# The runner image for each platform's cells, as each platform's module declares it.
RUNNERS = {name: platform.runner_label for name, platform in PLATFORMS.items()}

# A Linux wheel cell with a manylinux policy runs as a job container in the image the PyPA
# builds for a policy (github.com/pypa/manylinux), where cibuildwheel builds too, so the
# wheel is built against the oldest glibc it claims: the newest image whose glibc is not
# newer than the policy's. Pinned by digest, as cibuildwheel pins them
# (cibuildwheel/resources/pinned_docker_images.cfg at 8832cf6, 2026-08-18: tag 2026.08.15-1).
MANYLINUX_IMAGES = {
    ((2, 28), "x86_64"): "quay.io/pypa/manylinux_2_28_x86_64@sha256:"
                         "0c87ccb5996dab6c3b7612ee4fda7b80c4ab3c44a86c2541e4a872afdf4f131b",
    ((2, 34), "x86_64"): "quay.io/pypa/manylinux_2_34_x86_64@sha256:"
                         "266610f48ef368cca34f521813ef61ed99d396b782e528fd0b0f58aa67c2189c",
    ((2, 28), "aarch64"): "quay.io/pypa/manylinux_2_28_aarch64@sha256:"
                          "561427136aabf3787bffb294b3515748241e0962d1527ae28bea1e076bfb9d99",
    ((2, 34), "aarch64"): "quay.io/pypa/manylinux_2_34_aarch64@sha256:"
                          "691d9ffc1b3432c3ef12bcef756d10da38c10ef8022d6a92c18e781d6aac7aef",
}
# GitHub's JavaScript actions (checkout, cache, upload-artifact) run Node.js 20 inside the
# job container, and Node's official Linux builds need glibc 2.28 or newer (nodejs/node
# BUILDING.md, "Supported platforms"): manylinux2014's glibc 2.17 cannot host them.
OLDEST_CONTAINER_POLICY = (2, 28)


@dataclass(frozen=True, kw_only=True)
class CiChoices:
    """What a scheduled run leaves at its defaults and a dispatched run may choose."""

    target: str = ""  # a preset or a path; "" is each matrix's own target
    suite: str = ""  # the target's test-suite preset; "" is its default
    pythons: tuple[str, ...] = ()  # only cells of these Pythons; () is all
    platforms: tuple[str, ...] = ()
    matrix: str = ""  # only the cells of this matrix file (its stem, e.g. "default")

    def cell_args(self) -> list[str]:
        # Nightly can afford the repairer's own cross-check (about 1 s a wheel).
        args = ["--verify-repair"]
        if self.target:
            args += ["--target", self.target]
        if self.suite:
            args += ["--suite", self.suite]
        return args


def words(values: Iterable[str] | None) -> tuple[str, ...]:
    """Values given repeatedly or in one string, separated by spaces or commas (a
    workflow_dispatch input is one string)."""
    return tuple(w for v in values or () for w in re.split(r"[\s,]+", v) if w)


def nox_listing(project_root: Path, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "nox", "-f", str(project_root / "noxfile.py"), "-l", "--json", *extra]
    out = probe(argv, cwd=project_root, timeout=300)
    if out is None or out.returncode != 0:
        raise subprocess.CalledProcessError(out.returncode if out else -1, argv, out.stdout if out else "",
                                            out.stderr if out else "")
    listing: list[dict[str, Any]] = json.loads(out.stdout)
    return listing


def reproduce_command(session: str, args: Sequence[str]) -> str:
    return shlex.join(["python", "-m", "nox", "-s", session, "--", *args])


def load_cells(project_root: Path) -> MatrixSet:
    """The typed cells (and presets) the listed sessions are."""
    return load_matrices(project_root / "matrices", project_root)


def github_matrix(listing: Iterable[dict[str, Any]], cells: MatrixSet,
                  choices: CiChoices | None = None) -> dict[str, list[dict[str, str]]]:
    """``{"include": [{session, platform, runner, python, args, command}, …]}`` for every
    cell session listed that the choices keep, each placed by its typed cell and its
    plan's manylinux policy (``manylinux_policy``: the matrix file's, else that of the
    preset the cell builds, ``--target``'s when one is given).

    Tool sessions are not default sessions, so ``nox -l --json`` does not list them.
    """
    choices = choices or CiChoices()
    args = choices.cell_args()
    by_session = cells.matrix.by_session()
    include = []
    saving: set[tuple[str, str, str]] = set()
    for entry in listing:
        cell = by_session.get(entry["session"])
        if cell is None or not _chosen(cell, choices):
            continue
        preset = cells.presets.get(choices.target or cell.target)
        policy = manylinux_policy(cell, cell_settings(cell.settings, preset.settings if preset else {}))
        container = manylinux_container(cell, policy)
        # One cell per platform, Python (and container: its envs are made by the image's
        # Pythons) saves the shared compiler cache, so a run adds one cache entry for each
        # instead of one per cell (they would evict each other).
        saves = (cell.platform, _setup_python(cell), container) not in saving
        saving.add((cell.platform, _setup_python(cell), container))
        include.append({"session": cell.session_name, "platform": cell.platform, "runner": RUNNERS[cell.platform],
                        "python": _setup_python(cell), "args": json.dumps(args),
                        "command": reproduce_command(cell.session_name, args), "container": container,
                        "apt": " ".join(apt_packages(cell)), "saves_cache": "true" if saves else "",
                        # A latest, pre or oldest cell that fails runs the culprit search in its job.
                        "culprit_args": json.dumps([cell.session_name, *args]) if cell.deps != LOCKED else ""})
    return {"include": include}


def _setup_python(cell: Cell) -> str:
    """What setup-python installs for the cell: its Python, or for the distro's own
    (/usr/bin/python3, the runner image's) the tool's 3.12 alone."""
    return "3.12" if cell.python == DISTRO_PYTHON else cell.python


def _chosen(cell: Cell, choices: CiChoices) -> bool:
    return (not choices.platforms or cell.platform in choices.platforms) and \
        (not choices.pythons or cell.python in choices.pythons) and \
        (not choices.matrix or cell.matrix_file.stem == choices.matrix)


def manylinux_container(cell: Cell, policy: str | None) -> str:
    """The manylinux image a cell whose wheel has a manylinux ``policy`` runs in ("" for
    the runner itself); a policy older than the actions can run in is refused with the
    reason. A flavour whose BLAS comes from Debian's apt (system-openblas, netlib, BLIS)
    runs on the Ubuntu runner: the image is RHEL-based, with dnf, not apt."""
    if policy is None or isinstance(PROVIDERS.get(cell.blas), DebianBLAS):
        return ""
    glibc = tuple(int(x) for x in policy.split("_"))
    if glibc < OLDEST_CONTAINER_POLICY:
        oldest = "_".join(map(str, OLDEST_CONTAINER_POLICY))
        raise CiMatrixError(f"manylinux {policy}: GitHub's actions need glibc {oldest.replace('_', '.')} or newer "
                            f"inside a job container (Node.js 20), so these cells cannot run in its image; set "
                            f"manylinux = \"{oldest}\" or newer")
    arch = PLATFORMS[cell.platform].arch
    fitting = [(version, image) for (version, image_arch), image in MANYLINUX_IMAGES.items()
               if image_arch == arch and version <= glibc]
    if not fitting:
        raise CiMatrixError(f"no manylinux image for {arch} (the PyPA builds them for x86_64 and aarch64)")
    return max(fitting)[1]


def split_by_container(matrix: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, list[dict[str, str]]]]:
    """The runner's own cells and the manylinux container cells: two jobs in the workflow
    (a job's ``container`` cannot be switched off by an empty matrix value everywhere)."""
    host = [e for e in matrix["include"] if not e["container"]]
    container = [e for e in matrix["include"] if e["container"]]
    return {HOST_CELLS: {"include": host}, CONTAINER_CELLS: {"include": container}}


def apt_packages(cell: Cell) -> list[str]:
    """The Debian packages a cell's Linux runner installs: ccache for every cell, and the
    packaging tools only for the cells that package (lintian for .deb, rpm and rpmlint for
    .rpm); nothing where the runner has no apt."""
    if not PLATFORMS[cell.platform].runner_apt:
        return []
    distro = ["python3-dev", "mmdebstrap"] if cell.python == DISTRO_PYTHON else []  # its headers; the chroot
    return ["ccache", *({DEB: ["lintian"], RPM: ["rpm", "rpmlint"]}.get(cell.package, [])), *distro]


