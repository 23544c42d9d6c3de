"""nox asks uv for its version only for a session that can use uv (sessions/noxbackends.py):
real nox runs of a small noxfile, with ``UV`` naming a uv that writes down each call."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mesonmatrix.sessions.noxbackends import OptionalBackends

SRC = Path(__file__).resolve().parents[2] / "src"

NOXFILE = textwrap.dedent("""
    import sys
    sys.path.insert(0, {src!r})
    import nox
    from mesonmatrix.sessions.noxbackends import defer_optional_backends

    defer_optional_backends()

    @nox.session(venv_backend="none")
    def cell(session):
        print("cell ran")

    # A maintainer's own session with a fallback: nox must still know whether uv is there.
    @nox.session(venv_backend="uv|virtualenv", python=False)
    def theirs(session):
        print("theirs ran")
""")


@pytest.fixture
def counted_uv(tmp_path: Path) -> tuple[Path, Path]:
    calls = tmp_path / "uv-calls"
    uv = tmp_path / "uv"
    uv.write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho \'{{"version": "0.9.0"}}\'\n')
    uv.chmod(0o755)
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text(NOXFILE.format(src=str(SRC)))
    return noxfile, calls


def _nox(noxfile: Path, session: str, uv: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV": str(uv)}
    return subprocess.run([sys.executable, "-m", "nox", "-f", str(noxfile), "-s", session],
                          cwd=noxfile.parent, env=env, capture_output=True, text=True, timeout=120)


def test_a_cell_session_does_not_ask_uv_for_its_version(counted_uv: tuple[Path, Path]) -> None:
    noxfile, calls = counted_uv
    run = _nox(noxfile, "cell", noxfile.parent / "uv")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "cell ran" in run.stdout
    assert not calls.exists(), calls.read_text()


def test_a_session_that_can_use_uv_still_gets_noxs_answer(counted_uv: tuple[Path, Path]) -> None:
    noxfile, calls = counted_uv
    run = _nox(noxfile, "theirs", noxfile.parent / "uv")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "theirs ran" in run.stdout
    assert "self version" in calls.read_text()


def test_the_dict_computes_once_and_only_when_read_for_a_real_backend() -> None:
    computed: list[int] = []

    def compute() -> dict[str, bool]:
        computed.append(1)
        return {"uv": True, "conda": False}

    backends = OptionalBackends(compute)
    assert backends.get("none", True) is True and "none" not in backends
    assert computed == []
    assert backends.get("conda", True) is False and "uv" in backends and sorted(backends) == ["conda", "uv"]
    assert computed == [1]
