"""A cached sdist that does not match its pin is refused before any build starts."""

from __future__ import annotations

import pytest

from mesonmatrix.errors import SdistError
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.targets.sdists import fetch_sdist

WRONG = "0" * 64


def test_a_cached_sdist_that_does_not_match_its_pin_is_refused(tmp_path):
    cached = tmp_path / "sdists" / f"pkg-1.0-{WRONG[:12]}"
    cached.mkdir(parents=True)
    (cached / "pkg-1.0.tar.gz").write_bytes(b"not what was pinned")
    with pytest.raises(SdistError, match="does not match sha256"):
        fetch_sdist("pkg", "1.0", WRONG, tmp_path, CommandRunner(log=tmp_path / "log", echo_output=False))
