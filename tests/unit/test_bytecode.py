"""Under PYTHONDONTWRITEBYTECODE, bytecode goes to the cache's prefix tree, never nowhere
and never beside a source file; a user's own PYTHONPYCACHEPREFIX is theirs."""

import os
import subprocess
import sys
from pathlib import Path

from mesonmatrix.machine.bytecode import bytecode_env, seed_bytecode


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


def _env_with_module(root, source=None):
    """A stand-in env: site-packages/pkg/mod.py, the same file (a hard link, as uv makes)."""
    package = root / "lib" / "site-packages" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if source is None:
        (package / "mod.py").write_text("def where():\n    import inspect\n    return inspect.getfile(where)\n")
    else:
        os.link(source, package / "mod.py")
    return package / "mod.py"


def _import(env, env_vars):
    code = "import pkg.mod, sys; print(pkg.mod.where())"
    path = str(env / "lib" / "site-packages")
    out = subprocess.run([sys.executable, "-c", code], env={**env_vars, "PYTHONPATH": path}, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_a_new_env_gets_its_siblings_bytecode_and_python_uses_it(tmp_path):
    first, second = tmp_path / "envs" / "py-a", tmp_path / "envs" / "py-b"
    module = _env_with_module(first)
    _env_with_module(second, source=module)
    env_vars = bytecode_env({"PYTHONDONTWRITEBYTECODE": "1"}, tmp_path / "cache")
    assert _import(first, env_vars) == str(module)  # compiles into the prefix tree
    assert seed_bytecode(second, [first, second], env_vars) >= 2  # __init__ and mod
    prefix = Path(env_vars["PYTHONPYCACHEPREFIX"])
    seeded = next((prefix / second.relative_to(second.anchor)).rglob("mod.*.pyc"))
    inode = seeded.stat().st_ino
    # Used as it is (not rewritten), and the code names the new env's own file.
    assert _import(second, env_vars) == str(second / "lib" / "site-packages" / "pkg" / "mod.py")
    assert seeded.stat().st_ino == inode


def test_stale_bytecode_from_a_sibling_is_recompiled(tmp_path):
    first, second = tmp_path / "envs" / "py-a", tmp_path / "envs" / "py-b"
    _env_with_module(first)
    changed = _env_with_module(second)
    changed.write_text("def where():\n    return 'the new version'\n")  # another version of the package
    env_vars = bytecode_env({"PYTHONDONTWRITEBYTECODE": "1"}, tmp_path / "cache")
    _import(first, env_vars)
    seed_bytecode(second, [first], env_vars)
    assert _import(second, env_vars) == "the new version"


def test_nothing_is_seeded_where_no_bytecode_is_written(tmp_path):
    first, second = tmp_path / "envs" / "py-a", tmp_path / "envs" / "py-b"
    _env_with_module(first)
    _env_with_module(second)
    assert seed_bytecode(second, [first], {"PYTHONDONTWRITEBYTECODE": "1"}) == 0
