"""What a lock file pins, read back from the file itself, to check it against what the
target declares now.

The ``.in`` beside a lock says what it was compiled from only if the two were written
together; a ``nox -s lock`` killed between writing the new ``.in`` and the new lock left
an old lock that a check of the ``.in`` alone called current. The lock names its own
direct requirements (uv's ``# via -r <file>.in`` notes) and pins a version of each
package, so a lock that lacks a declared requirement, pins it outside its specifier, or
still holds one the target dropped is stale whatever its ``.in`` says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

# A "-r <file>" line of a "# via" note (uv and pip-tools write one per requirements file).
_VIA_FILE = re.compile(r"#\s+(?:via\s+)?-r\s+\S+")


@dataclass(frozen=True)
class LockPins:
    versions: dict[str, tuple[str, ...]]  # each package's pinned versions (one per marker), "" for a URL
    direct: frozenset[str]  # what the lock's notes say was asked for by the input file itself


def read_pins(lock: Path) -> LockPins:
    versions: dict[str, list[str]] = {}
    direct: set[str] = set()
    current: str | None = None
    for line in lock.read_text().splitlines():
        if not line.strip():
            continue
        if line[0] not in " \t#-":
            try:
                # "name==1.0 ; marker \" and its hash lines below; pip's format also allows
                # the options on the requirement's own line.
                requirement = Requirement(line.rstrip("\\").split(" --", 1)[0].strip())
            except InvalidRequirement:
                current = None
                continue
            current = canonicalize_name(requirement.name)
            pinned = [s.version for s in requirement.specifier if s.operator in ("==", "===")]
            versions.setdefault(current, []).extend(pinned or [""])
        elif current is not None and _VIA_FILE.search(line):
            direct.add(current)
    return LockPins(versions={k: tuple(v) for k, v in versions.items()}, direct=frozenset(direct))


def pins_problem(lock: Path, inputs: Sequence[str]) -> str | None:
    """Why ``lock`` does not pin what ``inputs`` declare, or None."""
    pins = read_pins(lock)
    wanted = {}
    for line in inputs:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # uv refuses it when the lock is written, with its own message
        wanted[canonicalize_name(requirement.name)] = requirement
    for name, requirement in sorted(wanted.items()):
        found = pins.versions.get(name)
        if not found:
            if requirement.marker is not None:
                continue  # uv leaves out what no Python or platform of the lock can need
            return f"it pins no {requirement.name}, which the target asks for"
        if requirement.url is None and not any(
                not v or requirement.specifier.contains(v, prereleases=True) for v in found):
            return f"it pins {requirement.name}=={found[0]}, outside {requirement} which the target asks for"
    dropped = sorted(pins.direct - set(wanted))
    if dropped:
        return f"it asks for {', '.join(dropped)} itself, which the target no longer does"
    return None
