"""Wheel files: hashes, member lists, the split partition check, and renaming a wheel."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

_METADATA_DIRS = re.compile(r"^[^/]+\.(dist-info|libs)/")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def payload_files(wheel: Path) -> set[str]:
    """Files a wheel installs, without its dist-info and grafted ``*.libs/`` folders."""
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if not n.endswith("/") and not _METADATA_DIRS.match(n)}


def has_native_code(wheel: Path) -> bool:
    """Does the wheel hold compiled code? A repair tool refuses a wheel that has none."""
    with zipfile.ZipFile(wheel) as archive:
        return any(n.endswith((".so", ".pyd", ".dylib", ".dll")) or ".so." in n for n in archive.namelist())


def grafted_libraries(wheel: Path) -> list[str]:
    """Shared libraries a repair tool copied into the wheel (``<name>.libs/``, ``.dylibs``)."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(
            n.rsplit("/", 1)[-1]
            for n in archive.namelist()
            if not n.endswith("/") and re.match(r"^[^/]+(\.libs|/\.dylibs)/", n)
        )


@dataclass(frozen=True, kw_only=True)
class Partition:
    lost: tuple[str, ...]  # in the full wheel, in neither split wheel
    duplicated: tuple[str, ...]  # in both split wheels
    extra: tuple[str, ...]  # in a split wheel but not in the full one
    tests_files: int

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.extra) and self.tests_files > 0

    def describe(self) -> str:
        if self.ok:
            return "runtime + tests wheels hold exactly the full wheel's files"
        parts = []
        for label, items in (("lost", self.lost), ("in both", self.duplicated), ("not in full wheel", self.extra)):
            if items:
                parts.append(f"{label}: {', '.join(items[:5])}{' …' if len(items) > 5 else ''} ({len(items)})")
        if not self.tests_files:
            parts.append("the tests wheel is empty")
        return "split partition check failed: " + "; ".join(parts)


def check_partition(full: Path, runtime: Path, tests: Path) -> Partition:
    f, r, t = payload_files(full), payload_files(runtime), payload_files(tests)
    return Partition(
        lost=tuple(sorted(f - (r | t))),
        duplicated=tuple(sorted(r & t)),
        extra=tuple(sorted((r | t) - f)),
        tests_files=len(t),
    )


def record_hash(data: bytes) -> str:
    """A RECORD line's hash field: ``sha256=`` and the urlsafe base64 digest, unpadded."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def rename_wheel(wheel: Path, new_name: str, out_dir: Path, *, requires: tuple[str, ...] = ()) -> Path:
    """Repack ``wheel`` as distribution ``new_name``; the payload is byte-for-byte the same.

    Meson ties a build dir to one source dir, so the tests wheel is built from the same
    build dir under the project's own name and renamed here, instead of editing the
    user's pyproject.toml in place. ``requires`` are added as Requires-Dist.
    """
    old_name, version, _build, tags = parse_wheel_filename(wheel.name)
    old_norm = str(canonicalize_name(old_name)).replace("-", "_")
    new_norm = str(canonicalize_name(new_name)).replace("-", "_")
    old_info, new_info = f"{old_norm}-{version}.dist-info/", f"{new_norm}-{version}.dist-info/"
    tag = wheel.name[:-4].split("-", 2)[2]  # python-abi-platform, as written
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{new_norm}-{version}-{tag}.whl"
    partial = target.with_name(target.name + ".part")
    records: list[str] = []
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            if name == old_info + "RECORD":
                continue
            data = src.read(info)
            if name.startswith(old_info):
                name = new_info + name[len(old_info):]
                if name == new_info + "METADATA":
                    data = _renamed_metadata(data, new_name, requires)
            out = zipfile.ZipInfo(name, date_time=info.date_time)
            out.external_attr = info.external_attr
            out.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(out, data)
            if not name.endswith("/"):
                records.append(f"{name},{record_hash(data)},{len(data)}")
        records.append(f"{new_info}RECORD,,")
        record = zipfile.ZipInfo(new_info + "RECORD", date_time=src.infolist()[-1].date_time)
        record.external_attr = 0o644 << 16
        record.compress_type = zipfile.ZIP_DEFLATED
        dst.writestr(record, "\n".join(records) + "\n")
    partial.replace(target)
    return target


def _renamed_metadata(data: bytes, new_name: str, requires: tuple[str, ...]) -> bytes:
    text = data.decode("utf-8")
    head, sep, body = text.partition("\n\n")
    lines = [f"Name: {new_name}" if line.startswith("Name: ") else line for line in head.split("\n")]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + (sep + body if sep else "\n")).encode("utf-8")
