"""Bad inputs get clear errors before any build starts; a repair tool's refusal is shown."""

from __future__ import annotations

import pytest

from mesonmatrix.errors import SdistError
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.targets.sdists import fetch_sdist

from cells import run_nox_cell
from syslib import install_system_kahan

pytestmark = pytest.mark.integration
WRONG = "0" * 64


def test_an_sdist_on_pypi_that_does_not_match_its_pin_is_refused(tmp_path):
    """A real download (six 1.16.0, 34 kB) against a wrong pin: pip's --require-hashes stops it."""
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    with pytest.raises(SdistError, match="does not match the pinned sha256"):
        fetch_sdist("six", "1.16.0", WRONG, tmp_path / "cache", runner)
    assert not list((tmp_path / "cache").rglob("*.tar.gz")), "a mismatching sdist was kept"


def test_repair_refusing_a_library_shows_the_tools_message(tmp_path):
    prefix = tmp_path / "prefix"
    pkgconfig = str(install_system_kahan(prefix))
    home = tmp_path / "home"
    assert run_nox_cell(home, "build-3.12-openblas-all", env={"PKG_CONFIG_PATH": pkgconfig}).returncode == 0
    # The system library disappears after the build (its .pc stays, so the stored wheel is reused).
    for library in (prefix / "lib").glob("libkahan.so*"):
        library.unlink()
    result = run_nox_cell(home, "build-3.12-openblas-all", env={"PKG_CONFIG_PATH": pkgconfig})
    assert result.returncode != 0
    error = result.record["error"]
    assert "auditwheel -v repair" in error and "libkahan.so.1" in error, error
