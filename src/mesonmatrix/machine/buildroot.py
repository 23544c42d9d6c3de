"""Where a build sees its build env: one path, the same on every builder.

A build writes the path it sees its build env at into what it makes: the linker hashes
the link's RUNPATH (the scipy-openblas .pc adds ``-Wl,-rpath,<env>/…/lib``) into every
extension's GNU build-id, and NumPy's ``show_config`` records the build's Python and its
BLAS's ``libdir``. With the env seen at its place in the shared cache, two builders with
other cache paths made wheels that differed in the build-id alone, and a cache path with
a space broke the build (pkg-config prints ``-Wl,-rpath,`` paths unescaped, pkgconf 1.8
included). So the build sees its env through a link under this root, whose path holds
no user name, no cache path and no space: ``/tmp/mesonmatrix-build``.

The folder is the user's alone (made 0700, its owner and mode checked, never followed
when it is a link): another local user cannot point a build at an env of theirs. When
another user already has it, the root is ``/tmp/mesonmatrix-build-<uid>``: builds stay
correct, and are byte-identical only with builders of the same uid (the docs say so).
Where no such folder can be had (Windows, which the env link does not use), None.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
from pathlib import Path

SHARED_ROOT = Path("/tmp/mesonmatrix-build")


def _owned_by_me(folder: Path) -> bool:
    if sys.platform == "win32":
        return False  # no uids; stable_build_root never asks there
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


@functools.cache
def stable_build_root() -> Path | None:
    """The folder every build's env link is in (see the module's docstring)."""
    if sys.platform == "win32":
        return None
    for folder in (SHARED_ROOT, SHARED_ROOT.with_name(f"{SHARED_ROOT.name}-{os.getuid()}")):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        if _owned_by_me(folder):
            return folder
    return None
