"""Resolving ``--target``: a preset from ``matrices/``, a source tree or an sdist.

All of them resolve to a ``Target``: an unpacked meson-python source tree plus what the
pipeline needs to know to test it after installation. Errors come before any build.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..config.presets import DEFAULT_SUITE, TargetPreset
from ..errors import TargetError
from ..machine.commands import CommandRunner
from .languages import declared_languages
from .layout import import_name_of
from .mesonoptions import read_options, system_library_components
from .metadata import project_version
from .requirements import requirement_name
from .sdists import fetch_sdist, unpack_sdist
from .target import Target
from .testsource import TEST_DIRS, TestSource, discover_tests, pytest_config
from .workflows import cibuildwheel_table


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


def _tests(source_dir: Path, pyproject: dict[str, Any], preset: TargetPreset | None) -> TestSource:
    """A preset's test_dir or its suites win; otherwise what the project describes."""
    if preset is not None and preset.test_dir is not None:
        if not (source_dir / preset.test_dir).exists():
            raise TargetError(f"target {preset.name}: its test_dir {preset.test_dir!r} is not in {source_dir}")
        return discover_tests(source_dir, pyproject, test_dir=preset.test_dir)
    if preset is not None and preset.declares_suites:
        return TestSource(origin="installed")
    if preset is not None and preset.test_command:
        # Run as cibuildwheel runs a test-command (the table gets it in _cibuildwheel_of).
        return TestSource(origin="cibuildwheel", copies=tuple(d for d in TEST_DIRS if (source_dir / d).is_dir()))
    return discover_tests(source_dir, pyproject)


def _cibuildwheel_of(source_dir: Path, pyproject: dict[str, Any], preset: TargetPreset | None) -> dict[str, Any]:
    """The project's cibuildwheel settings; a preset's test_command layered last, as a
    CIBW_TEST_COMMAND would be, with its test_requires."""
    table = cibuildwheel_table(source_dir, pyproject)
    if preset is not None and preset.test_command:
        override = {"select": "*", "test-command": preset.test_command, "_from": f"targets.{preset.name}.test_command",
                    "test-requires": list(preset.test_requires)}
        overrides = table.get("overrides")
        table["overrides"] = [*(overrides if isinstance(overrides, list) else []), override]
    return table


def _test_requires(preset: TargetPreset | None, tests: TestSource) -> tuple[str, ...]:
    if preset is not None and preset.declares_test_requires:
        return preset.test_requires
    found = tests.requires or ("pytest",)
    # Every way of running tests here but a smoke test goes through pytest.
    return found if any(requirement_name(r) == "pytest" for r in found) else (*found, "pytest")


def _suites(preset: TargetPreset | None, tests: TestSource, import_name: str) -> dict[str, tuple[str, ...]]:
    """Suite presets: arguments after ``pytest --pyargs`` for installed tests; extra pytest
    arguments for tests run from their folder."""
    if preset is not None and (preset.declares_suites or preset.test_dir is not None):
        return preset.suites if preset.declares_suites else {DEFAULT_SUITE: ()}
    return {DEFAULT_SUITE: (import_name,)} if not tests.outside_the_package else {DEFAULT_SUITE: ()}


def _own_meson(pyproject: dict[str, Any]) -> str | None:
    meson = _table(pyproject.get("tool", {}).get("meson-python")).get("meson")
    return meson if isinstance(meson, str) else None


def target_from_source(source_dir: Path, *, name: str | None = None, preset: TargetPreset | None = None,
                       cache_dir: Path | None = None) -> Target:
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
    version = project_version(source_dir, data, cache_dir)
    import_name = (preset.import_name if preset else None) or import_name_of(source_dir, project_name)
    requires = tuple(data.get("build-system", {}).get("requires", ()))
    options = read_options(source_dir, cache_dir)
    tests = _tests(source_dir, data, preset)
    return Target(
        name=name or re.sub(r"[^A-Za-z0-9._+-]", "_", project_name),
        source_dir=source_dir,
        project_name=project_name,
        version=version,
        import_name=import_name,
        build_requires=requires,
        runtime_requires=tuple(project.get("dependencies", ())),
        requires_python=project.get("requires-python") if isinstance(project.get("requires-python"), str) else None,
        system_components=system_library_components(options),
        meson_options=options,
        languages=declared_languages(source_dir, cache_dir),
        test_requires=_test_requires(preset, tests),
        suites=_suites(preset, tests, import_name),
        default_suite=preset.default_suite if preset and preset.declares_suites else DEFAULT_SUITE,
        tests=tests,
        cibuildwheel=_cibuildwheel_of(source_dir, data, preset),
        own_meson=_own_meson(data),
        optional_dependencies=_table(project.get("optional-dependencies")),
        dependency_groups=_table(data.get("dependency-groups")),
        pytest_config=pytest_config(source_dir),
        smoke=(preset.smoke if preset else None) or f"import {import_name}",
        setup_args=preset.setup_args if preset else (),
        system_requires=preset.system_requires if preset else {},
        system_library_modules=preset.system_library_modules if preset else {},
        blas_args=preset.blas_args if preset else {},
        blas_pkgconfig=preset.blas_pkgconfig if preset else {},
        toolchain_min=preset.toolchain_min if preset else {},
        toolchain_min_requires=preset.toolchain_min_requires if preset else (),
        loosened_keep=dict(preset.loosened_keep) if preset else {},
        lintian_overrides=dict(preset.lintian_overrides) if preset else {},
        rpmlint_filters=dict(preset.rpmlint_filters) if preset else {},
        settings=preset.settings if preset else {},
        from_preset=preset is not None,
    )


def _table(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _names_a_path(value: str) -> bool:
    """``./nope``, ``~/src/x``, ``pkg-1.0.tar.gz``: a value no preset name can be (a preset
    name is a plain word), so a missing one is a missing path, not an unknown preset."""
    return any(mark in value for mark in ("/", "\\")) or value.startswith((".", "~")) or \
        value.endswith((".tar.gz", ".tgz"))


def resolve_target(value: str, presets: Mapping[str, TargetPreset], cache_dir: Path,
                   runner: CommandRunner | None = None) -> Target:
    """Turn ``--target`` into a source tree; errors come before any build starts."""
    if value in presets:
        preset = presets[value]
        if preset.sdist is not None:
            spec = preset.sdist
            runner = runner or CommandRunner(log=cache_dir / "logs" / "fetch.log")
            sdist = fetch_sdist(spec.name, spec.version, spec.sha256, cache_dir, runner)
            return target_from_source(unpack_sdist(sdist, cache_dir), name=value, preset=preset, cache_dir=cache_dir)
        assert preset.path is not None
        if not preset.path.is_dir():
            raise TargetError(f"target {value!r}: its source tree {preset.path} does not exist")
        return target_from_source(preset.path, name=value, preset=preset, cache_dir=cache_dir)
    path = Path(value).expanduser()
    if path.is_dir():
        return target_from_source(path.resolve(), cache_dir=cache_dir)
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return target_from_source(unpack_sdist(path.resolve(), cache_dir), cache_dir=cache_dir)
    if _names_a_path(value):
        raise TargetError(f"target path {value} does not exist (from {Path.cwd()}): give a preset "
                          f"({', '.join(presets)}), a source directory or an sdist (.tar.gz)")
    raise TargetError(
        f"unknown target {value!r}: not a preset ({', '.join(presets)}), a source directory or an sdist (.tar.gz)"
    )
