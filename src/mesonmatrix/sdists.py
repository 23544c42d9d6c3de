"""Fetching a pinned sdist from PyPI with pip, hash-checked, without building it.

``pip download`` of an sdist prepares its metadata, and meson-python has no
prepare_metadata hook, so pip builds the whole wheel just to read a version (10 minutes
for NumPy here, longer for SciPy). The sdist already carries its metadata in PKG-INFO:
pip is run with --no-build-isolation and a stand-in ``mesonpy`` backend on PYTHONPATH
that answers the metadata hook from PKG-INFO. pip still resolves, downloads and checks
the hash (--require-hashes); nothing is compiled.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from .commands import CellError, CommandFailed, CommandRunner
from .wheels import sha256_file

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


class SdistError(CellError):
    """An sdist that cannot be fetched or does not match its pinned hash."""


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
                raise SdistError(f"the {name} {version} sdist on PyPI does not match the pinned sha256 {sha256}") from None
            raise SdistError(f"could not download the {name} {version} sdist: {exc}") from None
        files = sorted(download.glob("*.tar.gz"))
        if len(files) != 1:
            raise SdistError(f"pip downloaded {[f.name for f in download.iterdir()]} for {name}=={version}, not one sdist")
        if sha256_file(files[0]) != sha256:
            raise SdistError(f"{files[0].name} does not match the pinned sha256 {sha256}")
        dest.mkdir(parents=True, exist_ok=True)
        partial = dest / (files[0].name + ".part")
        shutil.copy2(files[0], partial)
        partial.replace(dest / files[0].name)
    return dest / files[0].name
