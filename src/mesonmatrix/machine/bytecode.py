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

import sys
from collections.abc import Mapping
from pathlib import Path

from .cachedir import shared_cache_dir


def bytecode_prefix(cache: Path) -> Path:
    return cache / "pycache"


def keep_bytecode(cache: Path | None = None) -> None:
    """For this process (call it before the imports it is for): write bytecode under the
    cache's prefix when the environment asked for none at all."""
    if sys.dont_write_bytecode and not sys.pycache_prefix:
        sys.pycache_prefix = str(bytecode_prefix(cache or shared_cache_dir()))
        sys.dont_write_bytecode = False


def bytecode_env(env: Mapping[str, str], cache: Path) -> dict[str, str]:
    """``env`` for the commands a cell runs (builds, meson, tests): the same rule."""
    changed = dict(env)
    if changed.get("PYTHONDONTWRITEBYTECODE") and not changed.get("PYTHONPYCACHEPREFIX"):
        del changed["PYTHONDONTWRITEBYTECODE"]
        changed["PYTHONPYCACHEPREFIX"] = str(bytecode_prefix(cache))
    return changed
