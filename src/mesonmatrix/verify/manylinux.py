"""Rules for ELF wheels: the architecture and the glibc (and libstdc++, libgcc) symbol
versions against each manylinux tag the wheel claims, and libraries either bundled on the
binary's RUNPATH or on the tag's list of system libraries.

The policies are auditwheel's own (``auditwheel/policy/manylinux-policy.json``): the same
symbol versions and library lists that auditwheel applies when it repairs a wheel.
"""

from __future__ import annotations

import json
import posixpath
import re
from functools import cache
from importlib import resources

from ..binaries import Binary
from ..machine.extras import require_extra
from .libraries import Resolution, WheelView, relative_to
from .problems import Problem

_TAG = re.compile(r"(?P<policy>(many|musl)linux(_\d+_\d+|1|2010|2014))_(?P<arch>\w+)")
# What the loader loads, and the names it loads it by: extension modules (.so, any ABI
# suffix) and shared libraries (.so, .so.1.2.3).
FORMAT = "ELF"
LOADABLE = re.compile(r"\.so(\.[0-9]+)*$")


@cache
def _policies(family: str) -> dict[str, dict[str, object]]:
    """Each policy by its name and its aliases (manylinux2014 is manylinux_2_17)."""
    require_extra("verify", "checking a wheel against its manylinux policy", ("auditwheel",))
    text = resources.files("auditwheel.policy").joinpath(f"{family}-policy.json").read_text(encoding="utf-8")
    by_name: dict[str, dict[str, object]] = {}
    for policy in json.loads(text):
        for name in [policy["name"], *policy.get("aliases", [])]:
            by_name[name] = policy
    return by_name


def applies(platform: str) -> bool:
    return platform.startswith(("manylinux", "musllinux", "linux_"))


def _policy(platform: str) -> tuple[dict[str, object] | None, str]:
    match = _TAG.fullmatch(platform)
    if not match:
        return None, platform.rsplit("_", 1)[-1] if "_" in platform else platform
    family = "musllinux" if match["policy"].startswith("musl") else "manylinux"
    return _policies(family).get(match["policy"]), match["arch"]


def resolve(binary: Binary, view: WheelView) -> list[Resolution]:
    policy, _arch = _policy(view.platform)
    allowed = set(policy["lib_whitelist"]) if policy else set()  # type: ignore[call-overload]
    found = []
    for name in binary.needed:
        path = next((p for d in _origin_dirs(binary) if (p := posixpath.join(d, name)) in view.members), None)
        source = "wheel" if path else "system" if name in allowed or _is_loader(name) else "missing"
        found.append(Resolution(needed_by=binary.member, name=name, provided_by=source, path=path))
    return found


def _is_loader(name: str) -> bool:
    """glibc's dynamic loader comes with glibc: auditwheel's policies skip it the same way
    (auditwheel/policy/__init__.py: ld-linux* on most arches, ld64.so.2 on s390x, ld64.so.1
    on ppc64le)."""
    return name.startswith("ld-linux") or name in ("ld64.so.1", "ld64.so.2")


def _origin_dirs(binary: Binary) -> list[str]:
    return [relative_to(binary, entry.replace("$ORIGIN", ".").replace("${ORIGIN}", "."))
            for entry in binary.search_paths if entry.startswith(("$ORIGIN", "${ORIGIN}"))]


def check(binary: Binary, view: WheelView, bundled: set[str]) -> list[Problem]:
    """``bundled``: names of libraries this binary finds in the wheel (their versions are the wheel's own)."""
    platform = view.platform
    if platform.startswith("linux_"):
        return [Problem(member=binary.member, rule="tags",
                        detail=f"{platform} is not a portable tag: the wheel was never repaired")]
    policy, arch = _policy(platform)
    if policy is None:
        return [Problem(member=binary.member, rule="tags", detail=f"no auditwheel policy for {platform}")]
    problems = []
    if arch not in binary.archs:
        problems.append(Problem(member=binary.member, rule="arch",
                                detail=f"built for {binary.archs[0]}, tagged {arch}"))
    for entry in binary.search_paths:
        if not entry.startswith(("$ORIGIN", "${ORIGIN}")):
            # SciPy 1.17.1's official wheel has one (cython_special: the build's scipy_openblas32
            # folder): harmless unless that path exists where the wheel is installed.
            problems.append(Problem(member=binary.member, rule="rpath", warning=True,
                                    detail=f"RUNPATH entry {entry} points outside the wheel"))
    versions: dict[str, list[str]] = policy["symbol_versions"].get(arch, {})  # type: ignore[attr-defined]
    for library, needs in binary.symbol_versions.items():
        if library in bundled or _is_loader(library):
            continue
        for need in needs:
            prefix, _, version = need.partition("_")
            if prefix in versions and version not in versions[prefix]:
                problems.append(Problem(member=binary.member, rule="glibc",
                                        detail=f"needs {need} from {library}; {platform} allows {prefix} up to "
                                               f"{versions[prefix][-1]}"))
    return problems


def missing_detail(name: str) -> str | None:
    """Nothing to add to "not in the wheel, not a system library" on this platform."""
    return None
