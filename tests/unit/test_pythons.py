"""Interpreter discovery on a machine where python3.12 may be a failing pyenv shim."""

import os
import stat

import pytest

from mesonmatrix.errors import PrerequisiteMissing
from mesonmatrix.machine.pythons import find_python, interpreter_version


def test_finds_a_working_312():
    try:
        python = find_python("3.12")
    except PrerequisiteMissing:
        pytest.skip("no Python 3.12 on this machine")
    assert interpreter_version(python) == "3.12"


def test_a_failing_shim_on_path_is_passed_over(tmp_path, monkeypatch):
    shim = tmp_path / "python3.12"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert interpreter_version(shim) is None
    try:
        python = find_python("3.12")
    except PrerequisiteMissing:
        pytest.skip("no Python 3.12 on this machine")
    assert python != shim


def test_missing_version_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    with pytest.raises(PrerequisiteMissing, match=r"Python 3\.99 was not found.*pyenv install 3\.99"):
        find_python("3.99")


def test_the_cached_answer_is_used_only_while_it_still_runs(tmp_path):
    try:
        real = find_python("3.12")
    except PrerequisiteMissing:
        pytest.skip("no Python 3.12 on this machine")
    cache = tmp_path / "pythons.json"
    assert find_python("3.12", cache_file=cache) == real
    # A cached interpreter that still answers 3.12 is taken without rediscovery...
    stand_in = tmp_path / "python-stand-in"
    stand_in.write_text("#!/bin/sh\necho 3.12\n")
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    cache.write_text(cache.read_text().replace(str(real), str(stand_in)))
    assert find_python("3.12", cache_file=cache) == stand_in
    # ...and one that stopped working is dropped and replaced.
    stand_in.write_text("#!/bin/sh\nexit 127\n")
    assert find_python("3.12", cache_file=cache) == real
    assert str(real) in cache.read_text()
