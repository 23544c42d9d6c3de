"""Are two wheels byte-identical, and if not, which members differ and how (a text diff,
or diffoscope's report where it is installed)?"""

from __future__ import annotations

import difflib
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..machine.commands import probe
from ..wheels.members import sha256_file


@dataclass(frozen=True, kw_only=True)
class MemberDiff:
    name: str
    size_a: int | None  # None: missing from that wheel
    size_b: int | None
    detail: str


@dataclass(frozen=True, kw_only=True)
class WheelComparison:
    a: Path
    b: Path
    sha256_a: str
    sha256_b: str
    members: list[MemberDiff] = field(default_factory=list)
    archive_notes: list[str] = field(default_factory=list)  # zip-level differences: order, timestamps, modes
    diffoscope: str | None = None

    @property
    def identical(self) -> bool:
        return self.sha256_a == self.sha256_b

    def describe(self) -> str:
        if self.identical:
            return f"identical: {self.a.name} sha256 {self.sha256_a}"
        lines = [f"DIFFERENT: {self.a} ({self.sha256_a[:12]}) vs {self.b} ({self.sha256_b[:12]})"]
        for m in self.members:
            lines.append(f"  {m.name}: {m.size_a} vs {m.size_b} bytes; {m.detail}")
        lines += [f"  {note}" for note in self.archive_notes]
        if not self.members and not self.archive_notes:
            lines.append("  members and their metadata are equal: the zip containers differ")
        if self.diffoscope:
            lines.append(self.diffoscope)
        return "\n".join(lines)


def _detail(data_a: bytes, data_b: bytes, name: str) -> str:
    try:
        text_a, text_b = data_a.decode("utf-8"), data_b.decode("utf-8")
    except UnicodeDecodeError:
        # The common prefix byte by byte (strict=False); a difference in length is counted on top.
        pairs = list(zip(data_a, data_b, strict=False))
        differing = sum(1 for x, y in pairs if x != y) + abs(len(data_a) - len(data_b))
        first = next((i for i, (x, y) in enumerate(pairs) if x != y), len(pairs))
        return f"binary: first difference at byte {first:#x}, {differing} bytes differ"
    diff = list(
        difflib.unified_diff(text_a.splitlines(), text_b.splitlines(), f"a/{name}", f"b/{name}", lineterm="", n=1)
    )
    return "text:\n      " + "\n      ".join(diff[:40])


def compare_wheels(a: Path, b: Path, *, run_diffoscope: bool = True) -> WheelComparison:
    sha_a, sha_b = sha256_file(a), sha256_file(b)
    if sha_a == sha_b:
        return WheelComparison(a=a, b=b, sha256_a=sha_a, sha256_b=sha_b)
    members: list[MemberDiff] = []
    notes: list[str] = []
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        infos_a = {i.filename: i for i in za.infolist()}
        infos_b = {i.filename: i for i in zb.infolist()}
        for name in sorted(set(infos_a) | set(infos_b)):
            ia, ib = infos_a.get(name), infos_b.get(name)
            if ia is None or ib is None:
                members.append(
                    MemberDiff(
                        name=name,
                        size_a=ia.file_size if ia else None,
                        size_b=ib.file_size if ib else None,
                        detail="only in " + ("the first" if ia else "the second"),
                    )
                )
                continue
            data_a, data_b = za.read(name), zb.read(name)
            if data_a != data_b:
                members.append(
                    MemberDiff(name=name, size_a=len(data_a), size_b=len(data_b), detail=_detail(data_a, data_b, name))
                )
            if ia.date_time != ib.date_time:
                notes.append(f"{name}: timestamp {ia.date_time} vs {ib.date_time}")
            if ia.external_attr != ib.external_attr:
                notes.append(f"{name}: mode {ia.external_attr >> 16:o} vs {ib.external_attr >> 16:o}")
        if [i.filename for i in za.infolist()] != [i.filename for i in zb.infolist()]:
            notes.append("members are stored in a different order")
    report = None
    if run_diffoscope and shutil.which("diffoscope"):
        out = probe(["diffoscope", "--text", "-", str(a), str(b)], timeout=None)
        report = out.stdout[-20000:] if out is not None else None
    return WheelComparison(
        a=a, b=b, sha256_a=sha_a, sha256_b=sha_b, members=members, archive_notes=notes, diffoscope=report
    )
