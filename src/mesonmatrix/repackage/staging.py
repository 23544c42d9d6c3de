"""A built wheel installed into a staging root by ``installer``, the reference installer,
under a distribution's layout, with every file's mtime set to SOURCE_DATE_EPOCH so the
package made from it is byte-for-byte reproducible."""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import Requirement

from ..machine.extras import require_extra


@dataclass(frozen=True, kw_only=True)
class Layout:
    """Where each part of a wheel goes, as absolute paths inside the installed system."""

    site_packages: str
    scripts: str
    data: str
    headers: str  # a format string with {name}

    def scheme(self, name: str) -> dict[str, str]:
        return {"purelib": self.site_packages, "platlib": self.site_packages, "scripts": self.scripts,
                "data": self.data, "headers": self.headers.format(name=name)}


# Debian's: every Python 3 shares /usr/lib/python3/dist-packages; extension modules carry
# their ABI in the file name (Debian Python Policy, section 1.5).
DEBIAN = Layout(site_packages="/usr/lib/python3/dist-packages", scripts="/usr/bin", data="/usr",
                headers="/usr/include/python3/{name}")


def conda_layout(python: str) -> Layout:
    """A conda environment's prefix, relative paths: conda relocates them at install time."""
    return Layout(site_packages=f"/lib/python{python}/site-packages", scripts="/bin", data="/",
                  headers=f"/include/python{python}/{{name}}")


def staged_metadata(root: Path) -> Message:
    """The METADATA of the one dist-info staged below ``root``."""
    info = next(root.rglob("*.dist-info"))
    return HeaderParser().parsestr((info / "METADATA").read_text(encoding="utf-8"))


def runtime_requirements(root: Path) -> list[str]:
    """The staged package's Requires-Dist that apply without extras, markers dropped."""
    requires = [Requirement(r) for r in staged_metadata(root).get_all("Requires-Dist") or []]
    return [str(r).split(";")[0].strip() for r in requires if r.marker is None or r.marker.evaluate({"extra": ""})]


def stage_wheel(wheel: Path, root: Path, layout: Layout, *, epoch: int) -> list[Path]:
    """Install ``wheel`` below ``root``; returns the files installed (no bytecode: a
    distribution compiles it on the target machine)."""
    require_extra("repackage", "staging a wheel for a package", ("installer",))
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    with WheelFile.open(wheel) as source:
        destination = SchemeDictionaryDestination(
            layout.scheme(source.distribution), interpreter="/usr/bin/python3", script_kind="posix",
            bytecode_optimization_levels=(), destdir=str(root))
        install(source, destination, additional_metadata={"INSTALLER": b"mesonmatrix\n"})
    files, folders = normalise_modes(root)
    for path in [*files, *folders, root]:
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    return files


def normalise_modes(root: Path) -> tuple[list[Path], list[Path]]:
    """Modes as a distribution ships them, whatever the umask: 0755 folders and executables,
    0644 other files (the package's bytes, and rpmlint's and lintian's verdicts, must not
    depend on who built it: under umask 077 dpkg-deb refused the 0700 DEBIAN folder). The
    files and folders below ``root``, folders deepest first."""
    files = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
    folders = sorted((p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()), reverse=True)
    for path in files:
        if not path.is_symlink():
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
    for path in [*folders, root]:
        path.chmod(0o755)
    return files, folders
