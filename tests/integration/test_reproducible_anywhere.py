"""The same wheel from any builder: two copies of this project at other paths (one with a
space), each with a cache of its own (one with a space), another umask, time zone and
locale, build byte-identical wheels. What reprotest varies, for the demo's cell."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration
CELL = "build-3.12-openblas"


def _copy(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for name in ("noxfile.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, destination / name)
    for name in ("src", "matrices", "locks", "demo"):
        shutil.copytree(ROOT / name, destination / name,
                        ignore=shutil.ignore_patterns("__pycache__", "build", ".mesonpy*"))
    return destination


def _build(project: Path, cache: Path, umask: int, tz: str, locale: str) -> str:
    previous = os.umask(umask)
    try:
        result = run_nox_cell(project / ".matrix", CELL, project=project,
                              env={"MESONMATRIX_CACHE": str(cache), "TZ": tz, "LC_ALL": locale, "LANG": locale})
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.output[-3000:]
    wheel = next(w for w in result.record["wheels"] if w["role"] == "full")
    path = Path(wheel["path"]) if Path(wheel["path"]).is_absolute() else project / wheel["path"]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builders_who_share_nothing_build_the_same_wheel(tmp_path):
    one = _build(_copy(tmp_path / "one"), tmp_path / "cache-one", 0o022, "UTC", "C.UTF-8")
    two = _build(_copy(tmp_path / "x y" / "two-longer-path"), tmp_path / "other cache" / "c2", 0o077,
                 "Pacific/Kiritimati", "POSIX")
    assert one == two
