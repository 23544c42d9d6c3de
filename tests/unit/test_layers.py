"""The package layers the README's and the docs' layout (docs/design/layout.md) draw: each package (or top-level module)
of ``src/mesonmatrix`` imports only from the layers below its own, never from a sibling
in its layer, so there is no import cycle and a feature never reaches into another."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first; keep in step with the layout drawn in the README and docs/design/layout.md.
LAYERS = [
    ["errors"],
    ["model"],
    ["record"],
    ["machine", "schemagen"],
    ["platforms", "providers", "binaries", "wheels"],
    ["repairers"],
    ["config"],
    ["targets", "store", "options"],
    ["lockfiles"],
    ["plan"],
    ["testing", "repackage"],
    ["verify", "report", "doctor"],  # features that run no cell: never the stages
    ["stages"],
    ["pipeline"],
    ["compare", "adopt"],  # features that run cells or write a project's files
    ["sessions", "cli"],
    ["__main__"],
]
LAYER_OF = {unit: index for index, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    """The layer unit of ``mesonmatrix.a.b``: its subpackage or top-level module ``a``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, where) for every import of the package's own modules,
    leaving out those under ``if TYPE_CHECKING``, which never run."""
    found = []
    for path in (SRC / "mesonmatrix").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        package = parts[:-1] if parts[-1] != "__init__" else parts
        tree = ast.parse(path.read_text())
        typing_only = {id(node) for branch in ast.walk(tree)
                       if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
                       for node in ast.walk(branch)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mesonmatrix"):
                target = node.module or ""
            else:
                continue
            names = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            for name in names:
                found.append((_unit(".".join(parts)), _unit(name), f"{path.relative_to(SRC)}:{node.lineno}"))
    return found


def test_every_package_has_a_layer():
    units = {p.name for p in (SRC / "mesonmatrix").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    units |= {p.stem for p in (SRC / "mesonmatrix").glob("*.py") if p.stem != "__init__"}
    assert units == set(LAYER_OF), "add the new package or module to LAYERS and to the layout in the docs"


def test_imports_point_down():
    found = _imports()
    assert len(found) > 300  # the walk really saw the package's imports
    wrong = [f"{where}: {importer} may not import {imported}" for importer, imported, where in found
             if importer != imported and "__init__" not in (importer, imported)
             and LAYER_OF[imported] >= LAYER_OF[importer]]
    assert not wrong, "\n".join(wrong)
