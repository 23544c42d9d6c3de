"""Checks before the build: what would otherwise fail deep inside meson, or be hidden by
what meson cached in an existing build dir, stops the cell here with the exact fix."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..errors import CellError, PrerequisiteMissing
from ..machine.apt import ensure_commands, install_command
from ..machine.commands import CommandRunner, probe
from ..machine.pythons import full_version
from ..model import SystemLibraries
from ..targets.languages import DeclaredLanguage
from ..targets.target import Target

# Commands every meson-python build runs, and the Debian package of each. Meson caches
# what pkg-config found in a build dir, so a pkg-config removed since would go unnoticed
# by a reused build dir until some lookup that was not cached.
BUILD_COMMANDS = {"ninja": "ninja-build", "pkg-config": "pkg-config"}


def check_requires_python(target: Target, python: Path, *, cache_file: Path | None = None) -> None:
    """The target's ``requires-python`` must admit the cell's interpreter."""
    if not target.requires_python:
        return
    version = full_version(python, cache_file=cache_file)
    try:
        allowed = SpecifierSet(target.requires_python)
    except InvalidSpecifier:
        declared = target.requires_python
        raise CellError(f"{target.name}'s requires-python {declared!r} is not a valid specifier") from None
    if version is not None and not allowed.contains(version, prereleases=True):
        raise PrerequisiteMissing(
            f"{target.name} {target.version} requires Python {target.requires_python}, and this cell's interpreter "
            f"{python} is {version}: drop this Python from the matrix, or build another version of the target"
        )


# The compilers meson looks for, per language, on Linux and macOS: mesonbuild/compilers/
# detect.py's ``defaults`` (meson 1.x). Not imported from there: importing that module runs
# dpkg-architecture, which runs $CC, so a slow or broken compiler would stall every
# ``nox -l``. Its variables (CC, FC …) come from envconfig.ENV_VAR_COMPILER_MAP, which runs nothing.
COMPILER_CANDIDATES = {
    "c": ["cc", "gcc", "clang", "nvc", "pgcc", "icc", "icx"],
    "cpp": ["c++", "g++", "clang++", "nvc++", "pgc++", "icpc", "icpx"],
    "objc": ["clang", "gcc"], "objcpp": ["clang++", "g++"],
    "fortran": ["gfortran", "flang-new", "flang", "nvfortran", "pgfortran", "ifort", "ifx", "g95"],
    "cs": ["mcs", "csc"], "d": ["ldc2", "ldc", "gdc", "dmd"], "java": ["javac"], "cuda": ["nvcc"],
    "rust": ["rustc"], "swift": ["swiftc"], "vala": ["valac"], "cython": ["cython", "cython3"],
    "nasm": ["nasm", "yasm"],
}
# Debian's package for a compiler of each language.
COMPILER_PACKAGES = {"c": "gcc", "cpp": "g++", "fortran": "gfortran", "d": "gdc", "rust": "rustc", "objc": "gobjc",
                     "objcpp": "gobjc++", "cuda": "nvidia-cuda-toolkit", "vala": "valac", "java": "default-jdk",
                     "cs": "mono-mcs", "nasm": "nasm"}


def check_compilers(languages: tuple[DeclaredLanguage, ...], environ: Mapping[str, str]) -> None:
    """A compiler for every language the target declares, on the build's PATH (``environ``
    is the build's environment: its PATH, and CC, FC … when set); else the cell stops here
    with the command that installs one. Compilers are never installed behind the user's
    back: which compiler a build uses is part of what it tests."""
    # Imported here: mesonbuild's modules take 19 ms to import, which every cell (most of
    # them served whole from the stores) paid at start-up.
    from mesonbuild.envconfig import ENV_VAR_COMPILER_MAP

    path = environ.get("PATH", "")
    for language in languages:
        variable = next(iter(ENV_VAR_COMPILER_MAP.get(language.name, [])), None)
        chosen = environ.get(variable, "").split() if variable else []
        candidates = chosen[:1] or COMPILER_CANDIDATES.get(language.name, [])
        if not candidates or any(shutil.which(c, path=path) for c in candidates):
            continue
        if language.name == "cython":
            raise PrerequisiteMissing(f"the target declares Cython ({language.where}) but the build env has no "
                                      "cython: add cython to its [build-system] requires")
        declared = f"the target declares {language.name} ({language.where})"
        if chosen:  # the variable is what is wrong: an installed compiler would not be used
            raise PrerequisiteMissing(f"{declared} but {variable}={chosen[0]} "
                                      f"{'does not exist' if os.sep in chosen[0] else 'is not on the PATH'}: "
                                      f"{_variable_fix(variable, language.name, path)}")
        package = COMPILER_PACKAGES.get(language.name)
        fix = f"install one with `apt-get install {package}`" if package else "install one"
        raise PrerequisiteMissing(f"{declared} but none of {', '.join(candidates)} is on the build's PATH: {fix}"
                                  + (f", or set {variable}" if variable else ""))


def _variable_fix(variable: str | None, language: str, path: str) -> str:
    """Point the variable at a compiler that exists, or unset it when meson would find one."""
    found = next((c for c in COMPILER_CANDIDATES.get(language, []) if shutil.which(c, path=path)), None)
    return f"point {variable} at an installed compiler" + (f", or unset it ({found} is on the PATH)" if found else "")


def ensure_build_commands(runner: CommandRunner, path: str) -> None:
    """ninja and pkg-config on the build's PATH (the build env's bin first): installed
    with apt as root, otherwise the cell stops with the command that installs them."""
    missing = {c: p for c, p in BUILD_COMMANDS.items() if shutil.which(c, path=path) is None}
    if missing:
        ensure_commands(runner, missing, "the build")
        still = [c for c in missing if shutil.which(c, path=path) is None]
        if still:
            raise PrerequisiteMissing(f"{', '.join(still)} installed, but not found on the build's PATH {path}")


def check_system_libraries(target: Target, spec: SystemLibraries, environ: Mapping[str, str],
                           setup_args: Sequence[str] = ()) -> None:
    """The system libraries the cell requires (named, or every one for ``all``) that the
    target's preset maps to a pkg-config module must be found by pkg-config, or the cell
    stops here, before its build, instead of in meson's configure: which library, how
    it is looked for, and the package that ships it when the preset names one. pkg-config
    looks where meson will: the build's ``-Dpkg_config_path`` folders first, then
    ``PKG_CONFIG_PATH`` and its own defaults."""
    meson_dirs = [a.partition("=")[2] for a in setup_args if a.startswith("-Dpkg_config_path=")]
    search = os.pathsep.join(p for p in [*meson_dirs, environ.get("PKG_CONFIG_PATH", "")] if p)
    environ = {**environ, "PKG_CONFIG_PATH": search}
    components = target.system_components or ()
    required = components if spec.mode == "all" else spec.required
    for component in required:
        declared = target.system_library_modules.get(component)
        if declared is None:
            continue  # not mapped: meson's own lookup is the check
        module, *package = declared.split()
        found = probe(["pkg-config", "--exists", module], env=environ)
        if found is not None and found.returncode == 0:
            continue
        fix = (f"sudo {shlex.join(install_command(package))}" if package
               else "install it")
        raise PrerequisiteMissing(
            f"use-system-libraries={spec.meson_value} needs the system's {component}, and pkg-config does not find "
            f"its module {module!r}: {fix}, or point PKG_CONFIG_PATH at its .pc file")
