"""Tools some integration tests need from the host, and what happens when one is missing.

On a developer's machine a missing tool skips the test with the exact command that
installs it. ``.ci/run`` sets MESONMATRIX_REQUIRE_PREREQUISITES=1, which turns every such
skip into a failure, so CI never quietly loses coverage.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

STRICT_VARIABLE = "MESONMATRIX_REQUIRE_PREREQUISITES"


def missing(what: str, fix: str) -> None:
    """Skip (or, in CI, fail) the calling test because ``what`` is not on this machine."""
    message = f"{what} is not installed here; install it with: {fix}"
    if os.environ.get(STRICT_VARIABLE):
        pytest.fail(f"{message} ({STRICT_VARIABLE} is set: a missing prerequisite is an error)")
    pytest.skip(message)


def command(*names: str, fix: str) -> str:
    """The first of ``names`` found on PATH; otherwise the test is skipped (or fails in CI)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    missing(" or ".join(names), fix)
    raise AssertionError("unreachable")


def root_with_apt() -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        missing("root with apt-get", "run the test suite as root on Debian or Ubuntu, as .ci/run does")


def pkg_config_module(module: str, fix: str) -> None:
    """``module`` must be known to pkg-config (a system library a cell should link, not vendor)."""
    found = shutil.which("pkg-config") and subprocess.run(["pkg-config", "--exists", module]).returncode == 0
    if not found:
        missing(f"pkg-config's {module}", fix)
