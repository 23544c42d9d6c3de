"""Whether a build dir may be built in again: trusted only after a build in it completed
with the inputs its stamp (``<build dir>.configure``) names.

Meson fixes some inputs at a build dir's first setup (the compilers' environment, CFLAGS
among it) and ignores their later values on reconfigure, so a dir set up with other inputs
must not be reused. The stamp is removed before a build starts and written only when it
has completed: a build killed half-way (its dir set up with inputs no completed build
vouches for) leaves no stamp, and the next build starts afresh instead of shipping what
the killed one's flags compiled.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..machine.progress import Say

STAMP_SUFFIX = ".configure"


def stamp_of(build_dir: Path) -> Path:
    return build_dir.with_name(build_dir.name + STAMP_SUFFIX)


def completed(build_dir: Path) -> bool:
    """A build in ``build_dir`` completed (with whatever inputs): it may seed a sibling."""
    return stamp_of(build_dir).is_file()


def reset_unless_trusted(build_dir: Path, inputs: str, say: Say) -> None:
    """Remove ``build_dir`` unless its last completed build had ``inputs``."""
    if not build_dir.exists():
        return
    stamp = stamp_of(build_dir)
    if not stamp.is_file():
        say(f"    {build_dir.name}: no build in it completed (one was stopped): starting a fresh build dir")
    elif stamp.read_text() != inputs:
        say(f"    configure inputs changed since {build_dir.name} was set up: starting a fresh build dir")
    else:
        return
    shutil.rmtree(build_dir)


def distrust(build_dir: Path) -> None:
    """A build is about to change ``build_dir``: until it completes, nothing vouches for it."""
    stamp_of(build_dir).unlink(missing_ok=True)


def trust(build_dir: Path, inputs: str) -> None:
    """A build with ``inputs`` completed in ``build_dir``."""
    stamp_of(build_dir).write_text(inputs)
