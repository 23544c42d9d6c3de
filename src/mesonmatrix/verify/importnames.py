"""The names a wheel's code is imported by, read from the wheel itself.

A distribution's name is not an import name: psycopg2-binary installs ``psycopg2``,
scikit-image ``skimage``. setuptools writes them to ``top_level.txt``; other build
backends (meson-python, maturin, flit) write no such file, and then the wheel's top-level
entries are the answer: a folder holding Python code (a package, or a namespace package),
a ``.py`` module or an extension module. Entries that cannot be imported by name are left
out: the dist-info and .data folders, auditwheel's and delvewheel's ``<name>.libs`` folders.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .archive import read_whole

_CODE_SUFFIXES = (".py", ".so", ".pyd")


@dataclass(frozen=True, kw_only=True)
class ImportNames:
    packages: tuple[str, ...]  # top-level folders of Python code: where pytest looks for tests
    modules: tuple[str, ...]  # every top-level name, packages included: what an import test imports


def _top_level(names: list[str]) -> tuple[set[str], set[str]]:
    """(packages, modules) at the wheel's root, by its member names."""
    packages, modules = set(), set()
    for name in names:
        root, _, rest = name.partition("/")
        if rest:
            if root.isidentifier() and rest.endswith(_CODE_SUFFIXES):
                packages.add(root)
        elif root.endswith(_CODE_SUFFIXES):
            # six.py, _cffi_backend.cpython-312-x86_64-linux-gnu.so, _foo.cp312-win_amd64.pyd
            stem = root.split(".", 1)[0]
            if stem.isidentifier():
                modules.add(stem)
    return packages, modules


def import_names(wheel: Path) -> ImportNames:
    """The wheel's top-level import names: those ``top_level.txt`` lists that the wheel
    holds, else every top-level package and module it holds."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        listed_in = next((n for n in names if n.count("/") == 1 and n.endswith(".dist-info/top_level.txt")), None)
        text = read_whole(archive, listed_in) if listed_in else None
    packages, modules = _top_level(names)
    found = packages | modules
    listed = {line.strip() for line in (text or b"").decode("utf-8", "replace").splitlines()} & found
    chosen = listed or found
    return ImportNames(packages=tuple(sorted(chosen & packages)), modules=tuple(sorted(chosen)))
