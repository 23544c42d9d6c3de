"""Is the wheel what its name says? RECORD hashes and sizes (checked by ``installer``, the
reference installer), WHEEL's tags against the file name, and the dist-info against both."""

from __future__ import annotations

import re
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name, parse_wheel_filename

from ..machine.extras import require_extra
from .problems import Problem

_ISSUE_MEMBER = re.compile(r"(?:of|for) (\S+?)(?:,| didn't| not|$)")


def record_problems(wheel: Path) -> list[Problem]:
    """Every member whose hash or size differs from RECORD, or that RECORD lacks."""
    require_extra("verify", "checking a wheel's RECORD", ("installer",))
    from installer.sources import WheelFile

    try:
        with WheelFile.open(wheel) as source:
            source.validate_record(validate_contents=True)
    except Exception as exc:  # installer's validation error, or a zip it cannot read at all
        issues = getattr(exc, "issues", None) or [str(exc)]
        problems = []
        for issue in issues:
            text = str(issue).replace(f"In {wheel}, ", "")
            found = _ISSUE_MEMBER.search(text)
            problems.append(Problem(member=found.group(1) if found else wheel.name, rule="record", detail=text))
        return problems
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
        parser = HeaderParser()
        wheel_file = parser.parsestr(archive.read(f"{info}/WHEEL").decode("utf-8"))
        metadata = parser.parsestr(archive.read(f"{info}/METADATA").decode("utf-8"))
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
