"""Python bytecode when ``PYTHONDONTWRITEBYTECODE`` is set (CI images and containers often
set it): kept in the shared cache instead of not at all.

Without written bytecode every Python process compiles every module it imports, every
time: measured on the demo matrix, 0.4-0.6 s of each nox start-up (the tool's own
modules, imported from a source checkout) and about 1.2 s of each build (meson is
imported by meson-python, by ``meson --version`` and by ``meson setup``; the build
frontend and meson-python themselves). The variable is usually set to keep ``__pycache__``
folders out of source trees and images, so the bytecode goes where it keeps that promise:
``PYTHONPYCACHEPREFIX`` (``sys.pycache_prefix``), a tree of its own under the shared
cache, never beside a source file. A ``PYTHONPYCACHEPREFIX`` the user set is theirs and
is left alone, as is an environment that writes bytecode already.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .cachedir import claim_shared_cache, shared_cache_dir


def bytecode_prefix(cache: Path) -> Path:
    return cache / "pycache"


def keep_bytecode(cache: Path | None = None) -> None:
    """For this process (call it before the imports it is for): write bytecode under the
    cache's prefix when the environment asked for none at all."""
    if sys.dont_write_bytecode and not sys.pycache_prefix:
        cache = cache or shared_cache_dir()
        with contextlib.suppress(OSError):  # an unwritable cache stops no run (nor does its prefix)
            claim_shared_cache(cache)  # made here first, it is marked the tool's (see ownership)
        sys.pycache_prefix = str(bytecode_prefix(cache))
        sys.dont_write_bytecode = False
        # This process's own later imports, and auditwheel's (it runs on this interpreter).
        seed_stdlib_bytecode([Path(sysconfig.get_paths()["stdlib"])], {"PYTHONPYCACHEPREFIX": sys.pycache_prefix},
                             cache)


def bytecode_env(env: Mapping[str, str], cache: Path) -> dict[str, str]:
    """``env`` for the commands a cell runs (builds, meson, tests): the same rule."""
    changed = dict(env)
    if changed.get("PYTHONDONTWRITEBYTECODE") and not changed.get("PYTHONPYCACHEPREFIX"):
        del changed["PYTHONDONTWRITEBYTECODE"]
        changed["PYTHONPYCACHEPREFIX"] = str(bytecode_prefix(cache))
    return changed


def _bytecode_root(env: Path, prefix: str | None) -> Path:
    """Where Python keeps the bytecode of ``env``'s modules: the mirror of its path under
    ``PYTHONPYCACHEPREFIX``, or (without one) the env itself, in ``__pycache__`` folders."""
    return Path(prefix) / env.relative_to(env.anchor) if prefix else env


def _source_of(bytecode: Path, prefix: str | None) -> Path:
    """``pkg/mod.py`` for ``pkg/mod.cpython-312.pyc`` (or ``pkg/__pycache__/mod…pyc``)."""
    folder = bytecode.parent if prefix else bytecode.parent.parent
    return folder / f"{bytecode.name.split('.')[0]}.py"


def seed_bytecode(env: Path, siblings: Sequence[Path], env_vars: Mapping[str, str]) -> int:
    """Hard-link into a new env the bytecode of the sibling env (same Python) that has the
    most; returns how many files were linked.

    A build runs ``meson`` through its entry-point script, whose ``#!`` names the env's
    own Python, so every new BLAS flavour's env compiled all of meson again on its first
    build (about 1 s of each flavour's build, measured on the demo). The envs' packages are
    hard links into uv's cache, so a sibling's bytecode for the same package version
    matches the new env's sources by mtime and size; Python checks exactly that before it
    uses a .pyc, recompiles the rest, and points the code at the new env's own files.
    """
    prefix = env_vars.get("PYTHONPYCACHEPREFIX") or None
    if env_vars.get("PYTHONDONTWRITEBYTECODE") and not prefix:
        return 0  # no bytecode is ever written or read here
    counted = [(sum(1 for _ in _bytecode_root(s, prefix).rglob("*.pyc")), s) for s in siblings if s != env]
    count, best = max(counted, default=(0, env))
    if not count:
        return 0
    source_root, target_root = _bytecode_root(best, prefix), _bytecode_root(env, prefix)
    linked = 0
    for bytecode in source_root.rglob("*.pyc"):
        relative = bytecode.relative_to(source_root)
        target = target_root / relative
        if target.exists() or not (env / _source_of(relative, prefix)).is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(bytecode, target)
        except OSError:
            continue  # another filesystem, or a race with a writer: Python compiles it itself
        linked += 1
    return linked


# Standard-library folders no build or test imports from (and the biggest to walk).
_NOT_IMPORTED = {"test", "idlelib", "tkinter", "turtledemo", "lib2to3", "ensurepip", "site-packages", "dist-packages"}


def stdlib_of(python: Path, version: str) -> Path | None:
    """The standard library of the interpreter ``python`` (``X.Y``) is: ``lib/pythonX.Y``
    beside its ``bin`` (POSIX installs: pyenv's, Debian's, python.org's), ``Lib`` beside
    it (Windows); None when neither holds an ``os.py``."""
    binary = python.resolve()
    for folder in (binary.parent.parent / "lib" / f"python{version}", binary.parent / "Lib"):
        if (folder / "os.py").is_file():
            return folder
    return None


def seed_stdlib_bytecode(stdlibs: Iterable[Path], env_vars: Mapping[str, str], cache: Path) -> int:
    """Under the prefix ``bytecode_env`` set (never one the user set), hard-link each
    standard library's own compiled files (its ``__pycache__`` folders, written when the
    interpreter was installed) to where the prefix makes Python look for them; once per
    standard library and prefix. Returns how many files were linked.

    Python reads bytecode only from the prefix when one is set, so a fresh cache's first
    cell compiled every standard module each of its processes imported: measured on the
    demo, 0.5-1 s of a first cell (its build env's provisioning alone: 1.4 s, 0.6 s with
    the links). Python checks each file against its source's mtime and size before use."""
    prefix = str(bytecode_prefix(cache))
    if env_vars.get("PYTHONPYCACHEPREFIX") != prefix:
        return 0
    linked = 0
    for stdlib in stdlibs:
        marker = Path(prefix) / ".stdlib-linked" / hashlib.sha256(str(stdlib).encode()).hexdigest()[:16]
        # A prefix this process cannot search or write: Python compiles, as it did before.
        with contextlib.suppress(OSError):
            if not marker.exists():
                linked += _link_compiled(stdlib, prefix)
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(f"{stdlib}\n")
    return linked


def _checked_by_timestamp(bytecode: str) -> bool:
    """Whether a .pyc is the kind Python checks against its source's mtime and size (flags
    0 in its header, PEP 552). An unchecked hash-based one would be used as it is even
    after an in-place upgrade of the standard library changed the source."""
    with open(bytecode, "rb") as header:
        return header.read(8)[4:8] == b"\0\0\0\0"


def _link_compiled(stdlib: Path, prefix: str) -> int:
    linked = 0
    for folder, subfolders, names in os.walk(stdlib):
        if Path(folder) == stdlib:
            subfolders[:] = [name for name in subfolders if name not in _NOT_IMPORTED]
        if os.path.basename(folder) != "__pycache__":
            continue
        target = _bytecode_root(Path(folder).parent, prefix)
        for name in names:
            if not name.endswith(".pyc") or ".opt-" in name:
                continue  # -O and -OO bytecode: no command here runs optimised
            try:
                if not _checked_by_timestamp(os.path.join(folder, name)):
                    continue
                target.mkdir(parents=True, exist_ok=True)
                os.link(os.path.join(folder, name), target / name)
                linked += 1
            except FileExistsError:
                continue  # compiled there already
            except OSError:
                return linked  # another filesystem, or no room: Python compiles what it needs
    return linked
