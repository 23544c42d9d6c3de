"""A project's version as its metadata says, dynamic versions included.

An sdist carries its metadata in ``PKG-INFO`` (the version meson-python computed when
it made the sdist); a source tree has ``[project] version`` or, when that is dynamic,
the ``version:`` of meson.build's ``project()`` call, read with meson's own parser. A
version that is computed at configure time (``run_command(...)``) is not guessed.
"""

from __future__ import annotations

import email.parser
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .mesonoptions import node_name
from .parsecache import remembered


def _sdist_version(source_dir: Path) -> str | None:
    pkg_info = source_dir / "PKG-INFO"
    if not pkg_info.is_file():
        return None
    message = email.parser.Parser().parsestr(pkg_info.read_text(encoding="utf-8", errors="replace"), headersonly=True)
    return message.get("Version")


def _meson_project_version(source_dir: Path, cache_dir: Path | None) -> str | None:
    meson_build = source_dir / "meson.build"
    return remembered(cache_dir, "version-1", source_dir, [meson_build], lambda: _parse_version(meson_build),
                      encode=lambda version: version, decode=_decoded)


def _decoded(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"a remembered version is a string or null, not {value!r}")
    return value


def _parse_version(meson_build: Path) -> str | None:
    from mesonbuild import mparser  # imported only when the file is parsed (see parsecache)

    try:
        tree = mparser.Parser(meson_build.read_text(encoding="utf-8"), str(meson_build)).parse()
    except (OSError, mparser.ParseException):
        return None
    for line in tree.lines:
        if isinstance(line, mparser.FunctionNode) and node_name(line.func_name) == "project":
            for key, value in line.args.kwargs.items():
                if node_name(key) == "version" and isinstance(value, mparser.StringNode):
                    return str(value.value)
            return None
    return None


def project_version(source_dir: Path, pyproject: Mapping[str, Any], cache_dir: Path | None = None) -> str:
    """The version: PKG-INFO's, then [project] version, then meson.build's (remembered in
    ``cache_dir`` while meson.build is unchanged); "0" when none is literal."""
    static = pyproject.get("project", {}).get("version")
    return (_sdist_version(source_dir) or (static if isinstance(static, str) else None)
            or _meson_project_version(source_dir, cache_dir) or "0")
