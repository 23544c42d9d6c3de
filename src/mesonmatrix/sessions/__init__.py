"""The nox sessions: one per matrix cell (``cells``), and the tools around them
(``report``, ``rebuild-compare``, ``lock``, ``doctor``, ``clean``). The noxfile calls
``register_cells`` and ``register_tools`` and nothing else."""

from __future__ import annotations

from .cells import register_cells
from .tools import register_tools

__all__ = ["register_cells", "register_tools"]
