"""Targets: what a cell builds. A preset from ``matrices/`` or any meson-python source.

``--target`` takes a preset name (``demo``), a source directory or an sdist path. All of
them resolve to a ``Target``: an unpacked meson-python source tree plus what the pipeline
needs to know to test it after installation.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .blas import PROVIDERS
from .commands import CellError, CommandRunner
from .model import SAFE_NAME, SYSTEM_LIBRARY_MODES, MatrixError
from .build import source_files
from .sdists import fetch_sdist

PRESET_KEYS = ("description", "path", "sdist", "import_name", "test_requires", "suites", "default_suite", "smoke",
               "setup_args", "system_requires", "blas_args", "toolchain_min", "toolchain_min_requires")
TOOLCHAIN_KEYS = ("cc", "cxx", "fc")
SDIST_KEYS = ("name", "version", "sha256")
# Beside an unpacked sdist's root folder: its SOURCE_DATE_EPOCH, read from the tarball.
SDIST_EPOCH_FILE = ".source-date-epoch"


class TargetError(CellError):
    """A target that cannot be built: unknown, missing, or not a meson-python project."""


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
    default_suite: str = "full"
    smoke: str | None = None
    setup_args: tuple[str, ...] = ()  # meson options every cell of this target adds
    system_requires: dict[str, str] = field(default_factory=dict)  # command -> Debian package
    # Meson options that select a BLAS flavour in this target, where they differ from the
    # provider's (SciPy finds scipy-openblas through -Dblas=openblas, NumPy by its name).
    blas_args: dict[str, tuple[str, ...]] = field(default_factory=dict)
    toolchain_min: dict[str, str] = field(default_factory=dict)  # cc/cxx/fc -> compiler command
    # Requirements a toolchain-min build adds to the lowest [build-system] requires: what
    # the target's declared floors miss (each with a comment in the matrix saying why).
    toolchain_min_requires: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Target:
    name: str  # preset name or the project's name; part of cache keys
    source_dir: Path
    project_name: str
    version: str
    import_name: str
    build_requires: tuple[str, ...]
    runtime_requires: tuple[str, ...]  # [project] dependencies, for the test env's lock
    # Components the target's use-system-libraries option accepts; None: it has no such option.
    system_components: tuple[str, ...] | None
    test_requires: tuple[str, ...]
    suites: dict[str, tuple[str, ...]]
    default_suite: str
    smoke: str
    setup_args: tuple[str, ...] = ()
    system_requires: dict[str, str] = field(default_factory=dict)
    blas_args: dict[str, tuple[str, ...]] = field(default_factory=dict)
    toolchain_min: dict[str, str] = field(default_factory=dict)
    toolchain_min_requires: tuple[str, ...] = ()

    def suite_args(self, suite: str | None) -> tuple[str, ...]:
        name = suite or self.default_suite
        if name not in self.suites:
            raise TargetError(f"target {self.name!r} has no test suite {name!r}; it has: {', '.join(self.suites)}")
        return self.suites[name]

    @property
    def tests_project_name(self) -> str:
        return f"{self.project_name}-tests"


def _string_list(file: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MatrixError(file, key, "expected a list of strings")
    return tuple(value)


def parse_target_preset(file: Path, name: str, raw: object, project_root: Path) -> TargetPreset:
    where = f"targets.{name}"
    if not SAFE_NAME.match(name):
        raise MatrixError(file, where, "a target name may hold only letters, digits and . _ + -")
    if not isinstance(raw, dict):
        raise MatrixError(file, where, "expected a table")
    for key in raw:
        if key not in PRESET_KEYS:
            raise MatrixError(file, f"{where}.{key}", f"unknown key; allowed: {', '.join(PRESET_KEYS)}")
    if ("path" in raw) == ("sdist" in raw):
        raise MatrixError(file, where, "needs exactly one of `path` (a source tree) or `sdist` (name, version, sha256)")
    for key in ("description", "import_name", "smoke", "path", "default_suite"):
        if key in raw and not isinstance(raw[key], str):
            raise MatrixError(file, f"{where}.{key}", "expected a string")
    sdist = None
    if "sdist" in raw:
        table = raw["sdist"]
        if not isinstance(table, dict) or set(table) != set(SDIST_KEYS) or not all(isinstance(v, str) for v in table.values()):
            raise MatrixError(file, f"{where}.sdist", f"expected a table with exactly {', '.join(SDIST_KEYS)} (strings)")
        if not re.fullmatch(r"[0-9a-f]{64}", table["sha256"]):
            raise MatrixError(file, f"{where}.sdist.sha256", "expected 64 lowercase hex digits")
        if not SAFE_NAME.match(table["name"]) or not SAFE_NAME.match(table["version"]):
            raise MatrixError(file, f"{where}.sdist", "name and version may hold only letters, digits and . _ + -")
        sdist = SdistSpec(**table)
    suites_raw = raw.get("suites", {})
    if not isinstance(suites_raw, dict):
        raise MatrixError(file, f"{where}.suites", "expected a table of suite name = [pytest --pyargs arguments]")
    suites = {k: _string_list(file, f"{where}.suites.{k}", v) for k, v in suites_raw.items()}
    import_name = raw.get("import_name")
    if not suites:
        suites = {"full": (import_name or name,)}
    default_suite = raw.get("default_suite", "full" if "full" in suites else next(iter(suites)))
    if default_suite not in suites:
        raise MatrixError(file, f"{where}.default_suite", f"{default_suite!r} is not one of the suites: {', '.join(suites)}")
    system_requires = raw.get("system_requires", {})
    if not isinstance(system_requires, dict) or not all(isinstance(v, str) for v in system_requires.values()):
        raise MatrixError(file, f"{where}.system_requires", "expected a table of command = \"debian-package\"")
    blas_raw = raw.get("blas_args", {})
    if not isinstance(blas_raw, dict):
        raise MatrixError(file, f"{where}.blas_args", "expected a table of flavour = [meson options]")
    for flavour in blas_raw:
        if flavour not in PROVIDERS:
            raise MatrixError(file, f"{where}.blas_args.{flavour}", f"unknown BLAS flavour; allowed: {', '.join(PROVIDERS)}")
    blas_args = {k: _string_list(file, f"{where}.blas_args.{k}", v) for k, v in blas_raw.items()}
    toolchain = raw.get("toolchain_min", {})
    if not isinstance(toolchain, dict) or not all(k in TOOLCHAIN_KEYS and isinstance(v, str) for k, v in toolchain.items()):
        raise MatrixError(file, f"{where}.toolchain_min", f"expected a table of {', '.join(TOOLCHAIN_KEYS)} = \"compiler command\"")
    return TargetPreset(
        name=name,
        description=raw.get("description", ""),
        path=(project_root / raw["path"]).resolve() if "path" in raw else None,
        sdist=sdist,
        import_name=import_name,
        test_requires=_string_list(file, f"{where}.test_requires", raw.get("test_requires", ["pytest"])),
        suites=suites,
        default_suite=default_suite,
        smoke=raw.get("smoke"),
        setup_args=_string_list(file, f"{where}.setup_args", raw.get("setup_args", [])),
        system_requires=dict(system_requires),
        blas_args=blas_args,
        toolchain_min=dict(toolchain),
        toolchain_min_requires=_string_list(file, f"{where}.toolchain_min_requires", raw.get("toolchain_min_requires", [])),
    )


def read_pyproject(source_dir: Path) -> dict[str, Any]:
    pyproject = source_dir / "pyproject.toml"
    if not pyproject.is_file():
        raise TargetError(f"{source_dir} is not a Python project: it has no pyproject.toml")
    with pyproject.open("rb") as handle:
        try:
            data: dict[str, Any] = tomllib.load(handle)
            return data
        except tomllib.TOMLDecodeError as exc:
            raise TargetError(f"{pyproject} is not valid TOML: {exc}") from None


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


def target_from_source(source_dir: Path, *, name: str | None = None, preset: TargetPreset | None = None) -> Target:
    data = read_pyproject(source_dir)
    backend = data.get("build-system", {}).get("build-backend")
    if backend != "mesonpy":
        raise TargetError(
            f"{source_dir} is not a meson-python project: its build-backend is {backend!r}, not 'mesonpy'"
        )
    project = data.get("project", {})
    project_name = project.get("name")
    if not isinstance(project_name, str):
        raise TargetError(f"{source_dir}/pyproject.toml has no [project] name")
    version = project.get("version")
    if not isinstance(version, str):
        # meson-python projects may take their version from meson.build
        found = re.search(r"version\s*:\s*'([^']+)'", (source_dir / "meson.build").read_text(encoding="utf-8"))
        version = found.group(1) if found else "0"
    import_name = (preset.import_name if preset else None) or re.sub(r"[-.]+", "_", project_name).lower()
    requires = tuple(data.get("build-system", {}).get("requires", ()))
    return Target(
        name=name or re.sub(r"[^A-Za-z0-9._+-]", "_", project_name),
        source_dir=source_dir,
        project_name=project_name,
        version=version,
        import_name=import_name,
        build_requires=requires,
        runtime_requires=tuple(project.get("dependencies", ())),
        system_components=system_library_components(source_dir),
        test_requires=preset.test_requires if preset else ("pytest",),
        suites=preset.suites if preset else {"full": (import_name,)},
        default_suite=preset.default_suite if preset else "full",
        smoke=(preset.smoke if preset else None) or f"import {import_name}",
        setup_args=preset.setup_args if preset else (),
        system_requires=preset.system_requires if preset else {},
        blas_args=preset.blas_args if preset else {},
        toolchain_min=preset.toolchain_min if preset else {},
        toolchain_min_requires=preset.toolchain_min_requires if preset else (),
    )


def unpack_sdist(sdist: Path, cache_dir: Path) -> Path:
    """Unpack an sdist once into ``cache_dir``, keyed by its sha256; return the source dir."""
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    dest = cache_dir / "sources" / digest[:16]
    done = dest / ".unpacked"
    epoch_file = dest / SDIST_EPOCH_FILE
    if not done.exists():
        tmp = dest.with_name(dest.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        with tarfile.open(sdist) as archive:
            archive.extractall(tmp, filter="data")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
        done.write_text(str(sdist))
    if not epoch_file.is_file():
        # Read from the tarball, not the unpacked tree: builds touch files in the tree.
        with tarfile.open(sdist) as archive:
            newest = max((m.mtime for m in archive.getmembers() if m.isfile()), default=0)
        epoch_file.write_text(f"{int(newest)}\n")
    roots = [p for p in dest.iterdir() if p.is_dir()]
    if len(roots) != 1:
        raise TargetError(f"{sdist} does not unpack to a single top-level directory")
    return roots[0]


def resolve_target(value: str, presets: Mapping[str, TargetPreset], cache_dir: Path,
                   runner: CommandRunner | None = None) -> Target:
    """Turn ``--target`` into a source tree; errors come before any build starts."""
    if value in presets:
        preset = presets[value]
        if preset.sdist is not None:
            spec = preset.sdist
            runner = runner or CommandRunner(log=cache_dir / "logs" / "fetch.log")
            sdist = fetch_sdist(spec.name, spec.version, spec.sha256, cache_dir, runner)
            return target_from_source(unpack_sdist(sdist, cache_dir), name=value, preset=preset)
        assert preset.path is not None
        if not preset.path.is_dir():
            raise TargetError(f"target {value!r}: its source tree {preset.path} does not exist")
        return target_from_source(preset.path, name=value, preset=preset)
    path = Path(value).expanduser()
    if path.is_dir():
        return target_from_source(path.resolve())
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return target_from_source(unpack_sdist(path.resolve(), cache_dir))
    raise TargetError(
        f"unknown target {value!r}: not a preset ({', '.join(presets)}), a source directory or an sdist (.tar.gz)"
    )


def source_date_epoch(source_dir: Path) -> int:
    """A timestamp fixed by the sources, for SOURCE_DATE_EPOCH.

    The last commit touching a tree in git (file mtimes in a fresh clone are checkout
    times); for an unpacked sdist, its newest member's mtime, read from the tarball when
    it was unpacked (meson touches ``subprojects/.wraplock`` on every setup, which made
    SciPy's epoch the time of its last build); otherwise the newest source file's mtime.
    """
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", "."], cwd=source_dir,
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        if out.returncode == 0 and out.stdout.strip().isdigit():
            return int(out.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    recorded = source_dir.parent / SDIST_EPOCH_FILE
    if recorded.is_file() and recorded.read_text().strip().isdigit():
        return int(recorded.read_text().strip()) or 315532800
    newest = 0.0
    for path in source_files(source_dir):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return int(newest) or 315532800  # 1980-01-01, the earliest time a zip file can hold
