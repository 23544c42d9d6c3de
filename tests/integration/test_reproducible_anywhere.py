"""The same bytes from any builder: two copies of this project at other paths (one with a
space), each with a cache of its own (one with a space), another umask, time zone and
locale, build byte-identical wheels, .deb, .rpm and .conda packages. What reprotest
varies, for the demo's cells."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration
# Each cell and what it makes: its repaired wheel, or its package.
CELLS = {"build-3.12-openblas": "wheel", "build-3.12-system-openblas-deb": "package",
         "build-3.12-system-openblas-rpm": "package", "build-3.12-netlib-conda": "package"}


def _copy(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for name in ("noxfile.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, destination / name)
    for name in ("src", "matrices", "locks", "demo"):
        shutil.copytree(ROOT / name, destination / name,
                        ignore=shutil.ignore_patterns("__pycache__", "build", ".mesonpy*"))
    return destination


def _build(project: Path, cache: Path, umask: int, tz: str, locale: str) -> dict[str, str]:
    """The sha256 of what each cell made."""
    made = {}
    previous = os.umask(umask)
    try:
        for cell, kind in CELLS.items():
            result = run_nox_cell(project / ".matrix", cell, project=project,
                                  env={"MESONMATRIX_CACHE": str(cache), "TZ": tz, "LC_ALL": locale, "LANG": locale})
            assert result.returncode == 0, result.output[-3000:]
            record = result.record
            path = Path(next(w["path"] for w in record["wheels"] if w["role"] == "full") if kind == "wheel"
                        else record["package"]["path"])
            made[cell] = hashlib.sha256((path if path.is_absolute() else project / path).read_bytes()).hexdigest()
    finally:
        os.umask(previous)
    return made


def test_two_builders_who_share_nothing_make_the_same_bytes(tmp_path):
    one = _build(_copy(tmp_path / "one"), tmp_path / "cache-one", 0o022, "UTC", "C.UTF-8")
    two = _build(_copy(tmp_path / "x y" / "two-longer-path"), tmp_path / "other cache" / "c2", 0o077,
                 "Pacific/Kiritimati", "POSIX")
    assert one == two
