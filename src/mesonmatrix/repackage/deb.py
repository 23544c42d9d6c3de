"""A Debian binary package from a staging root: Depends found from the extensions'
DT_NEEDED the way dpkg-shlibdeps finds them (the library the loader would take, then
``dpkg -S`` for its package), the control file, the files Debian policy asks of every
package, ``dpkg-deb --build`` (reproducible under SOURCE_DATE_EPOCH) and lintian."""

from __future__ import annotations

import gzip
import io
import math
import os
import platform
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

from packaging.requirements import Requirement

from ..binaries import Binary
from ..errors import CellError
from ..machine.commands import CommandRunner
from .staging import normalise_modes

MAINTAINER = "mesonmatrix <mesonmatrix@users.noreply.github.com>"
_LDCONFIG_LINE = re.compile(r"^\s*(\S+) \(([^)]*)\) => (\S+)$")
_LINTIAN_LINE = re.compile(r"^([EWIPXNO]): (\S+?)(?: \S+)?: (\S+)(.*)$")


@dataclass(frozen=True, kw_only=True)
class Lintian:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def debian_version(version: str) -> str:
    """A PEP 440 version as Debian orders it: pre-releases sort before the release (``~``)."""
    upstream = re.sub(r"\.?(a|b|rc|dev)(\d+)", r"~\1\2", version)
    return f"{upstream}-1"


def debian_package_name(distribution: str) -> str:
    """Debian Python Policy: the module's name, lower case, prefixed ``python3-``."""
    return "python3-" + re.sub(r"[^a-z0-9.+-]", "-", distribution.lower()).replace("_", "-")


def _loader_paths(runner: CommandRunner) -> dict[str, list[str]]:
    """``ldconfig -p``: each soname and the files the loader cache gives for it."""
    out = runner.run(["/sbin/ldconfig", "-p"], label="the loader's library cache", echo=False).stdout
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        match = _LDCONFIG_LINE.match(line)
        if match:
            found.setdefault(match[1], []).append(match[3])
    # The 64-bit entries ("libc6,x86-64", "libc6,AArch64") first: a 32-bit multiarch copy
    # would name the :i386 package.
    return {name: sorted(paths, key=lambda p: "64" not in p and "x86_64" not in p) for name, paths in found.items()}


def _spellings(path: str) -> list[str]:
    """``path``, the file it resolves to, and each under the other half of Debian's merged
    /usr (dpkg records /lib/x86_64-linux-gnu/libc.so.6, the loader cache may say /usr/lib/…)."""
    found: list[str] = []
    for candidate in (path, os.path.realpath(path)):
        found.append(candidate)
        if candidate.startswith("/usr/lib/"):
            found.append(candidate.removeprefix("/usr"))
        elif candidate.startswith("/lib/"):
            found.append("/usr" + candidate)
    return list(dict.fromkeys(found))


def owning_package(path: str, runner: CommandRunner) -> str | None:
    """The Debian package that installed ``path`` (or the file it resolves to)."""
    for candidate in _spellings(path):
        result = runner.run(["dpkg", "-S", candidate], label=f"which package owns {candidate}", check=False,
                            echo=False)
        if result.returncode != 0:
            continue  # "dpkg-query: no path found matching pattern …"
        for line in result.stdout.splitlines():
            if ": " in line and not line.startswith(("diversion", "dpkg-query")):
                return line.split(": ", 1)[0].split(",")[0].split(":")[0].strip()
    return None


def shlib_depends(binaries: list[Binary], bundled: set[str], runner: CommandRunner) -> list[str]:
    """The packages of every library the extensions load (not those inside the package),
    looked up where the loader would find them: the binary's own RUNPATH, then the cache."""
    cache = _loader_paths(runner)
    packages: dict[str, None] = {}
    for binary in binaries:
        for library in binary.needed:
            if library in bundled:
                continue
            candidates = [f"{d}/{library}" for d in binary.search_paths if d.startswith("/")]
            candidates += cache.get(library, [])
            owner = next((p for c in candidates if os.path.exists(c) and (p := owning_package(c, runner))), None)
            if owner is None:
                raise CellError(f"{binary.member} needs {library}, which belongs to no Debian package "
                                f"(looked in {', '.join(candidates) or 'the loader cache: not there'})")
            packages[owner] = None
    return sorted(packages)


def strip_binaries(paths: list[Path], runner: CommandRunner) -> None:
    """What dh_strip does to a shared object (debhelper's dh_strip): symbols not needed
    for linking, and the .comment and .note sections, removed (lintian's
    unstripped-binary-or-object is an error otherwise). The mtime stays the staged one."""
    for path in paths:
        stat = path.stat()
        runner.run(["strip", "--remove-section=.comment", "--remove-section=.note", "--strip-unneeded", str(path)],
                   label=f"strip {path.name}", echo=False)
        os.utime(path, (stat.st_atime, stat.st_mtime))


def control_file(*, package: str, version: str, depends: list[str], description: str, installed_kib: int) -> str:
    """DEBIAN/control; ``description`` is the Description field's value (debcopyright.description)."""
    return (f"Package: {package}\nVersion: {version}\nArchitecture: {architecture()}\nMaintainer: {MAINTAINER}\n"
            f"Installed-Size: {installed_kib}\nDepends: {', '.join(depends)}\nSection: python\nPriority: optional\n"
            f"Description: {description}")


def architecture() -> str:
    """Debian's name for this machine's architecture (what ``dpkg --print-architecture`` says)."""
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


# Each release's python3 (its python3-defaults, from packages.debian.org and
# packages.ubuntu.com): where a package built for one Python 3.X can be installed.
RELEASE_PYTHONS = {"3.9": ("Debian 11",), "3.10": ("Ubuntu 22.04",), "3.11": ("Debian 12",),
                   "3.12": ("Ubuntu 24.04",), "3.13": ("Debian 13", "Ubuntu 25.04")}


def interpreter_depends(version: str) -> list[str]:
    """An extension built for Python 3.X runs on that 3.X alone: the relations Debian's own
    packages carry for it (dh_python3's ``python3 (>= 3.X~), python3 (<< 3.X+1~)``)."""
    major, minor = (int(x) for x in version.rstrip("t").split(".")[:2])
    return [f"python3 (>= {major}.{minor}~)", f"python3 (<< {major}.{minor + 1}~)"]


def apt_would_install(deb: Path, runner: CommandRunner) -> str | None:
    """None when apt on this machine resolves every Depends of ``deb`` (``apt-get install
    -s``, which changes nothing); else apt's reason, one line."""
    result = runner.run(["apt-get", "install", "-s", "-q", "-o", "Debug::NoLocking=1", str(deb.resolve())],
                        label=f"apt-get install -s {deb.name}", check=False, echo=False)
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
    why = [line for line in lines if "Depends:" in line] or [line for line in lines if line.startswith("E:")]
    return " ".join((why or [f"apt-get exited {result.returncode}"])[0].split())


# Debian's numpy carries an epoch (1:1.24.2-1 in Debian 12): versions compared with it need it.
EPOCHS = {"python3-numpy": "1:"}


def python_depends(requirements: list[str]) -> list[str]:
    """Requires-Dist as Debian relations on ``python3-<name>``, their bounds kept: a lower
    bound becomes ``(>= v)``, an upper ``(<< v)``. Both bounds on numpy are what lintian
    asks of a package built against numpy's C API (missing-dependency-on-numpy-abi)."""
    relations = []
    for text in requirements:
        requirement = Requirement(text)
        package = debian_package_name(requirement.name)
        epoch = EPOCHS.get(package, "")
        bounds = [f"{package} ({'>=' if s.operator in ('>=', '==', '~=') else '<<'} "
                  f"{epoch}{s.version.removesuffix('.*')})"
                  for s in requirement.specifier if s.operator in (">=", "==", "~=", "<")]
        relations += bounds or [package]
    return relations


def write_lintian_overrides(root: Path, package: str, overrides: dict[str, str], *, epoch: int) -> None:
    """usr/share/lintian/overrides/<package>: each tag overridden for the whole package,
    with its reason as the comment lintian shows."""
    if not overrides:
        return
    folder = root / "usr" / "share" / "lintian" / "overrides"
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"# {reason}\n{package}: {tag} *\n" for tag, reason in sorted(overrides.items()))
    (folder / package).write_text(text)
    for path in (folder / package, folder, folder.parent, folder.parent.parent):
        os.utime(path, (epoch, epoch))


def write_policy_files(root: Path, *, package: str, version: str, copyright: str, epoch: int) -> None:
    """/usr/share/doc/<package>/copyright (debcopyright.copyright_file) and
    changelog.Debian.gz, which every package has."""
    doc = root / "usr" / "share" / "doc" / package
    doc.mkdir(parents=True, exist_ok=True)
    (doc / "copyright").write_text(copyright)
    when = format_datetime(datetime.fromtimestamp(epoch, timezone.utc))
    changelog = (f"{package} ({version}) unstable; urgency=medium\n\n"
                 "  * Repackaged from the upstream wheel by mesonmatrix.\n\n"
                 f" -- {MAINTAINER}  {when}\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(changelog.encode())
    (doc / "changelog.Debian.gz").write_bytes(buffer.getvalue())
    for path in (doc / "copyright", doc / "changelog.Debian.gz", doc, doc.parent, doc.parent.parent):
        os.utime(path, (epoch, epoch))


def installed_size_kib(root: Path) -> int:
    return math.ceil(sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1024)


def build_deb(root: Path, control: str, out: Path, runner: CommandRunner, *, epoch: int) -> Path:
    debian = root / "DEBIAN"
    debian.mkdir(exist_ok=True)
    (debian / "control").write_text(control)
    normalise_modes(root)  # what was written after staging (DEBIAN, doc, overrides) too
    os.utime(debian / "control", (epoch, epoch))
    os.utime(debian, (epoch, epoch))
    out.parent.mkdir(parents=True, exist_ok=True)
    # --root-owner-group: root:root whoever builds; SOURCE_DATE_EPOCH clamps every mtime.
    runner.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(out)],
               label=f"dpkg-deb --build {out.name}", extra_env={"SOURCE_DATE_EPOCH": str(epoch)})
    return out


def run_lintian(deb: Path, runner: CommandRunner) -> Lintian:
    result = runner.run(["lintian", "--allow-root", "--tag-display-limit", "0", str(deb)], label=f"lintian {deb.name}",
                        check=False)
    errors: list[str] = []
    warnings: list[str] = []
    for line in result.stdout.splitlines():
        match = _LINTIAN_LINE.match(line)
        if match and match[1] in "EW":
            (errors if match[1] == "E" else warnings).append(f"{match[3]}{match[4]}")
    if result.returncode not in (0, 1, 2):
        raise CellError(f"lintian exited {result.returncode}: {result.stderr.strip()[-300:]}")
    return Lintian(errors=errors, warnings=warnings)
