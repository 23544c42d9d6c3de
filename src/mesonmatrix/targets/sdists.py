"""Fetching a pinned sdist from PyPI without building it, and unpacking an sdist once.

``pip download`` of an sdist prepares its metadata, and meson-python has no
prepare_metadata hook, so pip builds the whole wheel just to read a version (10 minutes
for NumPy here, longer for SciPy). The sdist already carries its metadata in PKG-INFO:
pip is run with --no-build-isolation and a stand-in ``mesonpy`` backend on PYTHONPATH
that answers the metadata hook from PKG-INFO. pip still resolves, downloads and checks
the hash (--require-hashes); nothing is compiled.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

from ..errors import CommandFailed, SdistError, TargetError
from ..machine.commands import CommandRunner
from ..machine.eviction import evict_unused_sources
from ..machine.locking import exclusive_lock
from ..wheels.members import sha256_file
from .sources import SDIST_EPOCH_FILE
from .unpack import extract, max_unpacked

_METADATA_ONLY_BACKEND = '''\
"""Stand-in build backend used only to download an sdist: metadata from PKG-INFO."""
import email.parser
import pathlib


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    text = pathlib.Path("PKG-INFO").read_text(encoding="utf-8")
    message = email.parser.Parser().parsestr(text)
    name = message["Name"].replace("-", "_").replace(".", "_")
    folder = pathlib.Path(metadata_directory) / f"{name}-{message['Version']}.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(text, encoding="utf-8")
    return folder.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("this backend only serves metadata, for downloading an sdist")
'''


def fetch_sdist(name: str, version: str, sha256: str, cache_dir: Path, runner: CommandRunner) -> Path:
    """Return the cached sdist ``name==version``, downloading it once; check its sha256."""
    dest = cache_dir / "sdists" / f"{name}-{version}-{sha256[:12]}"
    cached = sorted(dest.glob("*.tar.gz"))
    if cached:
        if sha256_file(cached[0]) != sha256:
            raise SdistError(f"cached sdist {cached[0]} does not match sha256 {sha256}: delete it and run again")
        return cached[0]
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-fetch-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "backend" / "mesonpy").mkdir(parents=True)
        (tmp_path / "backend" / "mesonpy" / "__init__.py").write_text(_METADATA_ONLY_BACKEND)
        requirements = tmp_path / "requirements.txt"
        requirements.write_text(f"{name}=={version} --hash=sha256:{sha256}\n")
        download = tmp_path / "download"
        try:
            runner.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", name, "--no-build-isolation",
                 "--require-hashes", "--disable-pip-version-check", "-r", str(requirements), "-d", str(download)],
                label=f"download the {name} {version} sdist from PyPI",
                extra_env={"PYTHONPATH": str(tmp_path / "backend"), "PIP_CONSTRAINT": ""},
            )
        except CommandFailed as exc:
            if "THESE PACKAGES DO NOT MATCH THE HASHES" in exc.tail:
                raise SdistError(
                    f"the {name} {version} sdist on PyPI does not match the pinned sha256 {sha256}"
                ) from None
            raise SdistError(f"could not download the {name} {version} sdist: {exc}") from None
        files = sorted(download.glob("*.tar.gz"))
        if len(files) != 1:
            raise SdistError(
                f"pip downloaded {[f.name for f in download.iterdir()]} for {name}=={version}, not one sdist"
            )
        if sha256_file(files[0]) != sha256:
            raise SdistError(f"{files[0].name} does not match the pinned sha256 {sha256}")
        dest.mkdir(parents=True, exist_ok=True)
        partial = dest / (files[0].name + ".part")
        shutil.copy2(files[0], partial)
        partial.replace(dest / files[0].name)
    return dest / files[0].name


# Archive errors an sdist can raise while read or unpacked: tarfile's own (its "data"
# filter refuses ../ members, absolute or escaping links, device files; unpack.py's checks
# what that filter misses), gzip's (OSError, EOFError for a truncated stream) and zlib's.
_ARCHIVE_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


def unpack_sdist(sdist: Path, cache_dir: Path) -> Path:
    """Unpack an sdist once into ``cache_dir``, keyed by its sha256; return the source dir.

    Cells that unpack the same sdist at once take turns (a lock beside the folder), so
    neither sees the other's half-written tree; a tarball that is not a safe, readable
    sdist, or unpacks past ``MESONMATRIX_MAX_UNPACKED``, is refused with a one-line message
    and leaves nothing behind.
    """
    dest = cache_dir / "sources" / sha256_file(sdist)[:16]
    with exclusive_lock(dest, lambda text: print(text, flush=True)):
        if not (dest / ".unpacked").exists():
            _unpack_into(sdist, dest)
            # A new upstream release is where an older one stops being used: unpacked
            # sdists no cell used for a month go (machine/eviction.py).
            evict_unused_sources(cache_dir)
        epoch_file = dest / SDIST_EPOCH_FILE
        if not epoch_file.is_file():
            # Read from the tarball, not the unpacked tree: builds touch files in the tree.
            try:
                with tarfile.open(sdist) as archive:
                    newest = max((m.mtime for m in archive.getmembers() if m.isfile()), default=0)
            except _ARCHIVE_ERRORS as exc:
                raise TargetError(f"{sdist.name} cannot be read as an sdist: {exc}") from None
            epoch_file.write_text(f"{int(newest)}\n")
    return _single_root(sdist, dest)


def _single_root(sdist: Path, folder: Path) -> Path:
    roots = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    if len(roots) != 1:
        raise TargetError(f"{sdist} does not unpack to a single top-level directory")
    return roots[0]


def _unpack_into(sdist: Path, dest: Path) -> None:
    """Extract into a folder of this process's own, then move it into place whole."""
    if not hasattr(tarfile, "data_filter"):
        raise TargetError(f"Python {sys.version.split()[0]}'s tarfile has no extraction filters, so {sdist.name} "
                          "cannot be unpacked safely: use Python 3.10.12+, 3.11.4+ or 3.12+")
    limit = max_unpacked()
    tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        with tarfile.open(sdist) as archive:
            extract(archive, tmp, max_bytes=limit, label=sdist.name)
        _single_root(sdist, tmp)  # checked before it is moved into place: a refused tree is never kept
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
        (dest / ".unpacked").write_text(str(sdist))
    except _ARCHIVE_ERRORS as exc:
        raise TargetError(f"{sdist.name} is not a safe, readable sdist: {_one_line(exc)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0] or type(exc).__name__
