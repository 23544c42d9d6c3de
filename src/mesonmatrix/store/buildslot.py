"""Every BLAS flavour and system-library mode of one target source, Python and platform
compiles at one path, and a new flavour's (or mode's) build dir starts from a sibling's.

A build dir is kept per flavour and mode (``build/<key>``), but meson sees it at one shared
path, the slot (``build/<target>-<source>-py<python>-<platform>.slot``): it is renamed
there for the compile and back afterwards. Why one path: meson writes absolute paths into
a build dir. NumPy passes ``-I<build dir>/meson_cpu`` to nearly every compile, and meson
re-reads the native file (meson-python's, which names the build env's Python) from the
absolute path it was first given. At one path, a copy of the openblas build dir is a
valid build dir for netlib too: meson reconfigures it and keeps its compiler checks
(NumPy 2.4.6: ``meson setup`` 16.4 s in a new dir, the reconfigure of a copy 2.7 s, its
161 checks "(cached)"), and ninja reruns only the steps whose command changed, the ones
that see the BLAS.

For the same reason each flavour's build env is seen at one path while it compiles here,
a link the slot holds (``BuildSlot.env_link``): meson writes the build env's Python into
every generator's command (193 in NumPy 2.4.6: its templates, API headers and Cython
sources), so at each env's own path a new flavour reran every generator and recompiled
everything they feed (netlib seeded from openblas: 435 ninja steps, 161 s of compile
summed over both cores, most of them served by ccache only after preprocessing). Where
the link cannot be made (no symlinks for this user on Windows), the build uses the env's
own path: slower, never wrong.

What keeps a seeded build correct:
- siblings must share the compilers' environment, ccache and pkg-config (all fixed at a
  build dir's first setup) and the versions of the build tools both envs hold, else the
  cell starts afresh (``can_seed``);
- meson keeps an option's value until it is set again, so a sibling must not have set an
  option this build leaves at its default;
- meson takes ``PKG_CONFIG_PATH`` from the environment only at the first setup, so the
  build passes it as ``-Dpkg_config_path`` on every configure (``build_command``);
- meson looks every dependency up again on reconfigure, ninja reruns every step whose
  command changed, and the test stage's probe checks the BLAS the wheel really loads.
A build killed while its dir is in the slot leaves an owner file there: the next build
moves that dir back to its owner before anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..machine.locking import exclusive_lock, try_exclusive_lock
from ..machine.progress import Say
from ..machine.workspace import BuildSlot
from ..machine.writing import write_atomically
from .fingerprints import fixed_at_first_setup
from .trust import completed, distrust, reset_unless_trusted

SEED_KEY_SUFFIX = ".seedkey"
OWNER_FILE = ".mesonmatrix-owner"
# Differs between flavours by design: each flavour's own pkg-config folder.
_FLAVOUR_ENV = ("PKG_CONFIG_PATH",)


def seed_key(*, python: str, env: Mapping[str, str], build_env_packages: Iterable[str],
             setup_args: Iterable[str], slot: Path | None = None) -> str:
    """What decides whether two flavours' build dirs may seed one another: the compilers'
    environment, ccache and pkg-config (fixed at a build dir's first setup), the build
    env's packages, the meson options this build sets, and the slot path meson saw it at
    (meson writes absolute paths: a dir configured at another path never seeds). Kept
    readable in ``<home>.seedkey``."""
    packages = dict(p.partition("==")[::2] for p in build_env_packages)
    options = sorted({a.partition("=")[0] for a in setup_args if a.startswith("-D")})
    same = {"python": python, **fixed_at_first_setup(env, leave_out=_FLAVOUR_ENV)}
    if slot is not None:
        same["slot"] = str(slot)
    return json.dumps({"same": same, "packages": packages, "options": options}, sort_keys=True, indent=1)


def can_seed(sibling_key: str | None, key: str) -> bool:
    """Whether a sibling's build dir may start this one: the same compilers' environment;
    every package both build envs hold at one version (meson, Cython …; a flavour's own
    packages, scipy-openblas64 or MKL's runtime, are in one env only); and every option
    the sibling set is set by this build too, since meson keeps an option's value across
    reconfigures until it is set again (netlib must not inherit openblas64's
    ``-Duse-ilp64=true``)."""
    if sibling_key is None:
        return False
    try:
        theirs, ours = json.loads(sibling_key), json.loads(key)
        common = set(theirs["packages"]) & set(ours["packages"])
        return bool(theirs["same"] == ours["same"] and set(theirs["options"]) <= set(ours["options"])
                    and all(theirs["packages"][n] == ours["packages"][n] for n in common))
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


@dataclass(frozen=True)
class SlotUse:
    seeded_from: str | None  # the sibling flavour this new build dir was copied from, if it was
    env: Path  # where the build sees its build env: the slot's link to it, or the env itself


@contextlib.contextmanager
def build_in_slot(slot: BuildSlot, key: str, build_env: Path, say: Say, *, inputs: str,
                  pkg_config_dir: Path | None = None) -> Iterator[SlotUse]:
    """Hold the slot with this cell's build dir in it (its own if a completed build with
    ``inputs`` vouches for it, else a copy of a sibling with the same ``key``, or nothing
    yet) and its build env at the slot's env link; put the dir back home afterwards,
    whatever happens. The dir is untrusted from here until the caller's build completes."""
    with exclusive_lock(slot.path, say, why=" (another flavour of this Python is compiling at that path)"):
        _return_to_owner(slot.path, say)
        reset_unless_trusted(slot.home, inputs, say)
        distrust(slot.home)
        slot.home.with_name(slot.home.name + SEED_KEY_SUFFIX).write_text(key)
        seeded = None
        if slot.home.is_dir():
            slot.home.rename(slot.path)
        else:
            seeded = _copy_sibling(slot, key, say)
        if seeded is not None:
            say(f"    new build dir started from {seeded} (same compilers and build tools): meson "
                    "reconfigures it with its compiler checks kept, ninja reruns what the flavour changes")
        slot.path.mkdir(parents=True, exist_ok=True)
        (slot.path / OWNER_FILE).write_text(slot.home.name)
        try:
            # The link is in the shared cache, so another workspace's build may want it too.
            with exclusive_lock(slot.env_link, say, why=" (another workspace builds this target and Python)"):
                linked = _point_link(slot.env_link, build_env, say)
                if linked and pkg_config_dir is not None:
                    write_pc_files_seen_at(pkg_config_dir, build_env, slot.env_link)
                yield SlotUse(seeded_from=seeded, env=slot.env_link if linked else build_env)
        finally:
            (slot.path / OWNER_FILE).unlink(missing_ok=True)
            slot.path.rename(slot.home)


def pc_files_seen_at(env_link: Path, pkg_config_dir: Path) -> Path:
    """The folder of the .pc files a build at ``env_link`` reads (``write_pc_files_seen_at``):
    one per flavour's folder, so that each flavour's build passes meson another
    ``pkg_config_path`` (meson keeps what pkg-config said in the build dir while that
    option is unchanged: a seeded flavour would have linked its sibling's BLAS)."""
    return env_link.with_name(env_link.name + ".pkgconfig") / pkg_config_dir.name


def write_pc_files_seen_at(pkg_config_dir: Path, build_env: Path, env_link: Path) -> None:
    """The flavour's .pc files as the build sees them: each path into the build env goes
    through ``env_link`` instead (a provider writes them from the env's own path), so the
    -I, -L and -Wl,-rpath the build gets, and the ``libdir`` NumPy records, hold the
    link's path on every builder. A file already so is left as it is."""
    folder = pc_files_seen_at(env_link, pkg_config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for pc in sorted(pkg_config_dir.glob("*.pc")):
        text = pc.read_text(encoding="utf-8")
        for real in dict.fromkeys([str(build_env.resolve()), str(build_env)]):
            text = text.replace(real, str(env_link))
        wanted[pc.name] = text
    for old in folder.glob("*.pc"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        with contextlib.suppress(OSError):
            if (folder / name).read_text(encoding="utf-8") == text:
                continue
        write_atomically(folder / name, text)


def _point_link(link: Path, target: Path, say: Say) -> bool:
    """Make ``link`` a symlink to ``target``, replacing it atomically; False if it cannot be."""
    fresh = link.with_name(link.name + ".new")
    try:
        fresh.unlink(missing_ok=True)
        os.symlink(target, fresh, target_is_directory=True)
        os.replace(fresh, link)
    except OSError as exc:
        say(f"    cannot link {link} to the build env ({exc}): meson sees the env at its own path, "
                "so a new flavour reruns every generator")
        return False
    return True


def _return_to_owner(path: Path, say: Say) -> None:
    """A build killed mid-compile left its dir in the slot: home it goes (or away, if its
    owner has a dir again), so the slot is empty before this cell uses it."""
    if not path.exists():
        return
    owner_file = path / OWNER_FILE
    owner = path.parent / owner_file.read_text().strip() if owner_file.is_file() else None
    if owner is not None and owner.parent == path.parent and not owner.exists():
        owner_file.unlink()
        path.rename(owner)
        say(f"    {path.name} still held {owner.name}'s build dir (a build was stopped): moved it back")
    else:
        shutil.rmtree(path)


def _copy_sibling(slot: BuildSlot, key: str, say: Say) -> str | None:
    """Copy a configured sibling with the same seed key into the slot: one of the same BLAS
    flavour first (another system-library mode: the same build env and flags, so ninja
    reruns least; its name shares the most with this one's), else the newest. A sibling
    another process holds (being reset) is passed over rather than waited for."""
    usable = [s for s in slot.siblings
              if s != slot.home and _configured(s) and completed(s) and can_seed(_key_of(s), key)]

    def preference(sibling: Path) -> tuple[int, float]:
        shared = len(os.path.commonprefix([sibling.name, slot.home.name]))
        return shared, (sibling / "build.ninja").stat().st_mtime

    for sibling in sorted(usable, key=preference, reverse=True):
        with try_exclusive_lock(sibling) as held:
            if not held:
                continue
            # copy2 keeps mtimes, so ninja sees each object exactly as new as the sibling did.
            shutil.copytree(sibling, slot.path, symlinks=True)
            return sibling.name
    return None


def _configured(build_dir: Path) -> bool:
    return (build_dir / "meson-private" / "coredata.dat").is_file() and (build_dir / "build.ninja").is_file()


def _key_of(build_dir: Path) -> str | None:
    try:
        return build_dir.with_name(build_dir.name + SEED_KEY_SUFFIX).read_text()
    except OSError:
        return None
