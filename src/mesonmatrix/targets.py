"""Targets: what a cell builds. A preset from ``matrices/`` or any meson-python source.

``--target`` takes a preset name (``demo``), a source directory or an sdist path. All of
them resolve to a ``Target``: an unpacked meson-python source tree plus what the pipeline
needs to know to test it after installation.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .commands import CellError
from .model import SAFE_NAME, SYSTEM_LIBRARY_MODES, MatrixError

PRESET_KEYS = ("description", "path", "import_name", "test_requires", "pytest_args", "smoke")


class TargetError(CellError):
    """A target that cannot be built: unknown, missing, or not a meson-python project."""


@dataclass(frozen=True, kw_only=True)
class TargetPreset:
    name: str
    description: str
    path: Path
    import_name: str | None = None
    test_requires: tuple[str, ...] = ("pytest",)
    pytest_args: tuple[str, ...] = ()
    smoke: str | None = None


@dataclass(frozen=True, kw_only=True)
class Target:
    name: str  # preset name or the project's name; part of cache keys
    source_dir: Path
    project_name: str
    version: str
    import_name: str
    build_requires: tuple[str, ...]
    # Components the target's use-system-libraries option accepts; None: it has no such option.
    system_components: tuple[str, ...] | None
    test_requires: tuple[str, ...]
    pytest_args: tuple[str, ...]
    smoke: str

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
    if not isinstance(raw.get("path"), str):
        raise MatrixError(file, f"{where}.path", "required: the source tree, relative to the project root")
    for key in ("description", "import_name", "smoke"):
        if key in raw and not isinstance(raw[key], str):
            raise MatrixError(file, f"{where}.{key}", "expected a string")
    return TargetPreset(
        name=name,
        description=raw.get("description", ""),
        path=(project_root / raw["path"]).resolve(),
        import_name=raw.get("import_name"),
        test_requires=_string_list(file, f"{where}.test_requires", raw.get("test_requires", ["pytest"])),
        pytest_args=_string_list(file, f"{where}.pytest_args", raw.get("pytest_args", [])),
        smoke=raw.get("smoke"),
    )


def read_pyproject(source_dir: Path) -> dict[str, Any]:
    pyproject = source_dir / "pyproject.toml"
    if not pyproject.is_file():
        raise TargetError(f"{source_dir} is not a Python project: it has no pyproject.toml")
    with pyproject.open("rb") as handle:
        try:
            return tomllib.load(handle)
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
        system_components=system_library_components(source_dir),
        test_requires=preset.test_requires if preset else ("pytest",),
        pytest_args=preset.pytest_args if preset else (),
        smoke=(preset.smoke if preset else None) or f"import {import_name}",
    )


def unpack_sdist(sdist: Path, cache_dir: Path) -> Path:
    """Unpack an sdist once into ``cache_dir``, keyed by its sha256; return the source dir."""
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    dest = cache_dir / "sources" / digest[:16]
    done = dest / ".unpacked"
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
    roots = [p for p in dest.iterdir() if p.is_dir()]
    if len(roots) != 1:
        raise TargetError(f"{sdist} does not unpack to a single top-level directory")
    return roots[0]


def resolve_target(value: str, presets: Mapping[str, TargetPreset], cache_dir: Path) -> Target:
    if value in presets:
        preset = presets[value]
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
    times); otherwise the newest mtime in the tree, which an sdist's tarball fixes.
    """
    import subprocess

    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", "."], cwd=source_dir,
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        if out.returncode == 0 and out.stdout.strip().isdigit():
            return int(out.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    newest = 0.0
    for path in source_dir.rglob("*"):
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
    return int(newest) or 315532800  # 1980-01-01, the earliest time a zip file can hold
