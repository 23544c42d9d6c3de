"""Interpreter discovery on a machine where python3.12 may be a failing pyenv shim.

Every interpreter here is a stand-in script in a fake pyenv root, with nothing else on
PATH, so the tests do not depend on which Pythons the host has.
"""

import os
import stat

import pytest

from mesonmatrix.errors import PrerequisiteMissing
from mesonmatrix.machine.pythons import find_python, full_version, interpreter_version

ANSWERS_312 = 'case "$2" in *python_version*) echo 3.12 3.12.1;; *) echo 3.12;; esac'


def stand_in(path, script=ANSWERS_312):
    """An executable that answers like an interpreter (or fails, with another script)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def pyenv(tmp_path, monkeypatch):
    root, bindir = tmp_path / "pyenv", tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PYENV_ROOT", str(root))
    monkeypatch.setenv("PATH", str(bindir))
    return root, bindir


def test_the_newest_patch_release_in_pyenv_is_chosen(pyenv):
    root, _ = pyenv
    stand_in(root / "versions" / "3.12.9" / "bin" / "python3.12")
    newest = stand_in(root / "versions" / "3.12.10" / "bin" / "python3.12")
    stand_in(root / "versions" / "3.12.10-dev" / "bin" / "python3.12")  # not a release
    assert find_python("3.12") == newest
    assert interpreter_version(newest) == "3.12"


def test_a_failing_shim_on_path_is_passed_over(pyenv):
    root, bindir = pyenv
    shim = stand_in(bindir / "python3.12", "echo 'pyenv: python3.12: command not found' >&2; exit 127")
    real = stand_in(root / "versions" / "3.12.1" / "bin" / "python3.12")
    assert interpreter_version(shim) is None
    assert find_python("3.12") == real


def test_a_working_name_on_path_comes_first(pyenv):
    root, bindir = pyenv
    on_path = stand_in(bindir / "python3.12")
    stand_in(root / "versions" / "3.12.1" / "bin" / "python3.12")
    assert find_python("3.12") == on_path


def test_missing_version_says_how_to_fix(pyenv):
    with pytest.raises(PrerequisiteMissing, match=r"Python 3\.99 was not found.*pyenv install 3\.99"):
        find_python("3.99")


def test_the_cached_answer_is_used_only_while_it_still_runs(pyenv, tmp_path):
    root, _ = pyenv
    real = stand_in(root / "versions" / "3.12.1" / "bin" / "python3.12")
    cache = tmp_path / "pythons.json"
    assert find_python("3.12", cache_file=cache) == real
    # A cached interpreter that still answers 3.12 is taken without rediscovery...
    other = stand_in(tmp_path / "python-stand-in")
    cache.write_text(cache.read_text().replace(str(real), str(other)))
    assert find_python("3.12", cache_file=cache) == other
    # ...and one that stopped working is dropped and replaced.
    stand_in(other, "exit 127")
    assert find_python("3.12", cache_file=cache) == real
    assert str(real) in cache.read_text()
    assert os.path.exists(cache)


def test_an_unchanged_interpreter_is_not_run_again(pyenv, tmp_path):
    root, _ = pyenv
    runs = tmp_path / "runs"
    real = stand_in(root / "versions" / "3.12.1" / "bin" / "python3.12", f"echo run >> {runs}; {ANSWERS_312}")
    cache = tmp_path / "pythons.json"
    assert find_python("3.12", cache_file=cache) == real
    assert full_version(real, cache_file=cache) == "3.12.1"
    before = runs.read_text().count("run")
    for _ in range(3):  # each cell asks both: from the cache while the file is unchanged
        assert find_python("3.12", cache_file=cache) == real
        assert full_version(real, cache_file=cache) == "3.12.1"
    assert runs.read_text().count("run") == before
    # A reinstalled interpreter (another file) is asked again.
    stand_in(real, f"echo run >> {runs}; echo 3.12 3.12.7")
    assert full_version(real, cache_file=cache) == "3.12.7"


def test_a_free_threaded_python_is_its_own_version(pyenv):
    root, _ = pyenv
    gil = stand_in(root / "versions" / "3.13.1" / "bin" / "python3.13", "echo 3.13")
    free = stand_in(root / "versions" / "3.13.1t" / "bin" / "python3.13t", "echo 3.13t")
    assert find_python("3.13t") == free
    assert find_python("3.13") == gil


def test_a_shim_is_resolved_to_the_interpreter_it_runs(pyenv, tmp_path):
    """Two shells (one with a pyenv shim on PATH, one without) must name one interpreter:
    build envs record which interpreter made them and are remade when it differs."""
    root, bindir = pyenv
    real = stand_in(root / "versions" / "3.12.1" / "bin" / "python3.12")
    stand_in(bindir / "python3.12", f'case "$2" in *executable*) echo {real};; *) echo 3.12;; esac')
    assert find_python("3.12") == real
