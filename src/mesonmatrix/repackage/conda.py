"""A .conda package from a conda-layout staging root, made with conda-package-handling
(conda's own library for the format), and checked against that root after extracting it.

The ``info/`` metadata is what conda reads: ``index.json`` (name, version, build, depends,
subdir), ``files`` and ``paths.json`` (each file's sha256 and size).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CellError
from ..machine.extras import require_extra

NO_CHANNEL = ("installing a .conda needs conda and a channel for its dependencies, which this machine cannot "
              "reach: its structure and contents were checked against the staging root instead")


# The conda-forge packages that provide a soname an extension may load; glibc's own
# libraries come from the system (conda's __glibc virtual package).
CONDA_SONAMES = {
    "libblas.so.3": "libblas", "libcblas.so.3": "libcblas", "liblapack.so.3": "liblapack",
    "libopenblas.so.0": "libopenblas", "libstdc++.so.6": "libstdcxx", "libgcc_s.so.1": "libgcc",
    "libgfortran.so.5": "libgfortran5", "libgomp.so.1": "libgomp", "libz.so.1": "libzlib",
}
_GLIBC = ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "ld-linux")


def library_depends(needed: Sequence[str]) -> list[str]:
    """conda packages for the libraries the extensions load; a library no conda package
    is known to provide is an error that names it."""
    depends: dict[str, None] = {}
    for soname in needed:
        if soname.startswith(_GLIBC):
            continue
        if soname not in CONDA_SONAMES:
            raise CellError(f"the extensions need {soname}, which no known conda package provides "
                            f"(known: {', '.join(sorted(CONDA_SONAMES))})")
        depends[CONDA_SONAMES[soname]] = None
    return sorted(depends)


@dataclass(frozen=True, kw_only=True)
class CondaPackage:
    path: Path
    depends: list[str]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _conda_arch(subdir: str) -> str:
    """index.json's arch for a subdir: conda calls 64-bit x86 ``x86_64`` (linux-64, osx-64,
    win-64) and names the others as the subdir does (aarch64, arm64)."""
    machine = subdir.partition("-")[2]
    return "x86_64" if machine == "64" else machine


def build_conda(root: Path, files: Sequence[Path], *, name: str, version: str, python: str, subdir: str,
                requires: Sequence[str], libraries: Sequence[str], out_dir: Path, epoch: int) -> CondaPackage:
    """The .conda for ``subdir`` (the cell's platform, e.g. ``linux-64``), not this host's."""
    # Imported here: part of the repackage extra, and a third of a second to import.
    require_extra("repackage", "a conda cell", ("conda_package_handling",))
    from conda_package_handling import api

    relative = sorted(str(p.relative_to(root)) for p in files)
    major, minor = python.split(".")[:2]
    depends = [f"python >={major}.{minor},<{major}.{int(minor) + 1}.0a0", *sorted(r.lower() for r in requires),
               *libraries]
    build = f"py{major}{minor}_0"
    index = {"name": name.lower(), "version": version, "build": build, "build_number": 0, "depends": depends,
             "arch": _conda_arch(subdir), "platform": subdir.partition("-")[0], "subdir": subdir,
             "timestamp": epoch * 1000}
    paths = [{"_path": rel, "path_type": "hardlink", "sha256": _sha256(root / rel),
              "size_in_bytes": (root / rel).stat().st_size} for rel in relative]
    info = root / "info"
    info.mkdir(exist_ok=True)
    (info / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    (info / "files").write_text("".join(f"{rel}\n" for rel in relative))
    (info / "paths.json").write_text(json.dumps({"paths": paths, "paths_version": 1}, indent=2) + "\n")
    for meta in info.iterdir():
        os.utime(meta, (epoch, epoch))
    out_dir.mkdir(parents=True, exist_ok=True)
    filename = f"{name.lower()}-{version}-{build}.conda"
    (out_dir / filename).unlink(missing_ok=True)
    api.create(str(root), [*relative, "info/index.json", "info/files", "info/paths.json"], filename,
               out_folder=str(out_dir))
    _dated(out_dir / filename, epoch)
    return CondaPackage(path=out_dir / filename, depends=depends)


def _dated(package: Path, epoch: int) -> None:
    """Every member of the .conda's outer zip dated at ``epoch``: conda-package-handling
    dates ``metadata.json`` with the local time of the moment it wrote it, so two builders
    (or one in two time zones) made different bytes. The members' order, bytes and
    compression (stored, as the format wants) are kept."""
    when = time.gmtime(max(epoch, 315532800))[:6]  # a zip holds no time before 1980
    partial = package.with_name(package.name + ".partial")
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(partial, "w") as dated:
        for member in source.infolist():
            copy = zipfile.ZipInfo(member.filename, date_time=when)
            copy.compress_type, copy.external_attr = member.compress_type, member.external_attr
            dated.writestr(copy, source.read(member))
    partial.replace(package)


def check_conda(package: Path, root: Path, files: Sequence[Path]) -> None:
    """Extract ``package`` and compare it with the staging root: the same files, the same
    bytes, and an ``info/`` that lists them all."""
    # Imported here: part of the repackage extra, and a third of a second to import.
    require_extra("repackage", "a conda cell", ("conda_package_handling",))
    from conda_package_handling import api

    with tempfile.TemporaryDirectory(prefix="mesonmatrix-conda-") as scratch:
        api.extract(str(package), dest_dir=scratch)
        out = Path(scratch)
        index = json.loads((out / "info" / "index.json").read_text())
        listed = (out / "info" / "files").read_text().split()
        payload = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.parts[
            len(out.parts)] != "info")
        staged = sorted(str(p.relative_to(root)) for p in files)
        problems = []
        if payload != staged:
            problems.append(f"files differ from the staging root: {sorted(set(payload) ^ set(staged))[:5]}")
        if listed != staged:
            problems.append("info/files does not list the payload")
        changed = [rel for rel in staged if rel in payload and _sha256(out / rel) != _sha256(root / rel)]
        if changed:
            problems.append(f"bytes differ from the staging root: {changed[:5]}")
        if not index.get("depends") or index.get("name") is None:
            problems.append("info/index.json lacks name or depends")
        if problems:
            raise CellError(f"{package.name}: " + "; ".join(problems))
