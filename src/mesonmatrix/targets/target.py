"""What a cell builds: an unpacked meson-python source tree and how to test it installed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..errors import TargetError
from .languages import DeclaredLanguage
from .mesonoptions import MesonOption
from .testsource import TestSource


@dataclass(frozen=True, kw_only=True)
class Target:
    name: str  # preset name or the project's name; part of cache keys
    source_dir: Path
    project_name: str
    version: str
    import_name: str
    build_requires: tuple[str, ...]
    runtime_requires: tuple[str, ...]  # [project] dependencies, for the test env's lock
    requires_python: str | None = None  # [project] requires-python, checked before a build
    # Declared in a matrix file ([targets.NAME]); False for a source tree or sdist given
    # with --target, which the project's locks/ may not cover yet.
    from_preset: bool = False
    meson_options: dict[str, MesonOption] = field(default_factory=dict)  # what meson.options declares
    languages: tuple[DeclaredLanguage, ...] = ()  # what its meson.build files declare (project, add_languages)
    tests: TestSource = TestSource(origin="installed")  # where the tests are and how they run
    # What the project says of its tests: its [tool.cibuildwheel] table, the tables its
    # extras and dependency groups are read from, and its pytest configuration file.
    cibuildwheel: dict[str, Any] = field(default_factory=dict)
    optional_dependencies: dict[str, Any] = field(default_factory=dict)
    dependency_groups: dict[str, Any] = field(default_factory=dict)
    pytest_config: str | None = None

    def admits_python(self, python: str) -> bool:
        """Does requires-python admit this matrix Python (``3.13t`` counts as 3.13)? An
        invalid specifier admits everything here: the cell's own check reports it."""
        if not self.requires_python:
            return True
        try:
            return bool(SpecifierSet(self.requires_python).contains(python.removesuffix("t"), prereleases=True))
        except InvalidSpecifier:
            return True

    @property
    def declares_blas(self) -> bool:
        """A ``blas`` option, or meson options for BLAS flavours given by its preset."""
        return "blas" in self.meson_options or bool(self.blas_args)
    # Components the target's use-system-libraries option accepts; None: it has no such option.
    system_components: tuple[str, ...] | None
    test_requires: tuple[str, ...]
    suites: dict[str, tuple[str, ...]]
    default_suite: str
    smoke: str
    setup_args: tuple[str, ...] = ()
    system_requires: dict[str, str] = field(default_factory=dict)
    system_library_modules: dict[str, str] = field(default_factory=dict)  # component -> "pkg-config module [package]"
    # [tool.meson-python] meson: the meson the project builds with (NumPy's vendored fork), if its own
    own_meson: str | None = None
    blas_args: dict[str, tuple[str, ...]] = field(default_factory=dict)
    blas_pkgconfig: dict[str, dict[str, str]] = field(default_factory=dict)  # flavour -> {module: package}
    toolchain_min: dict[str, str] = field(default_factory=dict)
    toolchain_min_requires: tuple[str, ...] = ()
    loosened_keep: dict[str, str] = field(default_factory=dict)  # name -> why a loosened cell keeps its bound
    lintian_overrides: dict[str, str] = field(default_factory=dict)  # lintian tag -> why a deb cell overrides it
    rpmlint_filters: dict[str, str] = field(default_factory=dict)  # rpmlint check -> why an rpm cell filters it
    # The preset's settings (config/keys.py SETTINGS, by key name): time limits, manylinux policy.
    settings: Mapping[str, object] = field(default_factory=dict)

    def suite_args(self, suite: str | None) -> tuple[str, ...]:
        name = suite or self.default_suite
        if name not in self.suites:
            raise TargetError(f"target {self.name!r} has no test suite {name!r}; it has: {', '.join(self.suites)}")
        return self.suites[name]

    @property
    def tests_project_name(self) -> str:
        return f"{self.project_name}-tests"
