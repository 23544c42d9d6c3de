"""What a target's ``meson.options`` (or ``meson_options.txt``) declares."""

from __future__ import annotations

import re
from pathlib import Path

from ..model import SYSTEM_LIBRARY_MODES


def system_library_components(source_dir: Path) -> tuple[str, ...] | None:
    """The component names the target's ``use-system-libraries`` option accepts, if any."""
    for name in ("meson.options", "meson_options.txt"):
        options = source_dir / name
        if options.is_file():
            text = options.read_text(encoding="utf-8")
            match = re.search(r"option\(\s*'use-system-libraries'(.*?)\)\s*$", text, re.S | re.M)
            if not match:
                return None
            choices = re.search(r"choices\s*:\s*\[([^\]]*)\]", match.group(1))
            if not choices:
                return ()
            names = re.findall(r"'([^']+)'", choices.group(1))
            return tuple(n for n in names if n not in SYSTEM_LIBRARY_MODES)
    return None
