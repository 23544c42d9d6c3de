"""The build stage: the ``python -m build`` argv, and when a stored wheel is still valid.

meson-python always reconfigures, and some projects regenerate headers on every run, so
running the build again is not a no-op. A built wheel is stored with a fingerprint of
everything that decides its bytes (sources, argv, environment, pkg-config files, build
env packages); an unchanged cell reuses it instead of compiling again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from .compilercache import ccache_on_path
from .model import RUNTIME_TAGS, TESTS_TAGS

INSTALL_TAGS_BY_ROLE: dict[str, tuple[str, ...]] = {
    "full": (),
    "runtime": RUNTIME_TAGS,
    "tests": TESTS_TAGS,
}
ROLES_BY_TAG_SET: dict[str, tuple[str, ...]] = {
    "full": ("full",),
    "runtime": ("runtime",),
    "split": ("runtime", "tests"),
}
# Environment variables that change what a build produces.
FINGERPRINT_ENV = ("CC", "CXX", "FC", "CFLAGS", "CXXFLAGS", "FFLAGS", "LDFLAGS", "CPPFLAGS",
                   "PKG_CONFIG_PATH", "SOURCE_DATE_EPOCH", "MACOSX_DEPLOYMENT_TARGET")
_SKIP_DIRS = {".git", "__pycache__", ".mesonpy", ".nox", ".matrix", "build", ".tox"}
_SKIP_FILES = {".wraplock"}


def build_command(
    python: Path,
    source_dir: Path,
    *,
    build_dir: Path,
    out_dir: Path,
    setup_args: Sequence[str],
    install_tags: Sequence[str],
) -> list[str]:
    """``python -m build -wnx`` with meson options passed through ``-Csetup-args``."""
    argv = [str(python), "-m", "build", "--wheel", "--no-isolation", "--skip-dependency-check",
            "--outdir", str(out_dir), f"-Cbuild-dir={build_dir}"]
    argv += [f"-Csetup-args={arg}" for arg in setup_args]
    if install_tags:
        argv.append(f"-Cinstall-args=--tags={','.join(install_tags)}")
    argv.append(str(source_dir))
    return argv


def source_files(source_dir: Path) -> Iterator[Path]:
    """The files of a source tree, in a stable order, without what builds write into it:
    build and cache folders, and meson's ``subprojects/.wraplock``, which every
    ``meson setup`` touches (SciPy's first cell would otherwise change its own inputs)."""
    for root, dirs, files in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name not in _SKIP_FILES:
                yield Path(root, name)


def source_tree_digest(source_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in source_files(source_dir):
        digest.update(str(path.relative_to(source_dir)).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def pkg_config_digest(search_path: str) -> str:
    """What pkg-config can see: a found-or-not system library changes an ``auto`` build."""
    digest = hashlib.sha256()
    for folder in filter(None, search_path.split(os.pathsep)):
        for pc in sorted(Path(folder).glob("*.pc")) if Path(folder).is_dir() else []:
            try:
                digest.update(pc.name.encode() + b"\0" + pc.read_bytes())
            except OSError:
                continue
    return digest.hexdigest()


def configure_fingerprint(*, setup_args: Sequence[str], env: Mapping[str, str], build_env_packages: Iterable[str]) -> str:
    """What meson's configure step saw. Meson caches dependency lookups in the build dir,
    so when any of this changes (a system library appears, PKG_CONFIG_PATH moves, a
    compiler changes) the build dir must start afresh rather than be reconfigured."""
    payload = {
        "setup_args": list(setup_args),
        "env": {k: env.get(k, "") for k in FINGERPRINT_ENV if k != "SOURCE_DATE_EPOCH"},
        "pkg_config": pkg_config_digest(env.get("PKG_CONFIG_PATH", "")),
        "build_env": sorted(build_env_packages),
        # Meson puts ccache in front of the compilers only at setup: a build dir set up
        # before ccache was installed (or after it was removed) must start afresh.
        "ccache": ccache_on_path(env.get("PATH")) is not None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def build_fingerprint(*, argv: Sequence[str], source_digest: str, configure: str, env: Mapping[str, str]) -> str:
    """A wheel's inputs: its build argv (install tags included, output dir excluded), the
    sources, what configure saw (``configure_fingerprint``) and SOURCE_DATE_EPOCH."""
    out_dir_index = list(argv).index("--outdir") + 1 if "--outdir" in argv else -1
    payload = {
        "argv": [a for i, a in enumerate(argv) if i != out_dir_index],
        "source": source_digest,
        "configure": configure,
        "source_date_epoch": env.get("SOURCE_DATE_EPOCH", ""),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def stored_wheel(store: Path, fingerprint: str) -> Path | None:
    """The wheel stored for this fingerprint, or None when it must be built."""
    stamp = store / "fingerprint"
    wheels = sorted(store.glob("*.whl"))
    if stamp.is_file() and stamp.read_text().strip() == fingerprint and len(wheels) == 1:
        return wheels[0]
    return None
