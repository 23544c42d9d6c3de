"""Platforms a cell can target, and which one this host is."""

from __future__ import annotations

import platform as _platform
import sys
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Platform:
    name: str
    os: str  # "linux", "macos" or "windows": selects the repair tool
    arch: str


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(name="linux-x86_64", os="linux", arch="x86_64"),
        Platform(name="linux-aarch64", os="linux", arch="aarch64"),
        Platform(name="macos-arm64", os="macos", arch="arm64"),
        Platform(name="macos-x86_64", os="macos", arch="x86_64"),
        Platform(name="windows-amd64", os="windows", arch="amd64"),
    )
}

_OS_BY_SYS_PLATFORM = {"linux": "linux", "darwin": "macos", "win32": "windows"}
_ARCH_ALIASES = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "arm64", "aarch64": "aarch64"}


def host_platform_name(sys_platform: str | None = None, machine: str | None = None) -> str:
    """The PLATFORMS key this host builds for natively, e.g. ``linux-x86_64``."""
    os_name = _OS_BY_SYS_PLATFORM.get(sys_platform or sys.platform, sys_platform or sys.platform)
    arch = _ARCH_ALIASES.get((machine or _platform.machine()).lower(), (machine or "").lower())
    if os_name == "windows" and arch == "x86_64":
        arch = "amd64"
    if os_name == "macos" and arch == "aarch64":
        arch = "arm64"
    return f"{os_name}-{arch}"
