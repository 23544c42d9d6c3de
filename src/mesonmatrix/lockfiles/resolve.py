"""Requirements resolved at run time, for the cells of the ``latest``, ``pre`` and ``oldest``
dependency channels and for each step of the culprit search.

What uv resolves is written as a lock file of the same shape as ``locks/`` (every file
hash-pinned), so the envs install it exactly as they install a lock, and with the index
each package came from (``--emit-index-annotation``): the record lists what the cell
really installed, and what differs from its locks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..redact import redacted, without_credentials
from .pins import read_pins

# "    # from https://pypi.org/simple": the index a package of a resolved file came from.
_FROM_INDEX = re.compile(r"^\s+#\s+from\s+(\S+)\s*$")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True, kw_only=True)
class Indexes:
    """The package indexes a cell resolves and installs from (None: uv's default, PyPI)."""

    index_url: str | None = None
    extra: tuple[str, ...] = ()

    def args(self) -> list[str]:
        """uv's arguments for these indexes; an extra index is asked before the main one."""
        main = ["--index-url", self.index_url] if self.index_url else []
        return [*main, *(arg for url in self.extra for arg in ("--extra-index-url", url))]

    def pinned_install_args(self) -> list[str]:
        """For installing a hash-pinned file: any of the indexes may serve each pinned file
        (the hash, not the index, says which file it is), so a version the extra index lacks
        still comes from the main one. uv's default strategy would look for it only on the
        first index that has the package at all."""
        return [*self.args(), "--index-strategy", "unsafe-best-match"] if self.extra else self.args()

    @property
    def urls(self) -> tuple[str, ...]:
        return (*self.extra, *((self.index_url,) if self.index_url else ()))

    def unused(self, packages: Sequence[Pinned]) -> list[str]:
        """Each extra index (credentials hidden) that served none of ``packages``: a typo
        in its URL (every page 404) is otherwise silent, the main index serving all."""
        served = {(p.index or "").rstrip("/").lower() for p in packages}
        return [redacted(url) for url in self.extra if without_credentials(url).rstrip("/").lower() not in served]


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """How uv resolves one env's requirements."""

    prereleases: bool = False  # the ``pre`` channel
    lowest_direct: bool = False  # ``oldest``: the lowest versions of the direct requirements
    only_binary: bool = False  # ``oldest``: a version that installs from a wheel on this Python
    best_match: bool = False  # the culprit's steps: any index may serve a version (see pinned_install_args)


def compile_argv(uv: str, inputs: Path, out: Path, python: Path, indexes: Indexes, how: Resolution,
                 constraints: Path | None = None) -> list[str]:
    """``uv pip compile`` of ``inputs`` for the cell's own interpreter, into ``out``: hashed,
    each package with its index. An existing ``out`` is read by uv as preferences (the
    culprit's steps seed it with the good versions)."""
    argv = [uv, "pip", "compile", "--python", str(python), "--generate-hashes", "--emit-index-annotation",
            "--no-header", "--quiet", *indexes.args(), "-o", str(out), str(inputs)]
    # latest and oldest take a pre-release only where a requirement names one: uv's default
    # would also take one when an index has nothing else, which is all a nightly-wheels
    # index has (the latest cell then saw what only the pre cell should).
    argv += ["--prerelease", "allow" if how.prereleases else "explicit"]
    if how.lowest_direct:
        argv += ["--resolution", "lowest-direct"]
    if how.only_binary:
        argv += ["--only-binary", ":all:"]
    if how.best_match and indexes.extra:
        argv += ["--index-strategy", "unsafe-best-match"]
    if constraints is not None:
        argv += ["--constraints", str(constraints)]
    return argv


@dataclass(frozen=True, kw_only=True)
class Pinned:
    """One package of a resolved (or locked) file: its version and the index it came from."""

    name: str
    version: str
    index: str | None = None
    hashes: frozenset[str] = frozenset()  # the sha256 of each file it may be installed from


def read_resolved(lock: Path) -> list[Pinned]:
    """Every package a resolved (or locked) file pins, with its ``# from`` index when uv
    wrote one and the hashes of its files. A universal lock lists a package once per
    marker: each entry is its own."""
    found: list[Pinned] = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        index, hashes = _FROM_INDEX.match(line), _HASH.findall(line)
        if (index or hashes) and found and line[:1] in " \t":  # the entry's own continuation lines
            last = found[-1]
            found[-1] = replace(last, index=index.group(1) if index else last.index,
                                hashes=last.hashes | frozenset(hashes))
        if index or not line.strip() or line[0] in " \t#-":
            continue
        try:
            requirement = Requirement(line.rstrip("\\").split(" --", 1)[0].strip())
        except InvalidRequirement:
            continue
        version = next((s.version for s in requirement.specifier if s.operator in ("==", "===")), "")
        found.append(Pinned(name=str(canonicalize_name(requirement.name)), version=version,
                            hashes=frozenset(_HASH.findall(line))))
    return found


@dataclass(frozen=True, kw_only=True)
class Change:
    """A package whose version differs between two sets: the lock (or a good run) and what
    a cell resolved. None on one side: the package is only in the other."""

    env: str  # "build" or "test"
    name: str
    locked: str | None
    resolved: str | None
    # The same version as the lock's from another file (none of the lock's hashes): a
    # nightly index republishes X.Y.0.dev0 every night with new contents.
    rebuilt: bool = False

    @property
    def text(self) -> str:
        if self.rebuilt:
            return f"{self.name} {self.resolved} rebuilt (another file than the lock's)"
        return f"{self.name} {self.locked or '(not locked)'} -> {self.resolved or '(not installed)'}"


def rebuilt(env: str, lock: Path, resolved: Sequence[Pinned]) -> list[Change]:
    """Packages ``resolved`` installs at a version the lock pins, from a file none of the
    lock's hashes names."""
    locked: dict[tuple[str, str], frozenset[str]] = {}
    for pin in read_resolved(lock):
        locked[(pin.name, pin.version)] = locked.get((pin.name, pin.version), frozenset()) | pin.hashes
    return [Change(env=env, name=p.name, locked=p.version, resolved=p.version, rebuilt=True) for p in resolved
            if p.hashes and locked.get((p.name, p.version)) and not p.hashes & locked[(p.name, p.version)]]


def changes(env: str, locked: dict[str, tuple[str, ...]], resolved: Sequence[Pinned],
            everywhere: frozenset[str] | None = None) -> list[Change]:
    """What ``resolved`` installs that ``locked`` (name -> its versions, one per marker) does
    not pin, and what ``locked`` pins that ``resolved`` leaves out: of a universal lock, only
    what it pins without a marker (``everywhere``), since the rest may be another platform's."""
    now = {p.name: p.version for p in resolved}
    found = [Change(env=env, name=name, locked=locked[name][0] if locked.get(name) else None, resolved=version)
             for name, version in sorted(now.items()) if version not in locked.get(name, ())]
    found += [Change(env=env, name=name, locked=versions[0], resolved=None)
              for name, versions in sorted(locked.items()) if name not in now and versions and versions[0]
              and (everywhere is None or name in everywhere)]
    return found


def unconditional(lock: Path) -> frozenset[str]:
    """The packages a lock pins without a marker: every platform and Python installs them."""
    names = set()
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.strip() and line[0] not in " \t#-":
            try:
                requirement = Requirement(line.rstrip("\\").split(" --", 1)[0].strip())
            except InvalidRequirement:
                continue
            if requirement.marker is None:
                names.add(str(canonicalize_name(requirement.name)))
    return frozenset(names)


def drift_from_lock(env: str, lock: Path | None, resolved: Path) -> list[Change]:
    """Each package of ``resolved`` whose version is not the one ``lock`` pins. A universal
    lock pins some packages once per marker: any of its versions counts as the lock's."""
    if lock is None or not lock.is_file():
        return []
    now = read_resolved(resolved)
    return [*changes(env, read_pins(lock).versions, now, unconditional(lock)), *rebuilt(env, lock, now)]


def uv_failure(output: str, indexes: Indexes) -> str:
    """uv's failure to resolve, in one line: the index that cannot be reached, by its URL;
    a resolution with no solution, with uv's own reason; else uv's first error line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    causes = [line.removeprefix("cause:").strip() for line in lines if line.startswith("cause:")]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    for url in indexes.urls:
        # uv names an index without its credentials; the message names it with them hidden.
        bare = without_credentials(url).rstrip("/")
        if any(bare.lower() in line.lower() for line in lines) and (
                any(word in " ".join(lines) for word in ("Connect", "connect", "dns", "timed out", "Failed to fetch"))):
            return f"the package index {redacted(url)} cannot be reached: {(causes or errors or ['no answer'])[-1]}"
    if any("No solution found" in line for line in errors):
        reason = next((c for c in causes if c.startswith("Because")), causes[-1] if causes else "")
        return f"no versions satisfy the requirements: {reason or errors[0]}"
    return (errors or lines or ["uv failed without a message"])[0] + (f": {causes[-1]}" if causes else "")
