"""Is the wheel what its name says? RECORD hashes and sizes (checked by ``installer``, the
reference installer), the files RECORD lists against the archive, WHEEL's tags against the
file name, and the dist-info against both."""

from __future__ import annotations

import re
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name, parse_wheel_filename

from ..machine.extras import require_extra
from .archive import MAX_TEXT_BYTES, read_whole, unread
from .problems import Problem

# The member each of installer's RECORD issues names (installer/sources.py, validate_record).
_ISSUE_MEMBER = re.compile(r"^(?:hash / size of |entry in RECORD file for |digital signature file )?(.+?)"
                           r"(?: didn't match RECORD| is not mentioned in RECORD| is invalid: .*"
                           r"| is not included in RECORD| is incorrectly contained in RECORD\.)$", re.S)


def record_problems(wheel: Path) -> list[Problem]:
    """Every member whose hash or size differs from RECORD, or that RECORD lacks, and every
    file RECORD lists that the archive lacks (installer checks only the first two)."""
    require_extra("verify", "checking a wheel's RECORD", ("installer",))
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
        record = next((n for n in sorted(members) if re.fullmatch(r"[^/]+\.dist-info/RECORD", n)), None)
        text = read_whole(archive, record) if record else b""
        if record and text is None:
            size = archive.getinfo(record).file_size
            return [unread(record, size, MAX_TEXT_BYTES, "RECORD, and each member's hash against it")]
    problems = _installer_issues(wheel)
    problems += [Problem(member=path, rule="record",
                         detail="listed in RECORD but not in the archive: the wheel lacks a file it was made with")
                 for path in _listed(text or b"") if path not in members]
    return problems


def _installer_issues(wheel: Path) -> list[Problem]:
    from installer.sources import WheelFile

    try:
        with WheelFile.open(wheel) as source:
            source.validate_record(validate_contents=True)
    except Exception as exc:  # installer's validation error, or a zip it cannot read at all
        # An exception with no text (installer's EOFError on a member cut short) is named by its type.
        issues = getattr(exc, "issues", None) or [str(exc) or f"{type(exc).__name__} while reading the archive"]
        problems = []
        for issue in issues:
            text = str(issue).replace(f"In {wheel}, ", "")
            found = _ISSUE_MEMBER.search(text)
            problems.append(Problem(member=found.group(1) if found else wheel.name, rule="record", detail=text))
        return problems
    return []


def _listed(record: bytes) -> list[str]:
    """The paths RECORD lists (none when installer cannot parse it: it says so itself)."""
    from installer.records import InvalidRecordEntry, parse_record_file

    try:
        return [row[0] for row in parse_record_file(record.decode("utf-8", "replace").splitlines())]
    except InvalidRecordEntry:
        return []


def metadata_problems(wheel: Path) -> list[Problem]:
    """The file name's tags against WHEEL's Tag lines; its name and version against METADATA."""
    name, version, _build, tags = parse_wheel_filename(wheel.name)
    with zipfile.ZipFile(wheel) as archive:
        infos = {n.split("/", 1)[0] for n in archive.namelist() if n.split("/", 1)[0].endswith(".dist-info")}
        if len(infos) != 1:
            return [Problem(member=wheel.name, rule="dist-info",
                            detail=f"{len(infos)} .dist-info folders: {sorted(infos)}")]
        info = infos.pop()
        texts = {name: read_whole(archive, f"{info}/{name}") for name in ("WHEEL", "METADATA")}
        unreadable = [unread(f"{info}/{name}", archive.getinfo(f"{info}/{name}").file_size, MAX_TEXT_BYTES,
                             "the wheel's tags, name and version") for name, text in texts.items() if text is None]
        if unreadable:
            return unreadable
        parser = HeaderParser()
        wheel_file = parser.parsestr((texts["WHEEL"] or b"").decode("utf-8"))
        metadata = parser.parsestr((texts["METADATA"] or b"").decode("utf-8"))
    problems = []
    declared = {t for line in wheel_file.get_all("Tag") or [] for t in parse_tag(line.strip())}
    if declared != set(tags):
        problems.append(Problem(member=f"{info}/WHEEL", rule="tags",
                                detail=f"WHEEL says {sorted(map(str, declared))}, "
                                       f"the file name {sorted(map(str, tags))}"))
    info_name, _, info_version = info.removesuffix(".dist-info").rpartition("-")
    if canonicalize_name(info_name) != name or info_version != str(version):
        problems.append(Problem(member=info, rule="dist-info", detail=f"does not match {name} {version}"))
    if canonicalize_name(metadata.get("Name", "")) != name or metadata.get("Version") != str(version):
        problems.append(Problem(member=f"{info}/METADATA", rule="dist-info",
                                detail=f"Name/Version {metadata.get('Name')} {metadata.get('Version')} "
                                       f"do not match the file name's {name} {version}"))
    return problems
