"""nox's "which optional venv backends are there?" answered only for a session that asks.

Before every session it runs, nox (2025.x to 2026.10 at least) reads which optional venv
backends this machine has (``nox.virtualenv._optional_venvs``, from ``get_virtualenv``),
and working that out runs ``uv self version``, looks for conda, mamba and micromamba and
checks rattler: 0.01-0.02 s of every cell here (a uv start; it looked like 0.08 s under
strace, which slows every process start), though a cell's session has
``venv_backend="none"`` and nox never uses a backend for it (a cell makes its venvs with
uv itself). nox takes the answers from the module attribute ``OPTIONAL_VENVS`` when one is
set (its own tests set it), and otherwise computes them in the module's ``__getattr__``.

``defer_optional_backends`` sets that attribute to a dict that computes nox's own answers
on first use, except for the one question a "none" session asks (is "none" optional? nox's
answer never lists it). A maintainer's own sessions in the same noxfile (a uv or conda
backend, a fallback such as ``"uv|virtualenv"``) get exactly nox's answers, computed then.
A nox without that ``__getattr__`` (older, or changed) is left as it is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

NOT_OPTIONAL = "none"  # the backend of every cell: never in nox's dict of optional backends


class OptionalBackends(dict[str, bool]):
    """nox's dict of optional backends, filled from ``compute`` when first read for
    anything but ``"none"``."""

    def __init__(self, compute: Callable[[], dict[str, bool]]) -> None:
        super().__init__()
        self._compute: Callable[[], dict[str, bool]] | None = compute

    def _filled(self) -> OptionalBackends:
        if self._compute is not None:
            compute, self._compute = self._compute, None
            self.update(compute())
        return self

    def get(self, key: str, default: Any = None) -> Any:
        if key == NOT_OPTIONAL and self._compute is not None:
            return default
        return dict.get(self._filled(), key, default)

    def __contains__(self, key: object) -> bool:
        if key == NOT_OPTIONAL and self._compute is not None:
            return False
        return dict.__contains__(self._filled(), key)

    def __getitem__(self, key: str) -> bool:
        return dict.__getitem__(self._filled(), key)

    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self._filled())

    def __len__(self) -> int:
        return dict.__len__(self._filled())

    def __repr__(self) -> str:
        return dict.__repr__(self._filled())

    def keys(self) -> Any:
        return dict.keys(self._filled())

    def values(self) -> Any:
        return dict.values(self._filled())

    def items(self) -> Any:
        return dict.items(self._filled())


def defer_optional_backends() -> bool:
    """Set nox's ``OPTIONAL_VENVS`` to an :class:`OptionalBackends`; False (and nothing
    changed) when this nox computes them some other way or they are set already."""
    virtualenv = importlib.import_module("nox.virtualenv")
    lazily = getattr(virtualenv, "__getattr__", None)
    if not callable(lazily) or "OPTIONAL_VENVS" in vars(virtualenv):
        return False
    # Only a __getattr__ that answers for OPTIONAL_VENVS (the name is one of its constants):
    # a nox that computes them otherwise would get nothing from compute() below.
    if "OPTIONAL_VENVS" not in getattr(getattr(lazily, "__code__", None), "co_consts", ()):
        return False

    def compute() -> dict[str, bool]:
        return dict(lazily("OPTIONAL_VENVS"))

    setattr(virtualenv, "OPTIONAL_VENVS", OptionalBackends(compute))  # noqa: B010 - a module attribute nox reads
    return True
