"""GitHub Actions' job matrix, made from ``nox -l --json`` so CI runs exactly the listed
cells, and the one command each job runs (and prints, so anyone can reproduce it).

The workflow's ``workflow_dispatch`` inputs (target, suite, Pythons, platforms, matrix
file) are the options of ``ci-matrix``; each job's entry carries the cell's arguments,
which ``ci-run`` passes to nox after printing the command."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.keys import cell_settings
from ..config.matrixfile import load_matrices
from ..errors import MatrixError
from ..machine.commands import probe, run_attached
from ..plan import manylinux_policy
from ..platforms import PLATFORMS
from ..providers import PROVIDERS, DebianBLAS

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


def _words(values: Iterable[str] | None) -> tuple[str, ...]:
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


def github_matrix(listing: Iterable[dict[str, Any]], choices: CiChoices | None = None,
                  policies: Mapping[str, str | None] | None = None) -> dict[str, list[dict[str, str]]]:
    """``{"include": [{session, platform, runner, python, args, command}, …]}`` for every
    cell session listed that the choices keep.

    A cell is any listed session tagged with a platform (build and toolchain-min cells);
    tool sessions are not default sessions, so ``nox -l --json`` does not list them.
    ``policies``: each cell's manylinux policy as its plan decides it (``cell_policies``);
    without them, as the session's tag says.
    """
    choices = choices or CiChoices()
    args = choices.cell_args()
    include = []
    saving: set[tuple[str, str, str]] = set()
    for entry in listing:
        tags = entry.get("tags") or []
        platform = next((t for t in tags if t in PLATFORMS), None)
        python = str(entry.get("python"))  # every cell session is registered with its Python
        if platform is None or (choices.platforms and platform not in choices.platforms):
            continue
        if (choices.pythons and python not in choices.pythons) or (choices.matrix and
                                                                   f"matrix-{choices.matrix}" not in tags):
            continue
        # One cell per platform, Python (and container: its envs are made by the image's
        # Pythons) saves the shared compiler cache, so a run adds one cache entry for each
        # instead of one per cell (they would evict each other).
        policy = policies.get(entry["session"]) if policies is not None else _tagged_policy(tags)
        container = manylinux_container(platform, tags, policy)
        saves = (platform, python, container) not in saving
        saving.add((platform, python, container))
        include.append({"session": entry["session"], "platform": platform, "runner": RUNNERS[platform],
                        "python": python, "args": json.dumps(args),
                        "command": reproduce_command(entry["session"], args), "container": container,
                        "apt": " ".join(apt_packages(platform, tags)), "saves_cache": "true" if saves else ""})
    return {"include": include}


def _tagged_policy(tags: Sequence[str]) -> str | None:
    return next((t.removeprefix("manylinux-") for t in tags if t.startswith("manylinux-")), None)


def cell_policies(project_root: Path, target: str) -> dict[str, str | None]:
    """Each cell's manylinux policy as its plan takes it: the matrix file's, else the preset
    the cell builds (``--target``'s when one is given: a path has no preset), by session."""
    matrices = load_matrices(project_root / "matrices", project_root)
    policies: dict[str, str | None] = {}
    for cell in matrices.matrix.cells:
        preset = matrices.presets.get(target or cell.target)
        policies[cell.session_name] = manylinux_policy(cell, cell_settings(cell.settings,
                                                                           preset.settings if preset else {}))
    return policies


def manylinux_container(platform: str, tags: Sequence[str], policy: str | None) -> str:
    """The manylinux image a cell with a manylinux ``policy`` runs in ("" for the runner
    itself); a policy older than the actions can run in is refused with the reason. A
    flavour whose BLAS comes from Debian's apt (system-openblas, netlib, BLIS) runs on the
    Ubuntu runner: the image is RHEL-based, with dnf, not apt."""
    if policy is None or not PLATFORMS[platform].manylinux:
        return ""
    if any(isinstance(PROVIDERS.get(tag), DebianBLAS) for tag in tags):
        return ""
    glibc = tuple(int(x) for x in policy.split("_"))
    if glibc < OLDEST_CONTAINER_POLICY:
        oldest = "_".join(map(str, OLDEST_CONTAINER_POLICY))
        raise CiMatrixError(f"manylinux {policy}: GitHub's actions need glibc {oldest.replace('_', '.')} or newer "
                            f"inside a job container (Node.js 20), so these cells cannot run in its image; set "
                            f"manylinux = \"{oldest}\" or newer")
    arch = PLATFORMS[platform].arch
    fitting = [(version, image) for (version, image_arch), image in MANYLINUX_IMAGES.items()
               if image_arch == arch and version <= glibc]
    if not fitting:
        raise CiMatrixError(f"no manylinux image for {arch} (the PyPA builds them for x86_64 and aarch64)")
    return max(fitting)[1]


class CiMatrixError(ValueError):
    """A matrix GitHub Actions cannot run as written; the message says why."""


def split_by_container(matrix: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, list[dict[str, str]]]]:
    """The runner's own cells and the manylinux container cells: two jobs in the workflow
    (a job's ``container`` cannot be switched off by an empty matrix value everywhere)."""
    host = [e for e in matrix["include"] if not e["container"]]
    container = [e for e in matrix["include"] if e["container"]]
    return {"cells": {"include": host}, "manylinux_cells": {"include": container}}


def apt_packages(platform: str, tags: Sequence[str]) -> list[str]:
    """The Debian packages a cell's Linux runner installs: ccache for every cell, and the
    packaging tools only for the cells that package (lintian for .deb, rpm and rpmlint for
    .rpm); nothing off Linux."""
    if not PLATFORMS[platform].runner_apt:
        return []
    return ["ccache", *(["lintian"] if "deb" in tags else []), *(["rpm", "rpmlint"] if "rpm" in tags else [])]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mesonmatrix ci-matrix",
                                     description="GitHub Actions' job matrix from nox -l --json")
    parser.add_argument("--target", default="", help="a preset or a path every cell builds (default: the matrix's)")
    parser.add_argument("--suite", default="", help="the target's test-suite preset (default: its default suite)")
    parser.add_argument("--python", action="append", help="only cells of these Pythons (repeatable, or '3.12 3.13')")
    parser.add_argument("--platform", action="append", help="only cells of this platform (repeatable, or 'a b')")
    parser.add_argument("--matrix", default="", help="only the cells of matrices/<NAME>.toml")
    parser.add_argument("--pretty", action="store_true", help="print the matrix for a person, not for $GITHUB_OUTPUT")
    return parser


def main(argv: Sequence[str], project_root: Path) -> int:
    """Print ``cells=<json>`` and ``manylinux_cells=<json>`` (with ``has_…`` flags) for
    $GITHUB_OUTPUT (or, with --pretty, the whole matrix for a person)."""
    args = _parser().parse_args(list(argv))
    if not (project_root / "noxfile.py").is_file():
        print(f"ci-matrix: no noxfile.py in {project_root}: run it in the project's root", file=sys.stderr)
        return 2
    platforms = _words(args.platform)
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        print(f"ci-matrix: unknown platform {', '.join(unknown)}; known: {', '.join(PLATFORMS)}", file=sys.stderr)
        return 2
    choices = CiChoices(target=args.target.strip(), suite=args.suite.strip(), pythons=_words(args.python),
                        platforms=platforms, matrix=args.matrix.strip().removesuffix(".toml").rsplit("/", 1)[-1])
    try:
        matrix = github_matrix(nox_listing(project_root), choices, cell_policies(project_root, choices.target))
    except (CiMatrixError, MatrixError) as exc:
        print(f"ci-matrix: {exc}", file=sys.stderr)
        return 2
    if not matrix["include"]:
        print("ci-matrix: no cell matches the choices (Pythons, platforms, matrix file)", file=sys.stderr)
        return 2
    if args.pretty:
        print(json.dumps(matrix, indent=2))
        return 0
    # Two job matrices: the runners' own cells and the manylinux container cells, each with
    # a flag, since a job whose matrix is empty fails ("must define at least one vector").
    for name, part in split_by_container(matrix).items():
        print(f"{name}={json.dumps(part)}")
        print(f"has_{name}={'true' if part['include'] else 'false'}")
    return 0


def run_job(argv: Sequence[str]) -> int:
    """``ci-run SESSION ARGS_JSON``: print the job's reproduce command, then run it."""
    if len(argv) != 2:
        print("usage: python -m mesonmatrix ci-run SESSION ARGS_JSON", file=sys.stderr)
        return 2
    session, args = argv[0], json.loads(argv[1])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        print(f"ci-run: ARGS_JSON must be a JSON list of strings, got {argv[1]!r}", file=sys.stderr)
        return 2
    print(f"Reproduce this job anywhere with: {reproduce_command(session, args)}", flush=True)
    return run_attached([sys.executable, "-m", "nox", "-s", session, "--", *args])
