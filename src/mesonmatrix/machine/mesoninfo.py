"""Reading what meson says: its error line, and which dependencies it found outside the project."""

from __future__ import annotations

import json
import re
from pathlib import Path


def meson_error(output: str) -> str | None:
    """The line where meson says why it stopped (``meson.build:14:14: ERROR: ...``)."""
    for line in output.splitlines():
        if re.search(r"(^|: )ERROR: ", line) and "Backend subprocess" not in line:
            return line.strip()
    return None


def system_components(build_dir: Path, components: tuple[str, ...] | None) -> dict[str, str]:
    """Which of ``components`` (a use-system-libraries option's choices) the build took
    from the system, per meson's introspection of ``build_dir``."""
    if not components:
        return {}
    intro = build_dir / "meson-info" / "intro-dependencies.json"
    try:
        # Only dependencies meson found outside the project: a subproject fallback (the
        # vendored copy) is internal and is either absent here or typed "internal".
        found = {d.get("name", "") for d in json.loads(intro.read_text()) if d.get("type") != "internal"}
    except (OSError, ValueError):
        return {}
    result = {}
    for component in components:
        candidates = {component, component.split(".")[0], f"{component}_r"}
        result[component] = "system" if found & candidates else "vendored"
    return result
