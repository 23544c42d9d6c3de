"""Reading what meson says: its error line, and which dependencies it found outside the project."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .targets import Target


def meson_error(output: str) -> str | None:
    """The line where meson says why it stopped (``meson.build:14:14: ERROR: ...``)."""
    for line in output.splitlines():
        if re.search(r"(^|: )ERROR: ", line) and "Backend subprocess" not in line:
            return line.strip()
    return None


def system_components(build_dir: Path, target: Target) -> dict[str, str]:
    """Which use-system-libraries components the build took from the system, per meson."""
    if not target.system_components:
        return {}
    intro = build_dir / "meson-info" / "intro-dependencies.json"
    try:
        # Only dependencies meson found outside the project: a subproject fallback (the
        # vendored copy) is internal and is either absent here or typed "internal".
        found = {d.get("name", "") for d in json.loads(intro.read_text()) if d.get("type") != "internal"}
    except (OSError, ValueError):
        return {}
    result = {}
    for component in target.system_components:
        candidates = {component, component.split(".")[0], f"{component}_r"}
        result[component] = "system" if found & candidates else "vendored"
    return result
