"""JSON Schemas of the records the tool writes, generated from their dataclasses.

``result.json`` (``ResultRecord``) and ``verify.json`` (``VerifyRecord``) each carry
``schema_version``; the schema of that version ships in the package under ``schemas/``
(``python -m mesonmatrix.schemagen`` writes them, and a test checks the shipped files
are what the dataclasses give). A field's comment in ``record.py`` is its documentation;
its type is its schema: ``str`` a string, ``X | None`` also null, a ``Literal`` an enum,
``list``/``dict`` arrays and objects, a dataclass an object of its own. Records written
by a newer version may hold more fields, so objects allow additional properties.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from .record import SCHEMA_VERSION, ResultRecord, VerifyRecord

SCHEMAS = {"result-record": ResultRecord, "verify-record": VerifyRecord}
SCHEMA_DIR = Path(__file__).parent / "schemas"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _type(hint: object, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type(arg, defs) for arg in typing.get_args(hint)]}
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin in (list, tuple):
        return {"type": "array", "items": _type(typing.get_args(hint)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type(typing.get_args(hint)[1], defs)}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint.__name__ not in defs:
            defs[hint.__name__] = {}  # placeholder: a type may refer to itself
            defs[hint.__name__] = _object(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    required = [f.name for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    described = {"description": cls.__doc__.strip().splitlines()[0]} if cls.__doc__ and \
        not cls.__doc__.startswith(f"{cls.__name__}(") else {}
    return {"type": "object", **described, "properties": {f.name: _type(hints[f.name], defs) for f in fields},
            "required": required, "additionalProperties": True}


def schema(name: str) -> dict[str, Any]:
    cls = SCHEMAS[name]
    defs: dict[str, Any] = {}
    body = _object(cls, defs)
    return {"$schema": _DIALECT, "$id": f"https://mesonmatrix.invalid/schemas/{name}-{SCHEMA_VERSION}.json",
            "title": f"mesonmatrix {name.replace('-', ' ')}, schema version {SCHEMA_VERSION}", **body,
            "$defs": dict(sorted(defs.items()))}


def schema_text(name: str) -> str:
    return json.dumps(schema(name), indent=2) + "\n"


def shipped(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def main() -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name in SCHEMAS:
        shipped(name).write_text(schema_text(name))
        print(f"wrote {shipped(name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
