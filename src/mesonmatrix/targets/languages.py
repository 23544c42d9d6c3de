"""The languages a target's meson.build files declare (``project('x', 'c', 'cpp')``,
``add_languages('fortran')``), read with meson's own parser, never by running meson: a
compiler missing for one of them is then named before the build, with the package that
provides it, instead of surfacing as meson's list of ten unknown compilers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .mesonoptions import node_name
from .parsecache import remembered

if TYPE_CHECKING:
    from mesonbuild import mparser

# Folders whose meson.build files are not the project's own (subprojects build only
# when asked for, and declare their languages for themselves).
_NOT_THE_PROJECTS = {"subprojects", ".git", "build", "builddir"}


@dataclass(frozen=True, kw_only=True)
class DeclaredLanguage:
    name: str  # meson's name: c, cpp, fortran, cython, d, rust …
    where: str  # the file and line that declares it, relative to the source tree


def _children(node: object) -> list[object]:
    """The parts of a parser node that may hold more nodes."""
    if isinstance(node, (list, tuple)):
        return list(node)
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    if type(node).__module__.startswith("mesonbuild") and hasattr(node, "__dict__"):
        return list(vars(node).values())
    return []


def _calls(node: object, seen: set[int]) -> list[mparser.FunctionNode]:
    """Every function call below ``node``, found by walking the parser's nodes (not with
    meson's AstVisitor: importing mesonbuild.ast runs dpkg-architecture, which runs $CC)."""
    from mesonbuild import mparser

    if id(node) in seen:
        return []
    seen.add(id(node))
    found = [node] if isinstance(node, mparser.FunctionNode) else []
    for child in _children(node):
        found += _calls(child, seen)
    return found


def _declared(call: mparser.FunctionNode, file: str) -> list[DeclaredLanguage]:
    from mesonbuild import mparser

    name = node_name(call.func_name)
    if name not in ("project", "add_languages"):
        return []
    required = next((v for k, v in call.args.kwargs.items() if node_name(k) == "required"), None)
    if name == "add_languages" and required is not None and getattr(required, "value", None) is not True:
        return []  # an optional language: meson goes on without its compiler
    positional = call.args.arguments[1:] if name == "project" else call.args.arguments
    found = []
    for argument in positional:
        items = argument.args.arguments if isinstance(argument, mparser.ArrayNode) else [argument]
        found += [DeclaredLanguage(name=item.value.lower(), where=f"{file}:{item.lineno}")
                  for item in items if isinstance(item, mparser.StringNode)]
    return found


def declared_languages(source_dir: Path, cache_dir: Path | None = None) -> tuple[DeclaredLanguage, ...]:
    """Every language the project's meson.build files require, first declaration of each;
    remembered in ``cache_dir`` (when it exists) while no meson.build changes."""
    files = [f for f in sorted(source_dir.rglob("meson.build"))
             if not _NOT_THE_PROJECTS & set(f.relative_to(source_dir).parts[:-1])]
    return remembered(
        cache_dir, "languages-1", source_dir, files, lambda: _parse(source_dir, files),
        encode=lambda found: [asdict(language) for language in found],
        decode=_decoded,
    )


def _decoded(value: Any) -> tuple[DeclaredLanguage, ...]:
    found = tuple(DeclaredLanguage(name=language["name"], where=language["where"]) for language in value)
    if not all(isinstance(language.name, str) and isinstance(language.where, str) for language in found):
        raise TypeError("a remembered language of the wrong shape")
    return found


def _parse(source_dir: Path, files: list[Path]) -> tuple[DeclaredLanguage, ...]:
    from mesonbuild import mparser

    found: dict[str, DeclaredLanguage] = {}
    for build_file in files:
        relative = build_file.relative_to(source_dir)
        try:
            tree = mparser.Parser(build_file.read_text(encoding="utf-8"), str(relative)).parse()
        except (mparser.ParseException, UnicodeDecodeError, OSError):
            continue  # meson itself will say what is wrong with the file
        calls = sorted(_calls(tree, set()), key=lambda c: (c.lineno, c.colno))
        for language in (lang for call in calls for lang in _declared(call, str(relative))):
            found.setdefault(language.name, language)
    return tuple(found.values())
