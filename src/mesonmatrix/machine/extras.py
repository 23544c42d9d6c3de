"""The optional parts of the tool and what each needs: ``verify`` (reading wheels of every
platform with the formats' own parsers, and the repair tools' platform rules) and
``repackage`` (deb, rpm and conda cells). A plain install builds, repairs and tests wheel
cells without them; each feature checks its extra when it starts and says in one line
how to install it. The modules are imported where they are used, never at start-up."""

from __future__ import annotations

import importlib.util

from ..errors import PrerequisiteMissing

# Extra -> the importable modules it provides (pyproject.toml's optional-dependencies).
EXTRAS: dict[str, tuple[str, ...]] = {
    "verify": ("auditwheel", "delvewheel", "macholib", "pefile", "installer"),
    "repackage": ("installer", "conda_package_handling"),
}


def require_extra(extra: str, purpose: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise PrerequisiteMissing, one line with the fix, when ``purpose`` cannot run for
    want of ``extra`` (or only of the ``modules`` of it that purpose uses)."""
    absent = [m for m in (modules if modules is not None else EXTRAS[extra]) if importlib.util.find_spec(m) is None]
    if absent:
        raise PrerequisiteMissing(f"{purpose} needs mesonmatrix's {extra!r} extra (missing: {', '.join(absent)}): "
                                  f"python -m pip install 'mesonmatrix[{extra}]'")
