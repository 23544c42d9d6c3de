"""Session names and nox tags for cells.

A cell is named ``build-<python>-<blas>`` (``build-<python>`` in a matrix without BLAS);
each other axis whose value differs from the matrix's default appends that value, in the
fixed order platform, system libraries, install tags, package, deps: ``build-3.12-openblas-macos-arm64``,
``build-3.12-openblas-auto-split``, ``build-3.12-openblas-latest``, ``build-3.12-openblas-kahan+auto``. Commas in a
system-library value become ``+`` so the name stays one shell word.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import system_libraries_slug


def session_name(values: Mapping[str, str], defaults: Mapping[str, str]) -> str:
    parts = ["build", values["python"]]
    if values["blas"] != "none":  # a matrix without BLAS names no flavour
        parts.append(values["blas"])
    if values["platform"] != defaults["platform"]:
        parts.append(values["platform"])
    if values["system_libraries"] != defaults["system_libraries"]:
        parts.append(system_libraries_slug(values["system_libraries"]))
    if values["install_tags"] != defaults["install_tags"]:
        parts.append(values["install_tags"])
    if values["package"] != defaults["package"]:
        parts.append(values["package"])
    if values.get("deps", "locked") != defaults.get("deps", "locked"):
        parts.append(values["deps"])
    return "-".join(parts)


def session_tags(values: Mapping[str, str]) -> tuple[str, ...]:
    """nox tags, one per axis value, so ``nox -t split`` or ``nox -t openblas`` selects a slice."""
    return (
        "build",
        f"py{values['python']}",
        values["blas"],
        values["platform"],
        f"syslibs-{system_libraries_slug(values['system_libraries'])}",
        values["install_tags"],
        *([values["package"]] if values["package"] != "wheel" else []),
        *([f"deps-{values['deps']}", "upstream"] if values.get("deps", "locked") != "locked" else []),
    )
