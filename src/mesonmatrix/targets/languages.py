"""The languages a target's meson.build files declare (``project('x', 'c', 'cpp')``,
``add_languages('fortran')``), read with meson's own parser, never by running meson: a
compiler missing for one of them is then named before the build, with the package that
provides it, instead of surfacing as meson's list of ten unknown compilers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..record import write_atomically
from .mesonoptions import node_name

if TYPE_CHECKING:
    from mesonbuild import mparser

# Parsing every meson.build is the costly part of resolving a big target (SciPy 1.17.1's
# 101 files: 0.7 s on every cell, a reused one too), so what they declare is kept in the
# shared cache, one file per source tree, keyed by each meson.build's path, size, mtime,
# ctime and inode (walking the tree for them: 0.03 s). The ctime is the kernel's: a copy
# that keeps the mtime (cp -p, rsync -a, tar) still changes it.
CACHE_FOLDER = "meson-languages"
_FORMAT = 1  # bumped when what an entry holds changes

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
    cache = None
    if cache_dir is not None and cache_dir.is_dir():
        cache = cache_dir / CACHE_FOLDER / f"{hashlib.sha256(str(source_dir).encode()).hexdigest()[:16]}.json"
    key = _signature(source_dir, files)
    remembered = _load(cache, key)
    if remembered is not None:
        return remembered
    found = _parse(source_dir, files)
    if cache is not None:
        _store(cache, {"key": key, "languages": [asdict(language) for language in found]})
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


def _signature(source_dir: Path, files: list[Path]) -> str:
    """The tree and each of its meson.build files' path, size, mtime, ctime and inode, as a
    digest."""
    stats = []
    for file in files:
        with contextlib.suppress(OSError):
            info = file.stat()
            stats.append([file.relative_to(source_dir).as_posix(), info.st_size, info.st_mtime_ns,
                          info.st_ctime_ns, info.st_ino])
    return hashlib.sha256(json.dumps([_FORMAT, str(source_dir), stats]).encode()).hexdigest()


def _load(cache: Path | None, key: str) -> tuple[DeclaredLanguage, ...] | None:
    """The remembered languages, or None: no entry, another key, or a file of any other
    shape (torn, older, written by hand) is parsed again."""
    if cache is None:
        return None
    try:
        entry = json.loads(cache.read_text())
        if entry["key"] != key:
            return None
        return tuple(DeclaredLanguage(**language) for language in entry["languages"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _store(cache: Path, entry: dict[str, object]) -> None:
    """Written whole (``write_atomically``), so a cell reading it never sees half a file; a
    cache that cannot be written only costs the parse next time."""
    with contextlib.suppress(OSError):
        write_atomically(cache, json.dumps(entry))
