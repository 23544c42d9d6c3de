"""Where the shared cache is: ``$MESONMATRIX_CACHE``, else ``$XDG_CACHE_HOME/mesonmatrix``,
else ``~/.cache/mesonmatrix``; and what the tool keeps in it, which ``nox -s clean --
--shared-cache`` removes and nothing else. Kept free of the package's other modules but
``ownership``, so that the noxfile can find it before it imports anything else (see
``bytecode``)."""

from __future__ import annotations

import os
from pathlib import Path

from .ownership import Kept, claim, json_file, named

_ENV = r"py3\.[0-9]+t?-[0-9a-f]{12}"
# The link a flavour's env is seen through while it compiles (``Workspace.build_slot``).
_SLOT = r"[A-Za-z0-9][\w.+-]*-[0-9a-f]{8}-py3\.[0-9]+t?-[\w.+-]+\.slot(-bin)?"


def _bytecode_tree(folder: Path) -> bool:
    """``pycache/`` mirrors absolute paths (``PYTHONPYCACHEPREFIX``): each entry is named
    for a folder at the file system's root, or is the standard library's stamp."""
    return all(entry.name in (".stdlib-linked", ".mesonmatrix-made") or (Path(os.sep) / entry.name).is_dir()
               for entry in folder.iterdir())


# What the tool keeps in the cache; an unmarked one (made before markers) is recognised
# by the names of its entries.
CACHE_KEPT = (
    Kept("envs", named(rf"({_ENV}|{_SLOT})(\.lock)?"), made="envs"),
    Kept("pkgconfig", named(rf"{_ENV}-[\w.+-]+(\.lock)?"), made="pkgconfig"),
    Kept("sdists", named(r"[\w.+-]+-[0-9a-f]{12}(\.lock)?", r"[\w.+-]+\.tar\.gz(\.part)?"), made="sdists"),
    Kept("sources", named(r"[0-9a-f]{16}(\.lock|\.tmp-[0-9]+)?"), made="sources"),
    Kept("pycache", _bytecode_tree, made="pycache"),
    Kept("tools", named(r"meson-launcher-[0-9a-f]+\.py"), made="tools"),
    Kept("logs", named(r"[\w.+-]+\.log"), made="logs"),
    # What meson's parser read from each source tree (targets/parsecache.py), by version.
    Kept(r"meson-[a-z]+-[0-9]+", named(r"[0-9a-f]{16}\.json")),
    Kept(r"pythons\.json(\.[0-9]+)?", json_file, folder=False),
)


def shared_cache_dir() -> Path:
    cache = os.environ.get("MESONMATRIX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "mesonmatrix"
    )
    return Path(cache).resolve()


def claim_shared_cache(cache: Path) -> None:
    """Make the cache and the folders the tool keeps in it, each marked the tool's, as far
    as they are missing (a ``MESONMATRIX_CACHE`` that exists stays unmarked)."""
    claim(cache, CACHE_KEPT)
