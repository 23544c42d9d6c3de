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

import csv
import io
import json
import os
import zipfile
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from .wheels import record_hash

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


class TagSetError(Exception):
    """The full wheel and the install plan do not agree; no subset wheel can be cut."""


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
                raise TagSetError(f"install location {destination} has no place in a wheel")
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
        root = "purelib" if _wheel_fields(archive.read(f"{layout.dist_info}/WHEEL"))["Root-Is-Purelib"] == "true" else "platlib"
    tags: dict[str, str | None] = {}
    for name in names:
        if name.startswith(layout.dist_info + "/") or name.endswith("/"):
            continue
        key = layout.key(name, root)
        if key not in planned:
            raise TagSetError(f"{full_wheel.name}: {name} is not in meson's install plan ({build_dir}); "
                              "cannot tell which install tag it has")
        tags[name] = planned[key]
    return tags


def subset_wheel(full_wheel: Path, tags: Mapping[str, str | None], keep: Collection[str], out_dir: Path) -> Path:
    """Write the wheel meson-python would build with ``--tags=<keep>`` into ``out_dir``.

    Members keep their bytes, timestamps and modes; RECORD is written afresh; WHEEL
    changes only when the subset is pure Python while the full wheel was not.
    """
    wanted = set(keep)
    with zipfile.ZipFile(full_wheel) as archive:
        infos = archive.infolist()
        layout = _Layout([i.filename for i in infos])
        wheel_info = archive.getinfo(f"{layout.dist_info}/WHEEL")
        fields = _wheel_fields(archive.read(wheel_info))
        chosen = [i for i in infos if i.filename.startswith(layout.dist_info + "/") or tags.get(i.filename) in wanted]
        unknown = [i.filename for i in infos
                   if not i.filename.startswith(layout.dist_info + "/") and not i.filename.endswith("/") and i.filename not in tags]
        if unknown:
            raise TagSetError(f"{full_wheel.name}: no install tag known for {', '.join(unknown[:5])}")
        payload = [i for i in chosen if not i.filename.startswith(layout.dist_info + "/")]
        root = "purelib" if fields["Root-Is-Purelib"] == "true" else "platlib"
        categories = {layout.key(i.filename, root)[0] for i in payload}
        native_scripts = any(layout.key(i.filename, root)[0] == "scripts" and archive.read(i)[:4].startswith(_NATIVE_MAGIC)
                             for i in payload)
        pure = "platlib" not in categories and not native_scripts
        tag = fields["Tag"]
        if pure:
            tag = "py3-none-any"
        elif "platlib" not in categories:
            tag = "py3-none-" + tag.rsplit("-", 1)[-1]
        new_root = "purelib" if pure else root
        name_version = layout.dist_info.removesuffix(".dist-info")
        target = out_dir / f"{name_version}-{tag}.whl"
        out_dir.mkdir(parents=True, exist_ok=True)
        record_name = f"{layout.dist_info}/RECORD"
        record_info = archive.getinfo(record_name) if record_name in archive.namelist() else wheel_info
        entries: list[tuple[str, str, int]] = []
        partial = target.with_name(target.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in chosen:
                if info.filename == record_name:
                    continue
                data = archive.read(info)
                arcname = info.filename
                if info.filename == wheel_info.filename and (tag != fields["Tag"] or new_root != root):
                    data = _rewrite_wheel_fields(data, {"Tag": tag, "Root-Is-Purelib": "true" if pure else "false"})
                elif not info.filename.startswith(layout.dist_info + "/"):
                    arcname = _relocate(layout, info.filename, root, new_root)
                _write(out, info, arcname, data)
                entries.append((arcname, record_hash(data), len(data)))
            text = io.StringIO()
            writer = csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n")
            writer.writerows(entries)
            writer.writerow((record_name, "", ""))
            _write(out, record_info, record_name, text.getvalue().encode())
    partial.replace(target)
    return target


def _relocate(layout: _Layout, name: str, root: str, new_root: str) -> str:
    """A member's name once the wheel's root category changes (platlib → purelib)."""
    if root == new_root:
        return name
    category, inside = layout.key(name, root)
    return inside if category == new_root else name


def _write(out: zipfile.ZipFile, like: zipfile.ZipInfo, arcname: str, data: bytes) -> None:
    info = zipfile.ZipInfo(arcname, date_time=like.date_time)
    info.external_attr = like.external_attr
    info.compress_type = like.compress_type
    out.writestr(info, data)


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
