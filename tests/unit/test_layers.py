"""The package layers the README's and the docs' layout (docs/design/layout.md) draw: each package (or top-level module)
of ``src/mesonmatrix`` imports only from the layers below its own, never from a sibling
in its layer, so there is no import cycle and a feature never reaches into another."""

import ast
from pathlib import Path

from mesonmatrix.layers import LAYERS as TABLE

SRC = Path(__file__).resolve().parents[2] / "src"

# The one table (mesonmatrix/layers.py), which the docs' drawing is made from too.
LAYERS = [list(layer.units) for layer in TABLE]
LAYER_OF = {unit: index for index, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    """The layer unit of ``mesonmatrix.a.b``: its subpackage or top-level module ``a``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, where) for every import of the package's own modules,
    those under ``if TYPE_CHECKING`` too: a type names what a module depends on."""
    found = []
    for path in (SRC / "mesonmatrix").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        package = parts[:-1] if parts[-1] != "__init__" else parts
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
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


def _module_imports() -> dict[str, set[str]]:
    """Module -> the package's own modules it imports at its top level (what runs when it
    is imported), by dotted name; an import of a package counts as its ``__init__``."""
    modules = {".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
               for p in (SRC / "mesonmatrix").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in (SRC / "mesonmatrix").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        name = ".".join(parts).removesuffix(".__init__")
        package = parts[:-1] if parts[-1] != "__init__" else parts
        targets: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            branches = [node, *node.body] if isinstance(node, ast.If) else [node]  # TYPE_CHECKING blocks too
            for item in branches:
                own = isinstance(item, ast.ImportFrom) and (item.level or (item.module or "").startswith("mesonmatrix"))
                if not own:
                    continue
                base = ".".join([*package[: len(package) - item.level + 1], *([item.module] if item.module else [])]) \
                    if item.level else item.module or ""
                for alias in item.names:
                    candidate = f"{base}.{alias.name}"
                    targets.add(candidate if candidate in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_no_module_imports_itself_round_a_circle_inside_a_package():
    """The layers keep packages apart; inside one, its modules must not import each other in a circle."""
    graph = _module_imports()
    circles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for nxt in graph.get(module, ()):
                if nxt == start:
                    circles.append(" -> ".join([*path, nxt]))
                elif nxt not in seen and nxt.rsplit(".", 1)[0] == start.rsplit(".", 1)[0]:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert not circles, "\n".join(sorted(set(circles)))


def test_every_exception_of_the_package_is_under_the_one_root():
    """errors.py holds the root and every error the tool raises for its users; no module
    defines an exception of its own beside it (record.py and the CI matrix once did)."""
    elsewhere = []
    for path in (SRC / "mesonmatrix").rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            bases = [ast.unparse(b) for b in node.bases] if isinstance(node, ast.ClassDef) else []
            if any(b.endswith(("Error", "Exception", "Warning")) and not b.startswith(("errors.", "Mesonmatrix"))
                   for b in bases) and not any(b in _OUR_ERRORS or b in _A_LIBRARYS_PROTOCOL for b in bases):
                elsewhere.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.name}({', '.join(bases)})")
    assert not elsewhere, "\n".join(elsewhere)


# Raised inside a library's own machinery, which catches only its own kind: a tarfile
# extraction filter signals a refused member with a tarfile error (targets/unpack.py
# turns it into a TargetError for the user).
_A_LIBRARYS_PROTOCOL = {"tarfile.TarError"}
_OUR_ERRORS = {node.name for node in ast.walk(ast.parse((SRC / "mesonmatrix" / "errors.py").read_text()))
               if isinstance(node, ast.ClassDef)}
