"""Where a run keeps things, in two folders.

The workspace, ``.matrix/`` in the project root (or ``$MESONMATRIX_HOME``), holds what
belongs to this checkout: build dirs, stored and repaired wheels, test venvs, results and
reports. The shared cache, ``$MESONMATRIX_CACHE`` (default ``~/.cache/mesonmatrix``), holds
what every checkout on the machine shares because it is addressed by content: build envs
and their links, sdists and their unpacked sources, the interpreter cache. The tool writes
nowhere else (ccache keeps its own cache where ccache is configured to). Each folder it
makes there is marked its own (``ownership``): ``nox -s clean`` removes those alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..model import Cell, system_libraries_slug
from .buildroot import stable_build_root
from .cachedir import CACHE_KEPT, claim_shared_cache, shared_cache_dir
from .locking import exclusive_lock
from .ownership import Kept, claim, named

# In ``results/<target>/``: the source that first used the target's name here.
SOURCE_CLAIM = ".source"

# The names the tool gives what it keeps in the workspace, to recognise a folder made
# before markers: build keys (``Workspace.build_key``), target folders, session names.
_KEY = r"[A-Za-z0-9][\w.+-]*-[0-9a-f]{8}-py3\.[0-9]+t?-[\w.+-]+"
_TARGET = r"\w[\w.+-]*(\.lock)?"
_SESSION = r"(build|toolchain-min|loosened)-3\.[0-9]+t?(-[\w.+-]+)?(\.lock)?"
_WHEEL = r"[\w.]+-[\w.!+]+(-[0-9][\w.]*)?-[\w.]+-[\w.]+-[\w.]+"  # results/verify/<wheel>/
WORKSPACE_KEPT = (
    *(Kept(name, named(_KEY), made=name) for name in ("build", "wheels", "repaired", "loosened-sources")),
    Kept("results", named(_TARGET, rf"{_SESSION}|\.source(\.lock)?|{_WHEEL}"), made="results"),
    Kept("venvs", named(_TARGET, _SESSION), made="venvs"),
    Kept("compare", named(_TARGET, rf"{_SESSION}\.json"), made="compare"),
    Kept("rebuild", named(_SESSION), made="rebuild"),
    Kept("report", named(r"index\.html|summary\.(md|json)|logs"), made="report"),
    Kept("logs", named(r"[\w.+-]+\.log"), made="logs"),
    # A workspace without a shared cache of its own keeps one inside (tests do).
    Kept("cache", named("|".join(k.name for k in CACHE_KEPT))),
)


@dataclass(frozen=True)
class BuildSlot:
    """Where meson sees a plain build cell's build dir (shared by its BLAS flavours, see
    ``store/buildslot.py``), where the dir is kept between compiles, and the other
    flavours' kept dirs, which a new one may start from; and the one path every flavour's
    build env is seen at while it compiles there (a link, in the shared cache because
    NumPy's ``show_config`` records the build's Python in the wheel)."""

    path: Path
    home: Path
    siblings: tuple[Path, ...]
    env_link: Path


@dataclass(frozen=True)
class Workspace:
    root: Path
    # Content-addressed things (build envs, sdists and their unpacked sources) are shared
    # by every checkout. A build env's path ends up in the RUNPATH the linker hashes into
    # each extension's build-id, so it must not depend on where the project is checked
    # out, or two clones would never build identical wheels.
    cache: Path | None = None

    @classmethod
    def locate(cls, project_root: Path) -> Workspace:
        """Where the workspace and the shared cache are, without making either."""
        home = os.environ.get("MESONMATRIX_HOME")
        return cls(Path(home).resolve() if home else project_root / ".matrix", shared_cache_dir())

    @classmethod
    def default(cls, project_root: Path, home: Path | None = None) -> Workspace:
        """The workspace (``home`` when given) and the shared cache a session works in, each
        made with the folders the tool keeps in it as far as they are missing, and each
        folder it makes marked its own: what ``nox -s clean`` may remove."""
        workspace = cls.locate(project_root)
        if home is not None:
            workspace = cls(home, workspace.cache)
        claim(workspace.root, WORKSPACE_KEPT)
        with contextlib.suppress(OSError):  # sessions that never use the cache run without it
            claim_shared_cache(workspace.shared_cache)
        return workspace

    def build_key(self, cell: Cell, target_name: str, source_dir: Path) -> str:
        """One compile per (target source, python, blas, platform, system libraries).

        The install-tag set is deliberately not part of the key: full, runtime and split
        cells of one combination share one build dir, so only the first one compiles.
        The source path is hashed in because meson ties a build dir to one source dir.
        """
        prefix, suffix = self._key_parts(cell, target_name, source_dir)
        return f"{prefix}-{cell.blas}-{suffix}"

    @staticmethod
    def _key_parts(cell: Cell, target_name: str, source_dir: Path) -> tuple[str, str]:
        """A build key around its BLAS flavour: what comes before it and after it."""
        source = hashlib.sha256(str(source_dir).encode()).hexdigest()[:8]
        slug = system_libraries_slug(cell.system_libraries)
        return f"{target_name}-{source}-py{cell.python}", f"{cell.platform}-{slug}"

    def build_dir(self, key: str) -> Path:
        return self.root / "build" / key

    def build_slot(self, cell: Cell, target_name: str, source_dir: Path) -> BuildSlot:
        """The slot every flavour and system-library mode of this target source, Python and
        platform compiles in, this cell's kept build dir, and the other ones: a `auto` cell
        starts from the `none` cell's build dir as a second flavour does from the first."""
        prefix, suffix = self._key_parts(cell, target_name, source_dir)
        folder = self.root / "build"
        home = folder / f"{prefix}-{cell.blas}-{suffix}"
        siblings = sorted(p for p in folder.glob(f"{prefix}-*-{cell.platform}-*") if p.is_dir() and p != home) \
            if folder.is_dir() else []
        # The env link is named without the cache's or the source's path (see buildroot): two
        # checkouts of one target and Python take turns at it, under its lock.
        root = stable_build_root()
        env_link = root / f"{target_name}-py{cell.python}-{cell.platform}" if root is not None else \
            self.shared_cache / "envs" / f"{prefix}-{cell.platform}.slot"
        return BuildSlot(path=folder / f"{prefix}-{cell.platform}.slot", home=home, siblings=tuple(siblings),
                         env_link=env_link)

    def build_env(self, python: str, requirements: list[str]) -> Path:
        """A build env per (Python, requirement set), wherever the project is. Flavours that
        install the same packages share it (Debian's three take nothing but the build
        tools); what differs between them lives in ``pkg_config_dir``."""
        digest = hashlib.sha256("\n".join([python, *requirements]).encode()).hexdigest()[:12]
        return self.shared_cache / "envs" / f"py{python}-{digest}"

    def pkg_config_dir(self, build_env: Path, blas: str, layout: str = "") -> Path:
        """The .pc files a flavour's provider writes for builds in ``build_env``; ``layout``
        (a preset's own pkg-config names for the flavour) gets a folder of its own, so a
        changed mapping is written afresh and, being in -Dpkg_config_path, reconfigures."""
        suffix = f"-{hashlib.sha256(layout.encode()).hexdigest()[:8]}" if layout else ""
        return self.shared_cache / "pkgconfig" / f"{build_env.name}-{blas}{suffix}"

    @property
    def shared_cache(self) -> Path:
        return self.cache or self.root / "cache"

    def wheel_store(self, key: str) -> Path:
        """Built wheels of one build key, a folder per role (``store/wheelstore.py``)."""
        return self.root / "wheels" / key

    def repair_store(self, key: str) -> Path:
        """Repaired wheels of one build key, a folder per role (``store/repairstore.py``)."""
        return self.root / "repaired" / key

    def target_folder(self, target_name: str, source_dir: Path) -> str:
        """The folder name of a target's results and test venvs: its name, unless another
        source already uses that name here (an sdist and a source tree both called
        ``blasdemo``), when the source's digest is added; two targets never share one.

        The first source to use a name claims it in ``results/<name>/.source``, written
        whole or not at all. A claim that is empty or unreadable (a full disk once left an
        empty one, which sent a checkout's results to a hashed folder for good), or whose
        source no longer exists (a moved checkout), is taken over; so is one naming this
        source by its place relative to the workspace (a checkout moved with its
        ``.matrix/``). Only a source that still exists elsewhere keeps the name from it.
        """
        folder = self.root / "results" / target_name
        claim = folder / SOURCE_CLAIM
        source = source_dir.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        root = self.root.resolve()  # a relative path in a claim is followed as the kernel follows it
        with exclusive_lock(claim, lambda _: None):  # two first cells of one target at once
            if claimed_source(claim, root) in (None, source):
                _write_claim(claim, source, root)
                return target_name
        return f"{target_name}-{hashlib.sha256(str(source).encode()).hexdigest()[:8]}"

    def results_dir(self, target_folder: str, cell: Cell) -> Path:
        return self.root / "results" / target_folder / cell.session_name

    def test_venv(self, target_folder: str, cell: Cell) -> Path:
        return self.root / "venvs" / target_folder / cell.session_name


def claimed_source(claim: Path, root: Path) -> Path | None:
    """The existing source a name's claim holds, or None when it holds none. A claim says
    where the source was and where it is from the workspace; the second wins while it
    exists (the workspace moved along with the source), then the first. Before December
    2026 a claim was the bare absolute path."""
    try:
        text = claim.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = json.loads(text) if text.startswith("{") else {"source": text}
    except ValueError:
        return None  # torn: no claim
    if not isinstance(data, dict):
        return None
    relative, absolute = data.get("from_workspace"), data.get("source")
    places = [root / relative if isinstance(relative, str) and relative else None,
              Path(absolute) if isinstance(absolute, str) and os.path.isabs(absolute) else None]
    for place in places:
        if place is not None and place.is_dir():
            return place.resolve()
    return None


def _write_claim(claim: Path, source: Path, root: Path) -> None:
    """Write the claim to a name whole (a new file renamed over the old), unless it holds this already."""
    try:
        relative: str | None = os.path.relpath(source, root)
    except ValueError:  # another drive (Windows)
        relative = None
    text = json.dumps({"source": str(source), "from_workspace": relative}, indent=1) + "\n"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if claim.read_text(encoding="utf-8") == text:
            return
    partial = claim.with_name(f"{claim.name}.{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(claim)
    finally:
        partial.unlink(missing_ok=True)
