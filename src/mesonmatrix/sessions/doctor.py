"""``nox -s doctor``: the table of what the selected cells need, found or missing."""

from __future__ import annotations

from pathlib import Path

import nox

from ..doctor.checks import format_table, run_checks
from .cells import load_or_exit


def doctor_session(session: nox.Session, project_root: Path) -> None:
    matrices = load_or_exit(project_root)
    cells = matrices.matrix.by_session()
    unknown = [name for name in session.posargs if name not in cells]
    if unknown:
        session.error(f"not cells of the matrix: {', '.join(unknown)}")
    selected = [cells[n] for n in session.posargs] if session.posargs else list(cells.values())
    commands: dict[str, tuple[str, str]] = {}
    for preset in (matrices.presets[t] for t in sorted({c.target for c in selected})):
        for command, package in preset.system_requires.items():
            commands[f"{command} (target {preset.name})"] = (command, package)
    checks = run_checks(selected, commands)
    print(format_table(checks))
    missing = [c.item for c in checks if not c.ok]
    if missing:
        session.error(f"missing: {', '.join(missing)}")
