"""What a target's ``meson.options`` (or ``meson_options.txt``) declares, read with meson's
own parser (``mesonbuild.mparser``): option names, types, choices and defaults.

The tool passes an option only when the target declares it (or its preset says so), so
a project without a ``blas`` option builds without BLAS arguments instead of stopping at
``ERROR: Unknown option: "blas"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import TargetError
from ..model import SYSTEM_LIBRARY_MODES
from .parsecache import remembered

OPTION_FILES = ("meson.options", "meson_options.txt")  # meson >= 1.1 reads the first


@dataclass(frozen=True, kw_only=True)
class MesonOption:
    name: str
    type: str  # string, boolean, combo, array, integer, feature
    choices: tuple[str, ...] = ()


def _value(node: object) -> object:
    """A literal node's Python value: strings, booleans, numbers and arrays of them."""
    from mesonbuild import mparser  # imported only when a file is parsed (see parsecache)

    if isinstance(node, mparser.ArrayNode):
        return tuple(_value(item) for item in node.args.arguments)
    return getattr(node, "value", None)


def node_name(node: object) -> str:
    # meson >= 1.3 keeps identifiers as IdNode; older versions as plain strings.
    return str(getattr(node, "value", node))


def read_options(source_dir: Path, cache_dir: Path | None = None) -> dict[str, MesonOption]:
    """Every ``option(...)`` the target's options file declares, {} when it has none;
    remembered in ``cache_dir`` (when it exists) while the file is unchanged."""
    path = next((source_dir / n for n in OPTION_FILES if (source_dir / n).is_file()), None)
    if path is None:
        return {}
    return remembered(cache_dir, "options-1", source_dir, [path], lambda: _parse(path),
                      encode=lambda options: [asdict(option) for option in options.values()],
                      decode=_decoded)


def _decoded(value: Any) -> dict[str, MesonOption]:
    if not isinstance(value, list):
        raise TypeError("remembered options are a list")
    options = {}
    for entry in value:
        name, kind, choices = entry["name"], entry["type"], entry["choices"]
        if not (isinstance(name, str) and isinstance(kind, str) and isinstance(choices, list)
                and all(isinstance(c, str) for c in choices)):
            raise TypeError(f"a remembered option of the wrong shape: {entry!r}")
        options[name] = MesonOption(name=name, type=kind, choices=tuple(choices))
    return options


def _parse(path: Path) -> dict[str, MesonOption]:
    from mesonbuild import mparser

    try:
        tree = mparser.Parser(path.read_text(encoding="utf-8"), str(path)).parse()
    except mparser.ParseException as exc:
        raise TargetError(f"{path} cannot be parsed: {exc}") from None
    options: dict[str, MesonOption] = {}
    for line in tree.lines:
        if not isinstance(line, mparser.FunctionNode) or node_name(line.func_name) != "option":
            continue
        positional = [_value(a) for a in line.args.arguments]
        keywords = {node_name(k): _value(v) for k, v in line.args.kwargs.items()}
        if not positional or not isinstance(positional[0], str):
            continue
        choices = keywords.get("choices")
        options[positional[0]] = MesonOption(
            name=positional[0], type=str(keywords.get("type", "")),
            choices=tuple(str(c) for c in choices) if isinstance(choices, tuple) else (),
        )
    return options


def system_library_components(options: dict[str, MesonOption] | Path) -> tuple[str, ...] | None:
    """The component names the target's ``use-system-libraries`` option accepts, if any
    (from options already read, or from a source tree's options file)."""
    declared = read_options(options) if isinstance(options, Path) else options
    option = declared.get("use-system-libraries")
    if option is None:
        return None
    return tuple(c for c in option.choices if c not in SYSTEM_LIBRARY_MODES)
