"""Under PYTHONDONTWRITEBYTECODE, bytecode goes to the cache's prefix tree, never nowhere
and never beside a source file; a user's own PYTHONPYCACHEPREFIX is theirs."""

import subprocess
import sys

from mesonmatrix.machine.bytecode import bytecode_env


def test_no_bytecode_becomes_bytecode_in_the_cache(tmp_path):
    env = bytecode_env({"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/bin"}, tmp_path)
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert env["PATH"] == "/bin"


def test_a_users_prefix_and_a_writing_environment_are_left_alone(tmp_path):
    own = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "/mine"}
    assert bytecode_env(own, tmp_path) == own
    assert bytecode_env({"PATH": "/bin"}, tmp_path) == {"PATH": "/bin"}


def test_a_process_run_with_that_environment_writes_only_under_the_prefix(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "helper.py").write_text("VALUE = 1\n")
    env = bytecode_env({"PYTHONDONTWRITEBYTECODE": "1"}, tmp_path / "cache")
    subprocess.run([sys.executable, "-c", "import helper"], cwd=source, env=env, check=True)
    assert not (source / "__pycache__").exists()
    assert list((tmp_path / "cache" / "pycache").rglob("helper.*.pyc"))
