"""A .deb installed by apt in a clean chroot of this machine's own release, and its tests
run there by the chroot's ``python3`` against the installed package, as autopkgtest runs
a package's tests: what proves that the distro can install and use it, not only that
its files work when unpacked beside a venv.

The chroot is made once by mmdebstrap from the same apt sources as this machine (its
release, with its updates) and kept as a tarball in the tool's cache; each run unpacks a
fresh copy, so nothing of one package's install reaches the next.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import CellError, PrerequisiteMissing
from ..machine.commands import CommandRunner
from ..machine.locking import exclusive_lock

# What every chroot holds beyond apt's minimal set: the interpreter and pytest, which an
# autopkgtest of a Python library declares in its Depends.
BASE_PACKAGES = ("python3", "python3-pytest")
# A chroot older than this is made again: the release's updates reach it then.
MAX_AGE_SECONDS = 7 * 24 * 3600
SOURCES = (Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*.list")),
           *sorted(Path("/etc/apt/sources.list.d").glob("*.sources")))


@dataclass(frozen=True, kw_only=True)
class Release:
    codename: str  # "bookworm"
    name: str  # "Debian GNU/Linux 12 (bookworm)"
    sources: tuple[Path, ...]  # this machine's apt sources, which the chroot gets too


def this_release(os_release: Path = Path("/etc/os-release")) -> Release:
    """The running release, from os-release, and the apt sources it installs from."""
    fields: dict[str, str] = dict(re.findall(r'(?m)^([A-Z_]+)="?([^"\n]*)"?$', os_release.read_text()))
    codename = fields.get("VERSION_CODENAME", "")
    sources = tuple(p for p in SOURCES if p.is_file() and p.stat().st_size > 0)
    if not codename or not sources:
        raise PrerequisiteMissing(f"a clean chroot needs a Debian or Ubuntu release with apt sources; this machine's "
                                  f"{os_release} names no VERSION_CODENAME or /etc/apt has no sources")
    return Release(codename=codename, name=fields.get("PRETTY_NAME", codename), sources=sources)


def check_can_chroot() -> str | None:
    """Why no chroot can be made here (None: it can): root and mmdebstrap are needed."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "a clean chroot needs root (chroot(2), device nodes)"
    if shutil.which("mmdebstrap") is None:
        return "a clean chroot needs mmdebstrap: apt-get install mmdebstrap"
    return None


def chroot_tarball(cache: Path, release: Release, runner: CommandRunner) -> Path:
    """The release's clean chroot as a tarball, made by mmdebstrap when missing or older
    than a week, under a lock (two cells do not make it twice)."""
    key = hashlib.sha256("\n".join([release.codename, *BASE_PACKAGES,
                                    *(p.read_text() for p in release.sources)]).encode()).hexdigest()[:12]
    tarball = cache / "chroots" / f"{release.codename}-{key}.tar"
    tarball.parent.mkdir(parents=True, exist_ok=True)
    def say(text: str) -> None:
        runner.stream.write(text + "\n")

    with exclusive_lock(tarball, say):
        if tarball.is_file() and time.time() - tarball.stat().st_mtime < MAX_AGE_SECONDS:
            return tarball
        partial = tarball.with_suffix(".partial.tar")
        partial.unlink(missing_ok=True)
        runner.run(["mmdebstrap", "--variant=apt", "--mode=root", "--format=tar",
                    f"--include={','.join(BASE_PACKAGES)}", release.codename, str(partial),
                    *(str(p) for p in release.sources)], label=f"mmdebstrap a clean {release.codename} chroot")
        partial.replace(tarball)
    return tarball


def install_in_chroot(tarball: Path, root: Path, debs: list[Path], runner: CommandRunner) -> None:
    """A fresh copy of the chroot at ``root``, and ``debs`` installed there by apt, which
    fetches their Depends from the release's archive."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    runner.run(["tar", "-xf", str(tarball), "-C", str(root)], label="unpack the clean chroot", echo=False)
    shutil.copy2("/etc/resolv.conf", root / "etc" / "resolv.conf")  # apt in the chroot reaches the archive
    inside = []
    for deb in debs:
        shutil.copy2(deb, root / "tmp" / deb.name)
        inside.append(f"/tmp/{deb.name}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    runner.run(["chroot", str(root), "apt-get", "update", "-q"], label="apt-get update in the chroot", extra_env=env)
    result = runner.run(["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends", *inside],
                        label=f"apt-get install {' '.join(d.name for d in debs)} in the chroot", extra_env=env,
                        check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
        why = next((line for line in lines if "Depends:" in line or line.startswith("E:")), f"exit {result.returncode}")
        raise CellError(f"apt could not install {', '.join(d.name for d in debs)} in a clean chroot: {why}")


def install_extras(root: Path, packages: list[str], runner: CommandRunner) -> list[str]:
    """The tests' other requirements as the release's packages (``python3-hypothesis``), each
    installed where the archive has it; returns those it has not."""
    missing = []
    for name in packages:
        result = runner.run(["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends", name],
                            label=f"apt-get install {name} in the chroot", extra_env={"DEBIAN_FRONTEND":
                                                                                     "noninteractive"}, check=False)
        if result.returncode != 0:
            missing.append(name)
    return missing


def python_version_in(root: Path, runner: CommandRunner) -> str:
    """The chroot's ``python3 --version`` (``3.11.2``)."""
    out = runner.run(["chroot", str(root), "python3", "--version"], label="the chroot's python3", echo=False)
    return out.stdout.split()[-1]
