"""Where a source tree keeps its package: the import name a project's wheel installs,
when no preset names it."""

from __future__ import annotations

import re
from pathlib import Path

# Folders with an __init__.py that are not the project's package.
_NOT_THE_PACKAGE = {"tests", "test", "testing", "docs", "doc", "benchmarks", "bench", "tools", "examples",
                    "subprojects", "vendored", "build", "scripts"}


def import_name_of(source_dir: Path, project_name: str) -> str:
    """The package a project installs: the normalised project name when a package of that
    name is at the root (or under ``src/``); otherwise the one package found there
    (PyWavelets installs ``pywt``); otherwise the normalised project name."""
    normalised = re.sub(r"[-.]+", "_", project_name).lower()
    packages = [p.name for root in (source_dir, source_dir / "src") if root.is_dir()
                for p in sorted(root.iterdir())
                if (p / "__init__.py").is_file() and p.name.isidentifier() and p.name.lower() not in _NOT_THE_PACKAGE]
    if normalised in (p.lower() for p in packages):
        return next(p for p in packages if p.lower() == normalised)
    return packages[0] if len(packages) == 1 else normalised
