"""The JSON Schema of a matrix file (``matrices/*.toml``), derived from the declarations.

Shipped in the package as ``schemas/matrix.schema.json`` (``python -m
mesonmatrix.config.schema`` writes it; a test checks the shipped file is what the
declarations give), so that an editor validates a matrix file as it is typed (Even Better
TOML / taplo: ``#:schema`` on the first line, or its ``schema.associations``) and CI can
check one with ``check-jsonschema --schemafile …/matrix.schema.json matrices/*.toml``.
Every table is closed (``additionalProperties: false``): a misspelt key is an error
there too, as it is for ``nox -l``. The axes' values are the registries' own (BLAS
flavours, platforms, install-tag sets, package formats).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..model import AXES, INSTALL_TAG_SETS, PACKAGE_FORMATS, PYTHON_VERSION
from ..platforms import PLATFORMS
from ..providers import PROVIDERS
from .keys import MATRIX, MATRIX_KEYS, PRESET, PRESET_KEYS, Key

SHIPPED = Path(__file__).resolve().parent.parent / "schemas" / "matrix.schema.json"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The single-cell tables ([toolchain_min], [loosened]) and an sdist pin: closed tables too.
_SINGLE_CELL = {"python": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "blas": {"type": "string"}, "platform": {"type": "string"}}
_SDIST = {"name": {"type": "string"}, "version": {"type": "string"}, "sha256": {"type": "string"}}


def _closed(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    described = {"description": description} if description else {}
    return {"type": "object", **described, "properties": properties, "additionalProperties": False}


def _axis_values() -> dict[str, dict[str, Any]]:
    """Each axis's value: a string, from the registry where the axis is a closed set."""
    closed = {"blas": sorted(PROVIDERS), "platform": sorted(PLATFORMS), "install_tags": list(INSTALL_TAG_SETS),
              "package": list(PACKAGE_FORMATS)}
    values: dict[str, dict[str, Any]] = {axis: {"type": "string"} for axis in AXES}
    values["python"] = {"type": "string", "pattern": f"^(?:{PYTHON_VERSION.pattern})$"}
    for axis, allowed in closed.items():
        values[axis] = {"enum": allowed}
    return values


def _shape(name: str, scope: str) -> dict[str, Any] | None:
    """The shape of a table the declarations only call "table", where it has one."""
    axis = _axis_values()
    if name == "axes":
        return _closed({a: {"type": "array", "items": v, "minItems": 1} for a, v in axis.items()})
    if name == "defaults":
        return _closed({a: axis[a] for a in ("platform", "system_libraries", "install_tags", "package")})
    if name == "exclude":
        return {"type": "array", "items": _closed({a: {"anyOf": [v, {"type": "array", "items": v}]}
                                                    for a, v in axis.items()})}
    if name == "include":
        return {"type": "array", "items": _closed(axis)}
    if name == "targets":
        return {"type": "object", "additionalProperties": preset_schema()}
    if name == "sdist":
        return _closed(_SDIST)
    if scope == MATRIX and name in ("toolchain_min", "loosened"):
        return _closed(_SINGLE_CELL)
    return None


def _key_schema(key: Key, scope: str) -> dict[str, Any]:
    shape = _shape(key.name, scope) or dict(key.kind.schema)
    return {**shape, "description": key.help_for(MATRIX if scope == MATRIX else PRESET)}


def preset_schema() -> dict[str, Any]:
    return _closed({key.name: _key_schema(key, PRESET) for key in PRESET_KEYS},
                   "a target preset: [targets.NAME]")


def matrix_schema() -> dict[str, Any]:
    return {"$schema": _DIALECT, "$id": "https://mesonmatrix.invalid/schemas/matrix.schema.json",
            "title": "mesonmatrix matrix file (matrices/*.toml)",
            **_closed({key.name: _key_schema(key, MATRIX) for key in MATRIX_KEYS})}


def schema_text() -> str:
    return json.dumps(matrix_schema(), indent=2) + "\n"


def main() -> int:
    SHIPPED.write_text(schema_text())
    print(f"wrote {SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
