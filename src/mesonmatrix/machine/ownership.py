"""Which folders the tool made, so that ``nox -s clean`` removes those and nothing else.

The workspace and the shared cache can be any folder (``MESONMATRIX_HOME``,
``MESONMATRIX_CACHE``: the full-disk message itself says to point them at a disk with
room, which holds other things), so clean may not remove the folder it is pointed at. A
folder the tool creates (the workspace, the cache, and each folder it keeps in them,
made at once when a session first uses them) gets a marker file; a folder that existed
before never gets one. Clean removes the marked folders in the root, then the root when
it is marked and nothing else is left in it.

A marker names the folder it was made in (its path, device and inode): a copy of a marked
folder (``cp -r`` takes the marker along) is not the tool's, and neither is a marked folder
whose name the tool never gives. Folders made before markers existed are recognised by
their names and contents (a known name whose entries all have the names the tool gives
them), but only in a root that is the tool's own: the default ``.matrix`` of a checkout
or the default cache, or a root the tool made and marked. In a folder the user pointed
``MESONMATRIX_HOME`` or ``MESONMATRIX_CACHE`` at, only marked folders go: ``results/`` or
``logs/`` of the user's own look just like the tool's. The root itself is left unless the
tool made it, and so is anything unknown, a link, or a known name holding something else.
Kept free of the package's other modules: the noxfile marks the cache before it imports
them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MARKER = ".mesonmatrix-made"
_MARKER_NOTE = "made by mesonmatrix: `nox -s clean` removes this folder"


def make_owned(folder: Path) -> None:
    """Make ``folder`` if it is missing, and mark it the tool's; a folder that exists is
    left as it is (it is someone else's unless it carries the marker already)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()
    except FileExistsError:
        return
    info = folder.stat()
    (folder / MARKER).write_text(json.dumps({"note": _MARKER_NOTE, "path": str(folder.resolve()),
                                             "device": info.st_dev, "inode": info.st_ino}) + "\n")


def claim(root: Path, kept: Sequence[Kept]) -> None:
    """Make and mark ``root`` and each folder the tool keeps in it, as far as they are missing."""
    make_owned(root)
    for item in kept:
        if item.made is not None:
            make_owned(root / item.made)


def is_owned(folder: Path) -> bool:
    """A real folder (not a link to one) holding, as a regular file, the marker made in it:
    one naming this folder's device and inode (it may have moved since) or its path."""
    marker = folder / MARKER
    if folder.is_symlink() or not folder.is_dir() or marker.is_symlink() or not marker.is_file():
        return False
    try:
        made = json.loads(marker.read_text())
        info = folder.stat()
        return isinstance(made, dict) and ((made.get("device"), made.get("inode")) == (info.st_dev, info.st_ino)
                                           or made.get("path") == str(folder.resolve()))
    except (OSError, ValueError):
        return False


Recognise = Callable[[Path], bool]


@dataclass(frozen=True)
class Kept:
    """Something the tool keeps at the top of its workspace or cache: the pattern of its
    name, how an unmarked one is recognised as the tool's, and the name it is made (and
    marked) with when a session first uses the root, None for what is made on demand
    under a changing name (``meson-languages-2``)."""

    name: str  # a regular expression the whole entry name matches
    looks_like_ours: Recognise
    made: str | None = None
    folder: bool = True


def named(pattern: str, nested: str | None = None) -> Recognise:
    """A folder each of whose entries matches ``pattern`` (and, with ``nested``, is a
    folder whose entries each match ``nested``, or a file matching ``pattern``)."""
    outer, inner = re.compile(pattern), re.compile(nested) if nested else None

    def recognise(folder: Path) -> bool:
        for entry in _entries(folder):
            if not _matches(outer, entry.name):
                return False
            if inner is not None and entry.is_dir() and not entry.is_symlink():
                if not all(_matches(inner, sub.name) for sub in _entries(entry)):
                    return False
        return True

    return recognise


def _matches(pattern: re.Pattern[str], name: str) -> bool:
    """``name``, or the file a partial write of it stands for: ``.x.<pid>.tmp``
    (``machine.writing.write_atomically``) or ``x.<pid>``, which a kill leaves behind."""
    return any(pattern.fullmatch(candidate) for candidate in
               (name, re.sub(r"^\.(.+)\.[0-9]+\.tmp$", r"\1", name), re.sub(r"\.[0-9]+$", "", name)))


def json_file(path: Path) -> bool:
    """A regular file holding a JSON object (or one being written: a partial of one)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        return isinstance(json.loads(path.read_text()), dict) or not path.name.endswith(".json")
    except (OSError, ValueError):
        return not path.name.endswith(".json")


def _entries(folder: Path) -> list[Path]:
    return [entry for entry in folder.iterdir() if entry.name != MARKER]


@dataclass(frozen=True)
class Cleanup:
    """What ``nox -s clean`` removes from one root, and what it leaves and why."""

    root: Path
    remove: tuple[Path, ...] = ()
    left: tuple[str, ...] = ()  # entry names, each with why it stays
    root_owned: bool = False

    @property
    def remove_root(self) -> bool:
        return self.root_owned and not self.left


def plan_cleanup(root: Path, kept: Sequence[Kept], *, default_place: bool) -> Cleanup:
    """Sort what ``root`` holds into the tool's (to remove) and the rest (to leave). A root
    that is a link (``.matrix`` pointed at a bigger disk) is looked into, never removed:
    what is in it is judged entry by entry like any other root's. ``default_place``: the
    root is where the tool puts it unless told otherwise (a checkout's ``.matrix``, the
    default cache), so unmarked folders of the tool's names may be from before markers."""
    root = root.resolve() if root.is_symlink() else root
    if not root.is_dir():
        return Cleanup(root=root)
    before_markers = default_place or is_owned(root)
    remove: list[Path] = []
    left: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name == MARKER:
            continue
        why = _why_left(entry, kept, before_markers)
        if why is None:
            remove.append(entry)
        else:
            left.append(f"{entry.name}{'/' if entry.is_dir() and not entry.is_symlink() else ''} ({why})")
    return Cleanup(root=root, remove=tuple(remove), left=tuple(left), root_owned=is_owned(root))


def _why_left(entry: Path, kept: Sequence[Kept], before_markers: bool) -> str | None:
    """None for the tool's own entry, else why it stays."""
    if entry.is_symlink():
        return "a link"
    item = next((k for k in kept if re.fullmatch(k.name, entry.name)), None)
    if item is None:
        return "not the tool's"
    if item.folder != entry.is_dir():
        return "not what the tool keeps under that name"
    if is_owned(entry):
        return None
    if not before_markers:
        return "no marker of the tool's in it, in a folder you chose: remove it yourself if it is the tool's"
    try:
        ours = item.looks_like_ours(entry)
    except OSError:
        ours = False
    return None if ours else "holds what the tool does not make"


def folder_size(folder: Path) -> int:
    """Bytes of the files below ``folder`` (or of the file), links counted as themselves."""
    if not folder.is_dir() or folder.is_symlink():
        return folder.lstat().st_size if os.path.lexists(folder) else 0
    total = 0
    for top, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                pass
    return total
