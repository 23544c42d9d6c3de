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


def _fake_stdlib(root: Path) -> Path:
    stdlib = root / "lib" / "python3.99"
    for folder in ("", "pkg", "test"):
        (stdlib / folder / "__pycache__").mkdir(parents=True, exist_ok=True)
    (stdlib / "os.py").write_text("")
    timestamped = b"MAGI" + b"\0\0\0\0" + b"mtimsize" + b"code"  # PEP 552 header, flags 0
    for compiled in ("__pycache__/os.cpython-399.pyc", "pkg/__pycache__/m.cpython-399.pyc",
                     "pkg/__pycache__/m.cpython-399.opt-1.pyc", "test/__pycache__/t.cpython-399.pyc"):
        (stdlib / compiled).write_bytes(timestamped)
    # Hash-based and never checked against its source (flags 1): not linked.
    (stdlib / "pkg/__pycache__/unchecked.cpython-399.pyc").write_bytes(b"MAGI" + b"\1\0\0\0" + b"hashhash" + b"code")
    return stdlib


def test_the_standard_librarys_own_bytecode_is_linked_into_the_prefix_once(tmp_path):
    from mesonmatrix.machine.bytecode import seed_stdlib_bytecode, stdlib_of

    stdlib = _fake_stdlib(tmp_path / "python")
    (tmp_path / "python" / "bin").mkdir()
    (tmp_path / "python" / "bin" / "python3.99").write_text("")
    assert stdlib_of(tmp_path / "python" / "bin" / "python3.99", "3.99") == stdlib
    assert stdlib_of(tmp_path / "python" / "bin" / "python3.99", "3.98") is None
    cache = tmp_path / "cache"
    env = bytecode_env({"PYTHONDONTWRITEBYTECODE": "1"}, cache)
    assert seed_stdlib_bytecode([stdlib], env, cache) == 2
    mirror = cache / "pycache" / stdlib.relative_to(stdlib.anchor)
    assert sorted(p.relative_to(mirror).as_posix() for p in mirror.rglob("*.pyc")) == [
        "os.cpython-399.pyc", "pkg/m.cpython-399.pyc"]  # not -O bytecode, not the test suite's
    assert (mirror / "os.cpython-399.pyc").stat().st_ino == (stdlib / "__pycache__/os.cpython-399.pyc").stat().st_ino
    assert seed_stdlib_bytecode([stdlib], env, cache) == 0  # once per standard library
    # A prefix that cannot hold folders costs the links, never the run.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pycache").write_text("a file where the prefix should be\n")
    assert seed_stdlib_bytecode([stdlib], bytecode_env({"PYTHONDONTWRITEBYTECODE": "1"}, broken), broken) == 0
    # A prefix the user set is theirs: nothing is linked into it.
    assert seed_stdlib_bytecode([stdlib], {"PYTHONPYCACHEPREFIX": str(tmp_path / "mine")}, tmp_path / "other") == 0
    assert not (tmp_path / "mine").exists()


def test_python_uses_the_linked_standard_library_bytecode_as_it_is(tmp_path):
    import sysconfig

    from mesonmatrix.machine.bytecode import seed_stdlib_bytecode

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    tag = sys.implementation.cache_tag
    installed = stdlib / "json" / "__pycache__" / f"__init__.{tag}.pyc"
    if not installed.is_file():
        import pytest

        pytest.skip(f"this interpreter's standard library ships no bytecode ({installed})")
    env = bytecode_env({"PYTHONDONTWRITEBYTECODE": "1"}, tmp_path)
    assert seed_stdlib_bytecode([stdlib], env, tmp_path) > 0
    linked = tmp_path / "pycache" / stdlib.relative_to(stdlib.anchor) / "json" / f"__init__.{tag}.pyc"
    writing = {**os.environ, **env, "PYTHONDONTWRITEBYTECODE": ""}  # empty: bytecode is written
    subprocess.run([sys.executable, "-c", "import json.decoder"], env=writing, check=True)
    # Still the installed file: Python accepted it (a rejected one is rewritten, a new inode).
    assert linked.stat().st_ino == installed.stat().st_ino
