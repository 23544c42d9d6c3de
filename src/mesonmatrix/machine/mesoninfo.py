"""Reading what meson says: its error line, and which dependencies it found outside the project."""

from __future__ import annotations

import json
import re
from pathlib import Path

# What git, meson's wrap downloader or curl print when a download cannot reach its host.
_NO_NETWORK = re.compile(r"unable to access '([^']+)'|Could not resolve host: (\S+)|"
                         r"(?:Failed to download|urlopen error).*?(https?://\S+)")


def meson_error(output: str) -> str | None:
    """Why meson stopped: a download its build needs that this machine cannot make (a wrap
    fetched at configure time), else the line where meson says why
    (``meson.build:14:14: ERROR: ...``)."""
    blocked = _NO_NETWORK.search(output)
    if blocked:
        what = next(g for g in blocked.groups() if g)
        return (f"the build downloads {what} (a meson subproject fetched at configure time) and this machine "
                "cannot reach it: provide that dependency as a system library (pkg-config) or in the sdist")
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
