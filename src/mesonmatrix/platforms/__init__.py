"""Platforms a cell can target (one module per OS), and which one this host is.

Adding a platform is adding its module and one entry in ``PLATFORMS``.
"""

from __future__ import annotations

import platform as _platform
import sys

from .base import Platform
from .linux import Linux
from .macos import MacOS
from .windows import Windows

__all__ = ["PLATFORMS", "Platform", "host_platform_name"]

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Linux(arch="x86_64", runner_label="ubuntu-24.04"),
        Linux(arch="aarch64", runner_label="ubuntu-24.04-arm"),
        # macos-14 is deprecated (actions/runner-images#13518); macos-15 is arm64, and its
        # Accelerate has the new LAPACK that NumPy's macOS 14 wheels need.
        MacOS(arch="arm64", runner_label="macos-15"),
        # The macOS 13 image was retired on 2025-12-04; macos-15-intel is GitHub's last x86_64 macOS
        # image, kept until August 2027 (actions/runner-images#13045, #13046).
        MacOS(arch="x86_64", runner_label="macos-15-intel"),
        # Supported, with Visual Studio 2022 (actions/runner-images README, August 2026).
        Windows(arch="amd64", runner_label="windows-2022"),
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
