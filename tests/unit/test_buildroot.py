"""Where builds see their env: one path on every builder, and the user's alone."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mesonmatrix.errors import CellError
from mesonmatrix.machine import buildroot
from mesonmatrix.stages.build import _refuse_a_space

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the env link is POSIX only")


def _root(monkeypatch, folder: Path) -> Path | None:
    monkeypatch.setattr(buildroot, "SHARED_ROOT", folder)
    return buildroot.stable_build_root.__wrapped__()


@posix_only
def test_the_root_is_made_the_users_own(tmp_path, monkeypatch):
    root = _root(monkeypatch, tmp_path / "mesonmatrix-build")
    assert root == tmp_path / "mesonmatrix-build"
    assert root.stat().st_mode & 0o777 == 0o700


@posix_only
def test_a_root_others_may_write_or_a_planted_link_is_never_used(tmp_path, monkeypatch):
    shared = tmp_path / "mesonmatrix-build"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # as another user's, or a careless one, would leave it
    assert _root(monkeypatch, shared) == tmp_path / f"mesonmatrix-build-{os.getuid()}"
    planted = tmp_path / "elsewhere"
    planted.mkdir(mode=0o700)
    shared.rmdir()
    shared.symlink_to(planted)
    (tmp_path / f"mesonmatrix-build-{os.getuid()}").rmdir()
    (tmp_path / f"mesonmatrix-build-{os.getuid()}").symlink_to(planted)
    assert _root(monkeypatch, shared) is None  # neither is a folder of the user's: no link at all


def test_a_build_env_seen_at_a_path_with_a_space_is_refused_with_the_fix():
    with pytest.raises(CellError, match="a path with a space.*set MESONMATRIX_CACHE"):
        _refuse_a_space(Path("/Users/First Last/.cache/mesonmatrix/envs/py3.12-abc"))
    _refuse_a_space(Path("/tmp/mesonmatrix-build/demo-py3.12-linux-x86_64"))
