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


_NINJA_FAILED = re.compile(r"^FAILED: (?:\[code=\d+\] )?(\S+)", re.MULTILINE)
# A compiler's or linker's first error: gcc/clang "file:line:col: error:", gfortran's
# "Error:", Cython's "Error compiling Cython file", ld's "undefined reference".
_STEP_ERROR = re.compile(r"(?:^|: )(?:fatal )?error: |^Error: |Error compiling Cython file|undefined reference to ",
                         re.IGNORECASE)


def ninja_error(output: str) -> str | None:
    """A failed ninja step as one line: the step's target and the first error line after
    it (``src/x.c.o: ../src/x.c:3:5: error: unknown type name 'foo'``); None when no
    step failed. The compile command and the rest of the output stay in the log."""
    failed = _NINJA_FAILED.search(output)
    if failed is None:
        return None
    after = output[failed.end():].splitlines()
    first = next((line.strip() for line in after if _STEP_ERROR.search(line.strip())), None)
    return f"{failed[1]}: {first}" if first else f"the step for {failed[1]} failed"


def pkg_config_found(build_dir: Path) -> dict[str, str]:
    """What pkg-config gave meson for each dependency it found that way (meson's
    introspection of ``build_dir``): its version and its first include or library path,
    so the record shows which interpreter's python3.pc or which BLAS a build compiled with."""
    try:
        found = json.loads((build_dir / "meson-info" / "intro-dependencies.json").read_text())
    except (OSError, ValueError):
        return {}
    result = {}
    for dep in found if isinstance(found, list) else []:
        if isinstance(dep, dict) and dep.get("type") == "pkgconfig":
            args = [a for a in (*dep.get("compile_args", []), *dep.get("link_args", [])) if a.startswith(("-I", "/"))]
            result[str(dep.get("name"))] = " ".join([str(dep.get("version", "")), *args[:1]]).strip()
    return result


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
