"""Target presets: ``[targets.NAME]`` tables of the matrix files, validated.

A preset names a source tree or a pinned sdist, and says how to test it once installed
(import name, test requirements, suites) and what its build needs beyond the defaults.
Every error names the file and the key, as for the rest of a matrix file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..errors import MatrixError
from ..machine.apt import PACKAGE_NAME
from ..model import SAFE_NAME
from ..providers import PROVIDERS
from ..providers.scipy_openblas import ScipyOpenBLAS
from .keys import PRESET, PRESET_KEYS, check_keys, names, settings_of

# The packages a blas_pkgconfig table may name: those of the registry's scipy-openblas flavours.
SCIPY_OPENBLAS_PACKAGES = tuple(p.package for p in PROVIDERS.values() if isinstance(p, ScipyOpenBLAS))

# The test-suite preset a target runs when no --suite is given and the preset names none:
# the whole installed suite.
DEFAULT_SUITE: Final = "full"

# A module an import statement can name: identifiers joined by dots, nothing else.
IMPORT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")  # fullmatch: see SAFE_NAME
# A command looked up on PATH (a compiler, gfortran): never an option, never a path.
COMMAND_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
TOOLCHAIN_KEYS = ("cc", "cxx", "fc")
SDIST_KEYS = ("name", "version", "sha256")

@dataclass(frozen=True, kw_only=True)
class SdistSpec:
    name: str
    version: str
    sha256: str


@dataclass(frozen=True, kw_only=True)
class TargetPreset:
    name: str
    description: str
    path: Path | None = None
    sdist: SdistSpec | None = None
    import_name: str | None = None
    test_requires: tuple[str, ...] = ("pytest",)
    # Test-suite presets: the arguments after ``pytest --pyargs`` (modules, -m markers …).
    suites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_suite: str = DEFAULT_SUITE
    smoke: str | None = None
    setup_args: tuple[str, ...] = ()  # meson options every cell of this target adds
    system_requires: dict[str, str] = field(default_factory=dict)  # command -> Debian package
    # use-system-libraries component -> its pkg-config module, and optionally the Debian
    # package that ships it ("qhull_r libqhull-dev"): checked before a build that requires it.
    system_library_modules: dict[str, str] = field(default_factory=dict)
    # Meson options that select a BLAS flavour in this target, where they differ from the
    # provider's (SciPy finds scipy-openblas through -Dblas=openblas, NumPy by its name).
    blas_args: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # flavour -> {pkg-config module: the scipy-openblas package that writes it}, where the
    # target finds a PyPI OpenBLAS by other names than scipy-openblas (SciPy's ILP64 build
    # wants its LP64 library beside the ILP64 one).
    blas_pkgconfig: dict[str, dict[str, str]] = field(default_factory=dict)
    toolchain_min: dict[str, str] = field(default_factory=dict)  # cc/cxx/fc -> compiler command
    # Requirements a toolchain-min build adds to the lowest [build-system] requires: what
    # the target's declared floors miss (each with a comment in the matrix saying why).
    toolchain_min_requires: tuple[str, ...] = ()
    # Build requirements whose upper bounds a loosened cell keeps (numpy's always), each
    # with the reason the record gives.
    loosened_keep: dict[str, str] = field(default_factory=dict)
    # deb cells: lintian tags this target's packages override, each with its reason
    # (installed as usr/share/lintian/overrides/<package>, Debian's own mechanism).
    lintian_overrides: dict[str, str] = field(default_factory=dict)
    # rpm cells: rpmlint checks this target's packages filter out, each with its reason.
    rpmlint_filters: dict[str, str] = field(default_factory=dict)
    # Where the tests are when the package does not install them (a folder of the source
    # tree, run from a copy); None: as the project describes (see targets/testsource.py).
    test_dir: str | None = None
    # The tests as the maintainers run them, with cibuildwheel's {project} and {package}:
    # what a project keeps in a script or its CI config that init cannot read.
    test_command: str | None = None
    # The settings it gives (config/keys.py SETTINGS, by key name): the time limits and the
    # manylinux policy its Linux wheels must meet; a matrix file's and the command line's win.
    settings: Mapping[str, object] = field(default_factory=dict)
    declares_suites: bool = False  # `suites` given: the installed tests, run with --pyargs
    declares_test_requires: bool = False


def _string_list(file: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MatrixError(file, key, "expected a list of strings")
    return tuple(value)


def _sdist_spec(file: Path, where: str, table: object) -> SdistSpec:
    if (
        not isinstance(table, dict)
        or set(table) != set(SDIST_KEYS)
        or not all(isinstance(v, str) for v in table.values())
    ):
        raise MatrixError(file, f"{where}.sdist", f"expected a table with exactly {', '.join(SDIST_KEYS)} (strings)")
    if not re.fullmatch(r"[0-9a-f]{64}", table["sha256"]):
        raise MatrixError(file, f"{where}.sdist.sha256", "expected 64 lowercase hex digits")
    if not SAFE_NAME.fullmatch(table["name"]) or not SAFE_NAME.fullmatch(table["version"]):
        raise MatrixError(file, f"{where}.sdist", "name and version may hold only letters, digits and . _ + -")
    return SdistSpec(**table)


def _suites(
    file: Path, where: str, raw: dict[str, Any], fallback_module: str
) -> tuple[dict[str, tuple[str, ...]], str]:
    """The test-suite presets and the default one; without any, the whole package is the suite."""
    suites_raw = raw.get("suites", {})
    if not isinstance(suites_raw, dict):
        raise MatrixError(file, f"{where}.suites", "expected a table of suite name = [pytest --pyargs arguments]")
    suites = {k: _string_list(file, f"{where}.suites.{k}", v) for k, v in suites_raw.items()}
    if not suites:
        suites = {DEFAULT_SUITE: (fallback_module,)}
    default_suite = raw.get("default_suite", DEFAULT_SUITE if DEFAULT_SUITE in suites else next(iter(suites)))
    if default_suite not in suites:
        raise MatrixError(
            file, f"{where}.default_suite", f"{default_suite!r} is not one of the suites: {', '.join(suites)}"
        )
    return suites, default_suite


def _import_name(file: Path, where: str, value: object) -> str | None:
    """A dotted module name: it is put into ``import …`` code, so anything else is refused."""
    if value is None:
        return None
    if not isinstance(value, str) or not IMPORT_NAME.fullmatch(value):
        raise MatrixError(file, f"{where}.import_name", f"{value!r} is not a dotted module name (pkg or pkg.sub)")
    return value


def _system_requires(file: Path, where: str, value: object) -> dict[str, str]:
    """command = "debian-package": both reach apt-get and PATH lookups, so neither may be an option."""
    key = f"{where}.system_requires"
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MatrixError(file, key, 'expected a table of command = "debian-package"')
    for command, package in value.items():
        if not COMMAND_NAME.fullmatch(command):
            raise MatrixError(file, f"{key}.{command}", "a command name may hold only letters, digits and . _ + -")
        if not PACKAGE_NAME.fullmatch(package):
            raise MatrixError(file, f"{key}.{command}", f"{package!r} is not a Debian package name")
    return dict(value)


def _system_library_modules(file: Path, where: str, value: object) -> dict[str, str]:
    """component = "pkg-config-module [debian-package]": both reach command lines."""
    key = f"{where}.system_library_modules"
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MatrixError(file, key, 'expected a table of component = "pkg-config module [Debian package]"')
    for component, spec in value.items():
        words = spec.split()
        if not 1 <= len(words) <= 2 or not COMMAND_NAME.fullmatch(words[0]) or (
                len(words) == 2 and not PACKAGE_NAME.fullmatch(words[1])):
            raise MatrixError(file, f"{key}.{component}",
                              f"{spec!r} is not 'module' or 'module debian-package' (letters, digits and . _ + -)")
    return dict(value)


def _blas_args(file: Path, where: str, value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise MatrixError(file, f"{where}.blas_args", "expected a table of flavour = [meson options]")
    for flavour in value:
        if flavour not in PROVIDERS:
            raise MatrixError(file, f"{where}.blas_args.{flavour}",
                              f"unknown BLAS flavour; allowed: {', '.join(PROVIDERS)}")
    return {k: _string_list(file, f"{where}.blas_args.{k}", v) for k, v in value.items()}


def _blas_pkgconfig(file: Path, where: str, value: object) -> dict[str, dict[str, str]]:
    """flavour = { module = package }: a scipy-openblas flavour, safe module names, and
    scipy-openblas packages only (each runs as `import <package>` in the build env)."""
    key = f"{where}.blas_pkgconfig"
    if not isinstance(value, dict) or not all(isinstance(v, dict) and v for v in value.values()):
        raise MatrixError(file, key, "expected a table of flavour = { pkg-config module = scipy-openblas package }")
    for flavour, files in value.items():
        provider = PROVIDERS.get(flavour)
        if not isinstance(provider, ScipyOpenBLAS):
            raise MatrixError(file, f"{key}.{flavour}", "only a scipy-openblas flavour (openblas, openblas64) "
                              "writes its pkg-config files from PyPI packages")
        for module, package in files.items():
            if not COMMAND_NAME.fullmatch(module):
                raise MatrixError(file, f"{key}.{flavour}.{module}",
                                  "a pkg-config module name may hold only letters, digits and . _ + -")
            if package not in SCIPY_OPENBLAS_PACKAGES:
                raise MatrixError(file, f"{key}.{flavour}.{module}",
                                  f"{package!r} is not one of {', '.join(SCIPY_OPENBLAS_PACKAGES)}")
        if provider.package not in files.values():
            raise MatrixError(file, f"{key}.{flavour}",
                              f"names no file from {provider.package}, the flavour's own library")
    return {flavour: dict(files) for flavour, files in value.items()}


def _toolchain_min(file: Path, where: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(k in TOOLCHAIN_KEYS and isinstance(v, str) for k, v in value.items()):
        raise MatrixError(file, f"{where}.toolchain_min",
                          f'expected a table of {", ".join(TOOLCHAIN_KEYS)} = "compiler command"')
    for key, command in value.items():
        if not COMMAND_NAME.fullmatch(command):
            raise MatrixError(file, f"{where}.toolchain_min.{key}",
                              f"{command!r} is not a compiler command (letters, digits and . _ + -)")
    return dict(value)


def _reasons(file: Path, where: str, value: object) -> dict[str, str]:
    """A table of name = "reason" (``loosened_keep``, ``lintian_overrides``)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                              for k, v in value.items()):
        raise MatrixError(file, where, 'expected a table of name = "the reason its bound must stay"')
    return dict(value)


def _source_path(file: Path, where: str, value: str, project_root: Path) -> Path:
    path = (project_root / value).resolve()
    if not path.is_dir():
        raise MatrixError(file, f"{where}.path", f"{value!r} is not a directory (resolved to {path})")
    return path


def parse_target_preset(file: Path, name: str, raw: object, project_root: Path) -> TargetPreset:
    where = f"targets.{name}"
    if not SAFE_NAME.fullmatch(name):
        raise MatrixError(file, where, "a target name may hold only letters, digits and . _ + -")
    if not isinstance(raw, dict):
        raise MatrixError(file, where, "expected a table")
    check_keys(file, where, raw, names(PRESET_KEYS))
    if ("path" in raw) == ("sdist" in raw):
        raise MatrixError(file, where, "needs exactly one of `path` (a source tree) or `sdist` (name, version, sha256)")
    for key in ("description", "import_name", "smoke", "path", "default_suite", "test_dir", "test_command"):
        if key in raw and not isinstance(raw[key], str):
            raise MatrixError(file, f"{where}.{key}", "expected a string")
    import_name = _import_name(file, where, raw.get("import_name"))
    suites, default_suite = _suites(file, where, raw, import_name or name)
    return TargetPreset(
        name=name,
        description=raw.get("description", ""),
        path=_source_path(file, where, raw["path"], project_root) if "path" in raw else None,
        sdist=_sdist_spec(file, where, raw["sdist"]) if "sdist" in raw else None,
        import_name=import_name,
        test_requires=_string_list(file, f"{where}.test_requires", raw.get("test_requires", ["pytest"])),
        suites=suites,
        default_suite=default_suite,
        smoke=raw.get("smoke"),
        setup_args=_string_list(file, f"{where}.setup_args", raw.get("setup_args", [])),
        system_requires=_system_requires(file, where, raw.get("system_requires", {})),
        system_library_modules=_system_library_modules(file, where, raw.get("system_library_modules", {})),
        blas_args=_blas_args(file, where, raw.get("blas_args", {})),
        blas_pkgconfig=_blas_pkgconfig(file, where, raw.get("blas_pkgconfig", {})),
        toolchain_min=_toolchain_min(file, where, raw.get("toolchain_min", {})),
        toolchain_min_requires=_string_list(file, f"{where}.toolchain_min_requires",
                                            raw.get("toolchain_min_requires", [])),
        loosened_keep=_reasons(file, f"{where}.loosened_keep", raw.get("loosened_keep", {})),
        lintian_overrides=_reasons(file, f"{where}.lintian_overrides", raw.get("lintian_overrides", {})),
        rpmlint_filters=_reasons(file, f"{where}.rpmlint_filters", raw.get("rpmlint_filters", {})),
        test_dir=raw.get("test_dir"),
        test_command=raw.get("test_command"),
        settings=settings_of(file, where, raw, PRESET),
        declares_suites="suites" in raw,
        declares_test_requires="test_requires" in raw,
    )
