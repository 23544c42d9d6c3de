"""The languages a target's meson.build files declare (``project('x', 'c', 'cpp')``,
``add_languages('fortran')``), read with meson's own parser, never by running meson: a
compiler missing for one of them is then named before the build, with the package that
provides it, instead of surfacing as meson's list of ten unknown compilers.

Only the files the build reaches are read, the way meson reads them: the root
``meson.build`` and, from there, each ``subdir()`` it calls. A tree holds many
meson.build files the build never enters: NumPy's sdist ships its vendored meson's own
test cases (1,440 files, one of them a C# project), and doc examples and test fixtures
are projects of their own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .mesonoptions import node_name
from .parsecache import remembered_walk

if TYPE_CHECKING:
    from mesonbuild import mparser


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


def _nodes(node: object, seen: set[int]) -> list[object]:
    """Every parser node below ``node``, found by walking the parser's nodes (not with
    meson's AstVisitor: importing mesonbuild.ast runs dpkg-architecture, which runs $CC)."""
    if id(node) in seen:
        return []
    seen.add(id(node))
    found = [node] if type(node).__module__.startswith("mesonbuild") else []
    for child in _children(node):
        found += _nodes(child, seen)
    return found


def _calls(nodes: list[object]) -> list[mparser.FunctionNode]:
    """The function calls among a file's ``nodes``, in the order they are written."""
    from mesonbuild import mparser

    calls = [n for n in nodes if isinstance(n, mparser.FunctionNode)]
    return sorted(calls, key=lambda c: (c.lineno, c.colno))


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
    """Every language the meson.build files the build reaches require, first declaration
    of each; remembered in ``cache_dir`` (when it exists) while none of those changes."""
    return remembered_walk(
        cache_dir, "languages-2", source_dir, lambda: _parse(source_dir),
        encode=lambda found: [asdict(language) for language in found],
        decode=_decoded,
    )


def _decoded(value: Any) -> tuple[DeclaredLanguage, ...]:
    found = tuple(DeclaredLanguage(name=language["name"], where=language["where"]) for language in value)
    if not all(isinstance(language.name, str) and isinstance(language.where, str) for language in found):
        raise TypeError("a remembered language of the wrong shape")
    return found


def _parse(source_dir: Path) -> tuple[tuple[DeclaredLanguage, ...], list[Path]]:
    """The languages, and every meson.build the walk read or looked for (one that is
    missing is kept too: its appearing must make the walk run again)."""
    from mesonbuild import mparser

    found: dict[str, DeclaredLanguage] = {}
    pending, read = [source_dir / "meson.build"], []
    while pending:
        build_file = pending.pop(0)
        if build_file in read:
            continue
        read.append(build_file)
        relative = build_file.relative_to(source_dir)
        try:
            tree = mparser.Parser(build_file.read_text(encoding="utf-8"), str(relative)).parse()
        except (mparser.ParseException, UnicodeDecodeError, OSError):
            continue  # meson itself will say what is wrong with (or missing from) the file
        nodes = _nodes(tree, set())  # one walk of the file's tree, for its calls and its names
        calls = _calls(nodes)
        for language in (lang for call in calls for lang in _declared(call, str(relative))):
            found.setdefault(language.name, language)
        pending += [path for path in _subdirs(nodes, calls, build_file.parent, source_dir) if path not in read]
    return tuple(found.values()), read


def _subdirs(nodes: list[object], calls: list[mparser.FunctionNode], folder: Path, source_dir: Path) -> list[Path]:
    """The meson.build files a file's ``subdir()`` calls enter, in call order. An argument
    is a string, or a name a ``foreach`` over strings or an assignment of one gives; any
    other expression (a joined path, a function's result) meson works out at configure
    time, and its languages are left to meson to check."""
    from mesonbuild import mparser

    bound = _string_bindings(nodes)
    entered = []
    for call in (c for c in calls if node_name(c.func_name) == "subdir" and c.args.arguments):
        argument = call.args.arguments[0]
        if isinstance(argument, mparser.StringNode):
            names = [argument.value]
        elif isinstance(argument, mparser.IdNode):
            names = bound.get(argument.value, [])
        else:
            names = []
        for name in names:
            path = (folder / name / "meson.build").resolve()
            if path.is_relative_to(source_dir.resolve()):  # meson refuses a subdir outside the tree
                entered.append(source_dir / path.relative_to(source_dir.resolve()))
    return entered


def _string_bindings(nodes: list[object]) -> dict[str, list[str]]:
    """Names bound to strings in one file: ``foreach d : ['a', 'b']`` and ``d = 'a'``."""
    from mesonbuild import mparser

    bound: dict[str, list[str]] = {}
    for node in nodes:
        if isinstance(node, mparser.ForeachClauseNode) and len(node.varnames) == 1 \
                and isinstance(node.items, mparser.ArrayNode):
            strings = [item.value for item in node.items.args.arguments if isinstance(item, mparser.StringNode)]
            bound.setdefault(node_name(node.varnames[0]), []).extend(strings)
        elif isinstance(node, mparser.AssignmentNode) and isinstance(node.value, mparser.StringNode):
            bound.setdefault(node_name(node.var_name), []).append(node.value.value)
    return bound
