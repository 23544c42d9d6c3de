"""GitHub Actions' job matrix, made from ``nox -l --json`` so CI runs exactly the listed cells."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..platforms import PLATFORMS

# The runner image for each platform's cells, as each platform's module declares it.
RUNNERS = {name: platform.runner_label for name, platform in PLATFORMS.items()}


def nox_listing(project_root: Path, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "nox", "-f", str(project_root / "noxfile.py"), "-l", "--json", *extra],
                         cwd=project_root, capture_output=True, text=True, check=True)
    listing: list[dict[str, Any]] = json.loads(out.stdout)
    return listing


def github_matrix(
    listing: Iterable[dict[str, Any]], platforms: Iterable[str] | None = None
) -> dict[str, list[dict[str, str]]]:
    """``{"include": [{session, platform, runner, python}, …]}`` for every cell session listed.

    A cell is any listed session tagged with a platform (build and toolchain-min cells);
    tool sessions are not default sessions, so ``nox -l --json`` does not list them.
    """
    wanted = set(platforms) if platforms else None
    include = []
    for entry in listing:
        tags = entry.get("tags") or []
        platform = next((t for t in tags if t in PLATFORMS), None)
        if platform is None:
            continue
        if wanted is not None and platform not in wanted:
            continue
        python = str(entry["python"])  # every cell session is registered with its Python
        include.append(
            {"session": entry["session"], "platform": platform, "runner": RUNNERS[platform], "python": python}
        )
    return {"include": include}


def main(argv: Sequence[str], project_root: Path) -> int:
    """Print ``cells=<json>`` for $GITHUB_OUTPUT (or, with --pretty, the matrix for a person)."""
    import argparse

    parser = argparse.ArgumentParser(prog="ci-matrix", description="GitHub Actions' job matrix from nox -l --json")
    parser.add_argument("--platform", action="append", help="only cells of this platform (repeatable)")
    parser.add_argument("--pretty", action="store_true", help="print the matrix for a person, not for $GITHUB_OUTPUT")
    args = parser.parse_args(list(argv))
    if not (project_root / "noxfile.py").is_file():
        print(f"ci-matrix: no noxfile.py in {project_root}: run it in the project's root", file=sys.stderr)
        return 2
    matrix = github_matrix(nox_listing(project_root), args.platform)
    print(json.dumps(matrix, indent=2) if args.pretty else f"cells={json.dumps(matrix)}")
    return 0
