"""apt: fixes are shell-quoted, names are never options, apt waits for the dpkg lock."""

import os

import pytest

from mesonmatrix.errors import PrerequisiteMissing
from mesonmatrix.machine.apt import LOCK_TIMEOUT, ensure_apt_packages, fix_command, install_command, waiting_for_lock
from mesonmatrix.machine.commands import CommandRunner


def test_apt_is_told_to_wait_for_another_dpkg():
    argv = waiting_for_lock(install_command(["gfortran"]))
    assert argv[:3] == ["apt-get", "-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT}"] and argv[-1] == "gfortran"


def test_the_printed_fix_is_shell_quoted():
    assert fix_command(["libfoo-dev", "a b"]) == (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends libfoo-dev 'a b'")


@pytest.mark.parametrize("name", ["-oAPT::Get::Assume-Yes=1", "--reinstall", "Libfoo", "foo;rm"])
def test_a_package_name_is_never_an_option(tmp_path, monkeypatch, name):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    with pytest.raises(PrerequisiteMissing, match="is not a Debian package name"):
        ensure_apt_packages(runner, [name], lambda: False, "test")
    assert not (tmp_path / "log").exists()  # nothing ran
