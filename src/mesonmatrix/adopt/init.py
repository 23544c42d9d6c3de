"""``python -m mesonmatrix init``: adopt the matrix in a meson-python project's repository.

Writes ``noxfile.py``, ``matrices/default.toml``, ``.github/workflows/mesonmatrix.yml``
and ``locks/``, all derived from what the project declares; refuses to overwrite an
existing file unless ``--force``. Everything the cells write later stays in the
repository (``.matrix/``), never in the tool's install location.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..ci.workflow import workflow_yaml
from ..config.matrixfile import load_matrices
from ..errors import MesonmatrixError
from ..lockfiles.write import lock_target
from ..machine.workspace import Workspace
from ..machine.writing import write_atomically
from ..targets.resolve import read_pyproject, resolve_target, target_from_source
from ..targets.target import Target
from .scaffold import matrix_toml, noxfile_text, supported_pythons


@dataclass(frozen=True)
class InitResult:
    written: tuple[Path, ...]
    locks_written: int


def scaffold_files(root: Path, tool_requirement: str) -> dict[str, str]:
    """Relative path → content of every file ``init`` writes (locks aside)."""
    pyproject = read_pyproject(root)
    target = target_from_source(root)
    pythons = supported_pythons(target, pyproject)
    if not pythons:
        raise MesonmatrixError(f"{target.project_name}'s requires-python {target.requires_python!r} admits none of "
                               "the CPythons a matrix can name")
    return {
        "noxfile.py": noxfile_text(tool_requirement),
        "matrices/default.toml": matrix_toml(target, pythons),
        ".github/workflows/mesonmatrix.yml": workflow_yaml(tool_requirement, presets=(target.name,)),
    }


def where_the_tests_are(target: Target) -> str:
    """One line: where init found the project's tests and how the cells run them, or that
    it found none and what to set."""
    tests = target.tests
    if tests.origin == "cibuildwheel":
        overrides = target.cibuildwheel.get("overrides")
        found = [str(o["_from"]) for o in overrides or [] if isinstance(o, dict) and "_from" in o
                 and "test-command" in o] if isinstance(overrides, list) else []
        where = found[0] if found else str(target.cibuildwheel.get("_from", "[tool.cibuildwheel]"))
        return f"tests: cibuildwheel's test-command, from {where}, run as cibuildwheel runs it"
    if tests.origin == "tests-dir":
        return (f"tests: the {tests.copies[0]}/ folder, run with pytest from a copy, with the project's pytest "
                "configuration")
    if any(p.name.startswith("test") for p in target.source_dir.rglob("test*.py")):
        return f"tests: installed in the package, run with pytest --pyargs {target.import_name}"
    return (f"tests: none found (no test files, no cibuildwheel test-command in pyproject.toml, cibuildwheel.toml "
            f"or .github/workflows): set test_command (or test_dir) in [targets.{target.name}] of "
            "matrices/default.toml; until then the cells run pytest --pyargs and stop at 'no tests collected'")


def init(root: Path, *, force: bool = False, tool_requirement: str = "mesonmatrix", lock: bool = True,
         say: Callable[[str], None] = print) -> InitResult:
    files = scaffold_files(root, tool_requirement)
    existing = [name for name in files if (root / name).exists()]
    if existing and not force:
        raise MesonmatrixError(f"{', '.join(existing)} already exist in {root}: pass --force to overwrite")
    written = []
    for name, text in files.items():
        # Each file whole (a kill between two leaves the others as they were, never half of one,
        # which a rerun would keep: it never overwrites what exists without --force).
        write_atomically(root / name, text)
        written.append(root / name)
        say(f"wrote {root / name}")
    say(where_the_tests_are(target_from_source(root)))
    ignore = root / ".gitignore"
    lines = ignore.read_text().splitlines() if ignore.is_file() else []
    # The cells' build dirs, wheels and results stay in the repository, unversioned, and so
    # does the env nox's script mode installs the tool into.
    missing = [name for name in (".matrix/", ".nox/") if name not in lines and f"/{name}" not in lines]
    if missing:
        write_atomically(ignore, "\n".join([*lines, *missing]) + "\n")
        say(f"added {' and '.join(missing)} to {ignore}")
    locks = 0
    if lock:
        matrices = load_matrices(root / "matrices", root)
        (name,) = matrices.presets
        target = resolve_target(name, matrices.presets, Workspace.default(root).shared_cache)
        locks = lock_target(root, target, matrices.matrix, stale_only=True, say=say, keep_existing=not force).written
        say(f"wrote {locks} lock files under {root / 'locks'}")
    return InitResult(written=tuple(written), locks_written=locks)
