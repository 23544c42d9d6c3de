"""What every platform tells the rest of the tool: the Platform Protocol.

Like cibuildwheel's ``platforms/``: everything that differs between Linux, macOS and
Windows (the default repair tool, how a venv is laid out, what environment the repair
tool needs to find libraries, the CI runner, the marker that selects its tools in a lock
file) lives in that platform's module, and nothing else asks which OS a cell is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class VenvScheme:
    """Where each part of a wheel goes in a venv, as ``installer`` takes them."""

    site_packages: Path
    scripts: Path
    data: Path
    headers: Path  # a distribution's headers go into a folder of its name below this
    script_kind: str  # installer's launcher kind: ``posix``, ``win-amd64`` …

    def paths(self, distribution: str) -> dict[str, str]:
        return {"purelib": str(self.site_packages), "platlib": str(self.site_packages),
                "scripts": str(self.scripts), "data": str(self.data), "headers": str(self.headers / distribution)}


class Platform(Protocol):
    @property
    def name(self) -> str:
        """The matrix value, e.g. ``linux-x86_64``."""
        ...

    @property
    def arch(self) -> str:
        """The architecture as this platform's tools spell it (``arm64``, ``amd64`` …)."""
        ...

    @property
    def default_repairer(self) -> str:
        """The repair tool a cell on this platform uses unless ``--repair-tool`` says otherwise."""
        ...

    @property
    def runner_label(self) -> str:
        """The GitHub Actions runner image its CI jobs run on."""
        ...

    @property
    def lock_marker(self) -> str:
        """The PEP 508 marker under which a universal lock installs this platform's tools."""
        ...

    @property
    def cibuildwheel_platform(self) -> str:
        """cibuildwheel's name for the platform (``linux``, ``macos``, ``windows``): its
        ``[tool.cibuildwheel.<platform>]`` tables and ``_LINUX``-style variables."""
        ...

    @property
    def cibuildwheel_tag(self) -> str:
        """The platform part of cibuildwheel's build identifiers (``manylinux_x86_64``,
        ``macosx_arm64``, ``win_amd64``), which its ``select`` and ``test-skip`` match."""
        ...

    @property
    def conda_subdir(self) -> str:
        """The conda subdir its packages are built for (``linux-64``, ``osx-arm64`` …)."""
        ...

    @property
    def manylinux(self) -> bool:
        """Whether a manylinux policy applies to its wheels (PEP 600: Linux alone)."""
        ...

    def manylinux_tag(self, policy: str) -> str:
        """The platform tag of ``policy`` (``2_28``) for its wheels: ``manylinux_2_28_x86_64``;
        ValueError where no manylinux policy applies."""
        ...

    @property
    def runner_apt(self) -> bool:
        """Whether its CI runner installs system packages with apt (GitHub's Ubuntu images)."""
        ...

    @property
    def system_libraries(self) -> bool:
        """Whether its cells may find a component as a system library (pkg-config, the
        distribution's packages): ``use-system-libraries=auto`` means something there."""
        ...

    def venv_python(self, venv: Path) -> Path: ...

    def venv_bin(self, venv: Path) -> Path: ...

    def venv_scheme(self, venv: Path) -> VenvScheme | None:
        """Where a wheel installed into the (existing) ``venv`` puts its parts, or None
        where the tool does not know it: then uv installs the wheel."""
        ...

    @property
    def repair_needs_library_dirs(self) -> bool:
        """True where binaries carry no rpath, so the repair tool must be told where the
        BLAS provider's shared libraries live (Windows: delvewheel --add-path)."""
        ...

    def repair_env(self, lib_dirs: Sequence[Path]) -> dict[str, str]:
        """Environment for the repair command, so it finds a flavour's libraries in ``lib_dirs`` first."""
        ...


def posix_venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def posix_venv_bin(venv: Path) -> Path:
    return venv / "bin"


def posix_venv_scheme(venv: Path) -> VenvScheme | None:
    """sysconfig's ``venv`` scheme on POSIX: ``lib/<python3.12, python3.13t, pypy3.10>/
    site-packages``, found on disk (uv made it with the venv) rather than spelled from the
    version, and headers in ``include/site/<that name>/<distribution>`` as pip and uv put them."""
    found = sorted(venv.glob("lib/*/site-packages"))
    if len(found) != 1:
        return None
    site = found[0]
    return VenvScheme(site_packages=site, scripts=venv / "bin", data=venv,
                      headers=venv / "include" / "site" / site.parent.name, script_kind="posix")
