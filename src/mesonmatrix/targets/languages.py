"""The languages a target's meson.build files declare (``project('x', 'c', 'cpp')``,
``add_languages('fortran')``), read with meson's own parser, never by running meson: a
compiler missing for one of them is then named before the build, with the package that
provides it, instead of surfacing as meson's list of ten unknown compilers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mesonbuild import mparser
from mesonbuild.ast import AstVisitor

from .mesonoptions import node_name

# Folders whose meson.build files are not the project's own (subprojects build only
# when asked for, and declare their languages for themselves).
_NOT_THE_PROJECTS = {"subprojects", ".git", "build", "builddir"}


@dataclass(frozen=True, kw_only=True)
class DeclaredLanguage:
    name: str  # meson's name: c, cpp, fortran, cython, d, rust …
    where: str  # the file and line that declares it, relative to the source tree


class _Declarations(AstVisitor):  # type: ignore[misc]  # meson ships no type information
    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[DeclaredLanguage] = []

    def visit_FunctionNode(self, node: mparser.FunctionNode) -> None:
        super().visit_FunctionNode(node)
        name = node_name(node.func_name)
        if name not in ("project", "add_languages"):
            return
        required = node.args.kwargs.get(next((k for k in node.args.kwargs if node_name(k) == "required"), None))
        if name == "add_languages" and required is not None and getattr(required, "value", None) is not True:
            return  # an optional language: meson goes on without its compiler
        positional = node.args.arguments[1:] if name == "project" else node.args.arguments
        for argument in positional:
            items = argument.args.arguments if isinstance(argument, mparser.ArrayNode) else [argument]
            for item in items:
                if isinstance(item, mparser.StringNode):
                    self.found.append(DeclaredLanguage(name=item.value.lower(), where=f"{self.file}:{item.lineno}"))


def declared_languages(source_dir: Path) -> tuple[DeclaredLanguage, ...]:
    """Every language the project's meson.build files require, first declaration of each."""
    found: dict[str, DeclaredLanguage] = {}
    for build_file in sorted(source_dir.rglob("meson.build")):
        relative = build_file.relative_to(source_dir)
        if _NOT_THE_PROJECTS & set(relative.parts[:-1]):
            continue
        try:
            tree = mparser.Parser(build_file.read_text(encoding="utf-8"), str(relative)).parse()
        except (mparser.ParseException, UnicodeDecodeError, OSError):
            continue  # meson itself will say what is wrong with the file
        visitor = _Declarations(str(relative))
        tree.accept(visitor)
        for language in visitor.found:
            found.setdefault(language.name, language)
    return tuple(found.values())
