"""How meson-python starts meson for a cell's build: through a small launcher that answers
``meson --version`` from the installed distribution's metadata (read as a file, without
importing meson or importlib.metadata), and is meson itself for anything else.

meson-python asks ``meson --version`` before every build (mesonpy's
``_get_meson_command``), and meson imports most of itself, and runs
``dpkg-architecture`` and the C compiler, to print it: 0.4 s of each seeded flavour's
1.5-2.5 s build stage on the demo matrix. Through importlib.metadata the answer still took
0.1-0.2 s (its import alone is 0.13 s); reading the METADATA file takes 0.02 s. meson-python
takes the command from ``MESON``, and runs one ending in ``.py`` with its own Python (the
build env's), as meson's own ``meson.py`` is run; meson then names the launcher in
build.ninja's regeneration rule, which runs meson through it the same way. A project that
names its own meson (``[tool.meson-python] meson``, as NumPy does for its fork) or a
``MESON`` the user set is left alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

LAUNCHER = '''\
"""meson, started by mesonmatrix for meson-python (see mesonmatrix/machine/mesonlauncher.py)."""
import sys

if sys.argv[1:] == ["--version"]:
    import os

    # The first meson distribution on sys.path (as importlib.metadata finds it), read
    # directly: importing importlib.metadata alone takes 0.13 s (email, inspect, ...).
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.lower().startswith("meson-") and name.endswith(".dist-info"):
                headers = {}
                try:
                    with open(os.path.join(entry, name, "METADATA"), encoding="utf-8") as metadata:
                        for line in metadata:
                            if not line.strip():
                                break  # the headers end at the first blank line
                            key, _, value = line.partition(":")
                            headers.setdefault(key.strip().lower(), value.strip())
                except OSError:
                    continue
                # meson's own, not a legacy "meson-python-0.13.dist-info" folder
                if headers.get("name", "").lower().replace("_", "-") == "meson" and headers.get("version"):
                    print(headers["version"])
                    raise SystemExit(0)
    from importlib.metadata import version

    print(version("meson"))
    raise SystemExit(0)
from mesonbuild.mesonmain import main

raise SystemExit(main())
'''


def meson_launcher(cache: Path) -> Path:
    """The launcher in the shared cache, named by its content (written once, atomically)."""
    digest = hashlib.sha256(LAUNCHER.encode()).hexdigest()[:12]
    path = cache / "tools" / f"meson-launcher-{digest}.py"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(LAUNCHER, encoding="utf-8")
        partial.replace(path)
    return path


def launcher_env(cache: Path, own_meson: str | None, environ: Mapping[str, str]) -> dict[str, str]:
    """``{"MESON": launcher}`` for a build, or nothing when the project or the user names a meson."""
    if own_meson or environ.get("MESON"):
        return {}
    return {"MESON": str(meson_launcher(cache))}
