"""Fingerprints: what decides a build dir's configuration and a wheel's bytes.

meson-python always reconfigures, and some projects regenerate headers on every run, so
running the build again is not a no-op. A built wheel is stored with a fingerprint of
everything that decides its bytes (sources, argv, environment, pkg-config files, build
env packages); an unchanged cell reuses it instead of compiling again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..machine.ccache import ccache_on_path
from ..machine.commands import probe

# Environment variables that change what a build produces.
FINGERPRINT_ENV = ("CC", "CXX", "FC", "CFLAGS", "CXXFLAGS", "FFLAGS", "LDFLAGS", "CPPFLAGS",
                   "PKG_CONFIG_PATH", "SOURCE_DATE_EPOCH", "MACOSX_DEPLOYMENT_TARGET")
# More that meson fixes at a build dir's first setup (the archiver, the linkers, the
# Objective-C compilers: mesonbuild/envconfig.py's ENV_VAR_PROG_MAP); counted only when
# set, so that fingerprints made before they were counted stay valid.
FINGERPRINT_ENV_WHEN_SET = ("AR", "CC_LD", "CXX_LD", "FC_LD", "OBJC", "OBJCXX", "OBJCFLAGS", "OBJCXXFLAGS",
                            "RUSTC", "DC", "NM", "STRIP",
                            # Read by the compilers themselves, behind meson's back (gcc(1)
                            # "Environment Variables"; clang reads the same include ones):
                            # an include folder that wins over the project's headers, a
                            # library folder the linker searches, another cc1 or as.
                            "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",
                            "LIBRARY_PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH", "CCC_OVERRIDE_OPTIONS",
                            "SDKROOT", "FCFLAGS", "RUSTFLAGS", "DFLAGS",
                            # Read by the linker (ld(1)): LD_RUN_PATH becomes the RUNPATH of a
                            # link with no -rpath; LD_LIBRARY_PATH is searched for -rpath-link.
                            "LD_RUN_PATH", "LD_LIBRARY_PATH",
                            # ccache settings that can change what a compile gives (ccache(1)):
                            # another compiler or a wrapper in front of it, what a hit may
                            # overlook, which files and folders are part of the key.
                            "CCACHE_PREFIX", "CCACHE_PREFIX_CPP", "CCACHE_COMPILER", "CCACHE_COMPILERTYPE",
                            "CCACHE_COMPILERCHECK", "CCACHE_SLOPPINESS", "CCACHE_EXTRAFILES",
                            "CCACHE_HASHDIR", "CCACHE_NOHASHDIR", "CCACHE_IGNOREHEADERS", "CCACHE_IGNOREOPTIONS",
                            "CCACHE_CPP2", "CCACHE_NOCPP2", "CCACHE_DEPEND", "CCACHE_DIRECT", "CCACHE_NODIRECT",
                            # Python's cross-build switches, which sysconfig and meson-python read.
                            "_PYTHON_HOST_PLATFORM", "_PYTHON_SYSCONFIGDATA_NAME", "ARCHFLAGS")
# Every pkg-config setting is read by pkg-config (pkg-config(1), pkgconf(1): the search
# path, sysroot, which system flags it drops): all of them, whatever their name.
FINGERPRINT_ENV_PREFIXES = ("PKG_CONFIG_",)


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


def pkg_config_search_path(env: Mapping[str, str]) -> str:
    """Every folder the build's pkg-config reads .pc files from: PKG_CONFIG_PATH, then
    PKG_CONFIG_LIBDIR or, unset, pkg-config's own default (``pc_path``, e.g. Debian's
    /usr/lib/x86_64-linux-gnu/pkgconfig, where ``apt-get install libqhull-dev`` puts
    qhull_r.pc). Without the default, installing a system library after a build left an
    ``auto`` cell reusing the wheel that had vendored it."""
    folders = [env.get("PKG_CONFIG_PATH", "")]
    if env.get("PKG_CONFIG_LIBDIR") is not None:
        folders.append(env["PKG_CONFIG_LIBDIR"])
    else:
        command = shutil.which("pkg-config", path=env.get("PATH"))
        answer = probe([command, "--variable", "pc_path", "pkg-config"], env=env) if command else None
        if answer is not None and answer.returncode == 0:
            folders.append(answer.stdout.strip())
    return os.pathsep.join(f for f in folders if f)


def read_by_the_toolchain(env: Mapping[str, str]) -> dict[str, str]:
    """The variables the compilers, the linker, pkg-config and ccache read that are set in
    ``env`` (beside ``FINGERPRINT_ENV``, counted set or not), by name."""
    return {k: env[k] for k in sorted(env)
            if k not in FINGERPRINT_ENV and (k in FINGERPRINT_ENV_WHEN_SET or k.startswith(FINGERPRINT_ENV_PREFIXES))}


def fixed_at_first_setup(env: Mapping[str, str], *, leave_out: Iterable[str] = ()) -> dict[str, object]:
    """What meson takes from the environment at a build dir's first setup and keeps for the
    dir's life: the compilers' variables, ccache in front of the compilers, and the
    pkg-config it asks (both for ``configure_fingerprint`` and for which flavours' build
    dirs may seed one another, ``buildslot.seed_key``)."""
    skipped = {"SOURCE_DATE_EPOCH", *leave_out}
    return {
        "env": {**{k: env.get(k, "") for k in FINGERPRINT_ENV if k not in skipped},
                **{k: v for k, v in read_by_the_toolchain(env).items() if k not in skipped}},
        # Meson puts ccache in front of the compilers only at setup: a build dir set up
        # before ccache was installed (or after it was removed) must start afresh.
        "ccache": ccache_on_path(env.get("PATH")) is not None,
        # Meson caches what pkg-config found: another pkg-config (or none) needs a fresh build dir.
        "pkg_config_command": shutil.which("pkg-config", path=env.get("PATH")),
    }


def configure_fingerprint(
    *, setup_args: Sequence[str], env: Mapping[str, str], build_env_packages: Iterable[str]
) -> str:
    """What meson's configure step saw. Meson caches dependency lookups in the build dir,
    so when any of this changes (a system library appears, PKG_CONFIG_PATH moves, a
    compiler changes) the build dir must start afresh rather than be reconfigured."""
    payload = {
        "setup_args": list(setup_args),
        "pkg_config": pkg_config_digest(pkg_config_search_path(env)),
        "build_env": sorted(build_env_packages),
        **fixed_at_first_setup(env),
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
