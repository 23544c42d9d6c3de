"""A distro packager's loosening of ``[build-system] requires``: every upper bound dropped
except those that must stay (numpy's always), and the resolved versions compared with
the bounds the project declared.

The SciPy seed: released versions carry upper bounds on build dependencies, and
"packagers are free to remove or loosen those upper bounds in most cases (except for
numpy)". An upper bound is ``<``, ``<=``, the ceiling of ``~=`` and of ``==X.*``, and an
exact pin (``==``); each becomes the floor it implies, so lower bounds still hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import canonicalize_name

# Bounds that stay whatever the target says, with the reason the record gives.
ALWAYS_KEPT = {
    "numpy": "numpy's bound stays (the SciPy seed: packagers may loosen every bound 'except for numpy'): "
             "an extension is built against one numpy C API and needs a numpy that provides it",
}


@dataclass(frozen=True, kw_only=True)
class Loosening:
    requirements: tuple[str, ...]  # what the build env installs and the copied pyproject.toml declares
    loosened: tuple[str, ...]  # the original requirement strings whose upper bounds were dropped
    kept: dict[str, str] = field(default_factory=dict)  # original requirement string -> why its bound stays
    original: dict[str, str] = field(default_factory=dict)  # canonical name -> original requirement string


def _floor(spec: Specifier) -> list[str]:
    """What remains of one specifier once its upper bound is gone."""
    op, version = spec.operator, spec.version
    if op in ("<", "<="):
        return []
    if op in ("~=", "==", "==="):
        return [f">={version.removesuffix('.*')}"]
    return [str(spec)]  # >=, >, != : not upper bounds


def without_upper_bounds(requirement: Requirement) -> Requirement | None:
    """``requirement`` with its upper bounds dropped, or None when it has none."""
    specs = list(requirement.specifier)
    if not any(s.operator in ("<", "<=", "~=", "==", "===") for s in specs):
        return None
    loosened = Requirement(str(requirement))
    loosened.specifier = SpecifierSet(",".join(f for s in specs for f in _floor(s)))
    return loosened


def loosen(requires: Sequence[str], keep: Mapping[str, str] | None = None) -> Loosening:
    """``keep``: names (any spelling) whose bounds stay, each with its reason, on top of numpy."""
    kept_names = {canonicalize_name(k): v for k, v in {**ALWAYS_KEPT, **dict(keep or {})}.items()}
    out: list[str] = []
    loosened: list[str] = []
    kept: dict[str, str] = {}
    original: dict[str, str] = {}
    for text in requires:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        original[name] = text
        wider = without_upper_bounds(requirement)
        if wider is None:
            out.append(text)
        elif name in kept_names:
            out.append(text)
            kept[text] = kept_names[name]
        else:
            out.append(str(wider))
            loosened.append(text)
    return Loosening(requirements=tuple(out), loosened=tuple(loosened), kept=kept, original=original)


def above_bounds(original: Mapping[str, str], resolved: Mapping[str, str]) -> dict[str, str]:
    """Resolved versions that the original requirements would not have allowed:
    canonical name -> "<version>, above <the original specifier>"."""
    found = {}
    for name, text in original.items():
        version = resolved.get(name)
        specifier = Requirement(text).specifier
        if version is not None and not specifier.contains(version, prereleases=True):
            found[name] = f"{version}, above {specifier}"
    return found


def _mentions(text: str, name: str) -> bool:
    """``name`` as a word of ``text`` (meson-python also spelled meson_python; "meson" not
    inside "meson-python", nor in the file name meson.build)."""
    spelled = re.escape(name).replace(r"\-", "[-_]")
    return re.search(rf"(?<![\w-]){spelled}(?![\w-]|\.build)", text, re.IGNORECASE) is not None


def likely_culprit(above: Mapping[str, str], failure: str) -> str | None:
    """The dependency most likely behind a failure: the only one above its bound, else the
    one the failure's first line (the reason, before commands and paths) names; None when
    that is not clear."""
    if len(above) == 1:
        return next(iter(above))
    reason = (failure.strip().splitlines() or [""])[0]
    named = [name for name in above if _mentions(reason, name)]
    return named[0] if len(named) == 1 else None
