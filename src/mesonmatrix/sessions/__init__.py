"""The nox sessions, one per file and each thin: one per matrix cell (``cells``, in front
of ``pipeline``), and the tools around them (``report``, ``verify``, ``rebuild-compare``,
``lock``, ``doctor``, ``clean``), each in front of the package that does its work
(``report/``, ``verify/``, ``compare/``, ``lockfiles/``, ``doctor/``). ``tools`` registers
the tools. The noxfile calls ``register_cells`` and ``register_tools`` and nothing else.
The entry points outside nox (``mesonmatrix init``, ``ci-matrix``, ``ci-run``) are in ``cli/``."""

from __future__ import annotations

from .cells import register_cells
from .tools import register_tools

__all__ = ["register_cells", "register_tools"]
