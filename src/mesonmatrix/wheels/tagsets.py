"""Wheels for an install-tag set, cut from the full wheel with meson's install plan.

meson-python builds a ``--tags=…`` wheel by filtering ``meson-info/intro-install_plan.json``
by each entry's install tag and packing what is left. It also re-runs
``meson setup --reconfigure`` first, on every invocation, and NumPy then recompiles
128 of its 476 steps per tag set (its generated dispatch headers get new mtimes). The
same filter applied to the full wheel gives the same members with the same bytes and
no second configure: the full build records which tag each member has
(``member_tags``) and ``subset_wheel`` cuts the runtime or tests wheel from it.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import TagSetError
from .members import wheel_tags
from .rewrite import Member, StoredBytes, write_wheel

# Where meson's install locations land in a wheel (the layout meson-python documents).
ANCHOR_CATEGORIES = {
    "{py_purelib}": "purelib",
    "{py_platlib}": "platlib",
    "{moduledir_shared}": "platlib",
    "{bindir}": "scripts",
    "{includedir}": "headers",
    "{datadir}": "data",
    "{libdir}": "mesonpy-libs",
    "{libdir_shared}": "mesonpy-libs",
}
_NATIVE_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"MZ")


def planned_tags(build_dir: Path) -> dict[tuple[str, str], str | None]:
    """(wheel category, path inside it) → install tag, for every file meson would install."""
    plan_file = build_dir / "meson-info" / "intro-install_plan.json"
    try:
        plan = json.loads(plan_file.read_text())
    except (OSError, ValueError) as exc:
        raise TagSetError(f"cannot read meson's install plan {plan_file}: {exc}") from None
    tags: dict[tuple[str, str], str | None] = {}
    for kind, entries in plan.items():
        for source, details in entries.items():
            destination = PurePosixPath(details["destination"])
            category = ANCHOR_CATEGORIES.get(destination.parts[0])
            if category is None:
                # Not for a wheel: meson-python left it out (a project's own
                # `[tool.meson-python.args] install = ['--tags=…']` filters out pyshtools'
                # {libdir_static}/libSHTOOLS.a), or would have refused the build. A member of
                # the wheel that the plan lacks still fails member_tags.
                continue
            inside = PurePosixPath(*destination.parts[1:])
            if kind == "install_subdirs":
                for relative in _subdir_files(Path(source), details):
                    tags[(category, str(inside / relative))] = details.get("tag")
            else:
                tags[(category, str(inside))] = details.get("tag")
    return tags


def _subdir_files(source: Path, details: Mapping[str, Any]) -> list[str]:
    """The files an ``install_subdir`` installs, with its excluded files and folders left out."""
    skip_dirs = {os.path.normpath(str(d)) for d in details.get("exclude_dirs") or []}
    skip_files = {os.path.normpath(str(f)) for f in details.get("exclude_files") or []}
    found = []
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if os.path.relpath(os.path.join(root, d), source) not in skip_dirs)
        for name in sorted(files):
            relative = os.path.relpath(os.path.join(root, name), source)
            if relative not in skip_files:
                found.append(PurePosixPath(*Path(relative).parts).as_posix())
    return found


class _Layout:
    """Names inside one wheel: its dist-info, .data and bundled-library folders."""

    def __init__(self, names: list[str]) -> None:
        wheel_files = [n for n in names if n.endswith(".dist-info/WHEEL") and n.count("/") == 1]
        if len(wheel_files) != 1:
            raise TagSetError(f"expected one .dist-info/WHEEL in the wheel, found {len(wheel_files)}")
        self.dist_info = wheel_files[0].split("/")[0]
        self.data = self.dist_info.removesuffix(".dist-info") + ".data"

    def is_metadata(self, name: str) -> bool:
        return name.startswith(self.dist_info + "/")

    def key(self, name: str, root_category: str) -> tuple[str, str]:
        top, _, rest = name.partition("/")
        if top == self.data:
            category, _, inside = rest.partition("/")
            return category, inside
        if top.startswith(".") and top.endswith(".mesonpy.libs"):
            return "mesonpy-libs", rest
        return root_category, name


def member_tags(full_wheel: Path, build_dir: Path) -> dict[str, str | None]:
    """Each member of the full wheel (dist-info aside) → its install tag.

    Raises TagSetError when a member is not in the install plan: guessing its tag
    could ship a test file in the runtime wheel or drop a module from both.
    """
    planned = planned_tags(build_dir)
    with zipfile.ZipFile(full_wheel) as archive:
        names = archive.namelist()
        layout = _Layout(names)
        root = (
            "purelib"
            if _wheel_fields(archive.read(f"{layout.dist_info}/WHEEL"))["Root-Is-Purelib"] == "true"
            else "platlib"
        )
    tags: dict[str, str | None] = {}
    for name in names:
        if name.startswith(layout.dist_info + "/") or name.endswith("/"):
            continue
        key = layout.key(name, root)
        if key not in planned:
            raise TagSetError(
                f"{full_wheel.name}: {name} is not in meson's install plan ({build_dir}); "
                "cannot tell which install tag it has"
            )
        tags[name] = planned[key]
    return tags


def subset_wheel(full_wheel: Path, tags: Mapping[str, str | None], keep: Collection[str], out_dir: Path) -> Path:
    """Write the wheel meson-python would build with ``--tags=<keep>`` into ``out_dir``.

    Members keep their bytes, timestamps and modes; RECORD is written afresh; WHEEL
    changes only when the subset is pure Python while the full wheel was not.
    """
    with zipfile.ZipFile(full_wheel) as archive, StoredBytes(full_wheel) as stored:
        infos = archive.infolist()
        layout = _Layout([i.filename for i in infos])
        wheel_info = archive.getinfo(f"{layout.dist_info}/WHEEL")
        fields = _wheel_fields(archive.read(wheel_info))
        unknown = [
            i.filename
            for i in infos
            if not layout.is_metadata(i.filename) and not i.filename.endswith("/") and i.filename not in tags
        ]
        if unknown:
            raise TagSetError(f"{full_wheel.name}: no install tag known for {', '.join(unknown[:5])}")
        chosen = [i for i in infos if layout.is_metadata(i.filename) or tags.get(i.filename) in set(keep)]
        root = "purelib" if fields["Root-Is-Purelib"] == "true" else "platlib"
        tag, new_root = _subset_tag(
            archive, layout, [i for i in chosen if not layout.is_metadata(i.filename)], fields["Tag"], root
        )
        record_name = f"{layout.dist_info}/RECORD"
        record_like = archive.getinfo(record_name) if record_name in archive.namelist() else wheel_info
        members = []
        for info in chosen:
            if info.filename == record_name:
                continue
            data, arcname = archive.read(info), info.filename
            if info.filename == wheel_info.filename and (tag != fields["Tag"] or new_root != root):
                data = _rewrite_wheel_fields(
                    data, {"Tag": tag, "Root-Is-Purelib": "true" if new_root == "purelib" else "false"}
                )
                members.append(Member(like=info, arcname=arcname, data=data))
                continue
            if not layout.is_metadata(info.filename):
                arcname = _relocate(layout, info.filename, root, new_root)
            # Unchanged bytes: copied as stored, not compressed again (wheels/rewrite.py).
            members.append(Member(like=info, arcname=arcname, data=data, stored=stored.read(info)))
        name_version = layout.dist_info.removesuffix(".dist-info")
        if tag == fields["Tag"]:
            # Unchanged: the full wheel's own tag set, which a repaired wheel may spell as
            # several Tag lines (manylinux2014 and manylinux_2_17) and one compressed name.
            tag = str(wheel_tags(full_wheel.name))
        return write_wheel(
            out_dir / f"{name_version}-{tag}.whl", members, record_name=record_name, record_like=record_like
        )


def _subset_tag(
    archive: zipfile.ZipFile, layout: _Layout, payload: list[zipfile.ZipInfo], tag: str, root: str
) -> tuple[str, str]:
    """The subset's wheel tag and root category: pure Python when it keeps no platlib
    member and no native script, as meson-python decides for a ``--tags`` wheel."""
    categories = {layout.key(i.filename, root)[0] for i in payload}
    native_scripts = any(
        layout.key(i.filename, root)[0] == "scripts" and archive.read(i)[:4].startswith(_NATIVE_MAGIC) for i in payload
    )
    if "platlib" not in categories and not native_scripts:
        return "py3-none-any", "purelib"
    if "platlib" not in categories:
        return "py3-none-" + tag.rsplit("-", 1)[-1], root
    return tag, root


def _relocate(layout: _Layout, name: str, root: str, new_root: str) -> str:
    """A member's name once the wheel's root category changes (platlib → purelib)."""
    if root == new_root:
        return name
    category, inside = layout.key(name, root)
    return inside if category == new_root else name


def _wheel_fields(data: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in data.decode().splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def _rewrite_wheel_fields(data: bytes, changes: Mapping[str, str]) -> bytes:
    lines = []
    for line in data.decode().splitlines():
        key = line.partition(":")[0].strip()
        lines.append(f"{key}: {changes[key]}" if key in changes else line)
    return "\n".join(lines).encode() + (b"\n" if data.endswith(b"\n") else b"")


MEMBER_TAGS_FILE = "member-tags.json"  # beside a stored full wheel


def write_member_tags(store: Path, tags: Mapping[str, str | None]) -> None:
    (store / MEMBER_TAGS_FILE).write_text(json.dumps(dict(sorted(tags.items())), indent=1) + "\n")


def read_member_tags(store: Path) -> dict[str, str | None] | None:
    try:
        loaded = json.loads((store / MEMBER_TAGS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None
