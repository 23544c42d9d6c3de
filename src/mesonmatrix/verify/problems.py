"""A problem verify found: the member it is about and the rule it breaks."""

from __future__ import annotations

from dataclasses import dataclass

# The rule of a member verify did not read (above the size it reads): not a fault of the
# wheel, but the wheel is then not known to pass. Its verdict is "incomplete".
UNCHECKED = "unchecked"


@dataclass(frozen=True, kw_only=True)
class Problem:
    member: str  # the wheel member (or the wheel's own name, for rules about the whole wheel)
    rule: str  # archive, record, tags, dist-info, binary, arch, glibc, macos-version, library,
    # rpath, split, blas, tests; or UNCHECKED
    detail: str
    # A warning does not fail the wheel: it loads and runs, but something is off (a RUNPATH
    # left pointing at the machine that built it).
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.member}: [{self.rule}] {self.detail}"
