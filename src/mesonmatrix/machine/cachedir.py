"""Where the shared cache is: ``$MESONMATRIX_CACHE``, else ``$XDG_CACHE_HOME/mesonmatrix``,
else ``~/.cache/mesonmatrix``. Kept free of the package's other modules, so that the
noxfile can find it before it imports anything else (see ``bytecode``)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_cache_dir() -> Path:
    cache = os.environ.get("MESONMATRIX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "mesonmatrix"
    )
    return Path(cache).resolve()
