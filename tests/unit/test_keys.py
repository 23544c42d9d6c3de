"""Every option and key declared once (config/keys.py), and what is derived from it: the
cell's options, the check of a table's keys with a did-you-mean, the settings and their
precedence, and the JSON Schema of matrix files shipped in the package."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path

import pytest

from mesonmatrix.config import keys, schema
from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.errors import MatrixError
from mesonmatrix.options import OPTION_FIELDS, RunOptions, parse_cell_args

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "mesonmatrix"


def test_each_cell_option_is_a_field_of_the_run_or_a_setting():
    settings = {key.name for key in keys.SETTINGS}
    run_fields = {f.name for f in dataclasses.fields(RunOptions)}
    for key in keys.cell_options():
        assert (key.field in run_fields) != (key.name in settings), key.name
    assert OPTION_FIELDS == {key.field for key in keys.cell_options()} - settings


def test_the_command_line_wins_then_the_matrix_file_then_the_preset_then_the_default():
    given = parse_cell_args("build-3.12-openblas", ["--test-timeout", "15"], ROOT).settings
    matrix = {"test_timeout": 600.0, "build_timeout": 60.0, "manylinux": "2_28"}
    preset = {"test_timeout": 900.0, "build_timeout": 90.0, "build_time_limit": 7200.0, "manylinux": "2_34"}
    chosen = keys.cell_settings(given, matrix, preset)
    assert (chosen.test_seconds, chosen.build_silence_seconds, chosen.build_seconds, chosen.manylinux) == \
        (15.0, 60.0, 7200.0, "2_28")
    assert keys.cell_settings() == keys.CellSettings(test_seconds=3600.0, build_silence_seconds=1800.0,
                                                     build_seconds=14400.0, manylinux=None)


@pytest.mark.parametrize("argv, message", [(["--test-timeout", "nan"], "is not a number of seconds"),
                                           (["--build-time-limit", "0"], "expected seconds from 1 to"),
                                           (["--manylinux", "2_28\n"], "glibc version")])
def test_a_bad_value_on_the_command_line_is_refused_with_what_is_allowed(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_cell_args("build-3.12-openblas", argv, ROOT)
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("table, where, wanted", [
    ("tests_timeout = 60\n", "tests_timeout", "test_timeout"),
    ("[targets.demo]\npath = 'demo'\nimprt_name = 'x'\n", "targets.demo.imprt_name", "import_name"),
    ("[targets.demo]\npath = 'demo'\nbuild_time_limt = 5\n", "targets.demo.build_time_limt", "build_time_limit"),
])
def test_an_unknown_key_gets_the_closest_known_one(tmp_path, table, where, wanted):
    (tmp_path / "matrices").mkdir()
    (tmp_path / "demo").mkdir()
    (tmp_path / "matrices" / "m.toml").write_text(table)
    with pytest.raises(MatrixError, match=re.escape(f'{where}: unknown key (did you mean "{wanted}"?); allowed: ')):
        load_matrices(tmp_path / "matrices", tmp_path)


def test_the_shipped_schema_is_the_declarations_own():
    assert schema.SHIPPED.read_text() == schema.schema_text(), \
        "run `python -m mesonmatrix.config.schema` to write src/mesonmatrix/schemas/matrix.schema.json"


def test_the_schema_takes_every_matrix_file_here_and_refuses_a_misspelt_key():
    jsonschema = pytest.importorskip("jsonschema")  # check-jsonschema's own validator (the test extra)
    validator = jsonschema.Draft202012Validator(json.loads(schema.SHIPPED.read_text()))
    for file in sorted((ROOT / "matrices").glob("*.toml")):
        data = tomllib.loads(file.read_text())
        assert not list(validator.iter_errors(data)), file
        misspelt = {**data, "tests_timeout": 60}
        assert any("tests_timeout" in error.message for error in validator.iter_errors(misspelt))
        if "targets" in data:
            name = next(iter(data["targets"]))
            bad = {**data, "targets": {**data["targets"], name: {**data["targets"][name], "imprt_name": "x"}}}
            assert any("imprt_name" in error.message for error in validator.iter_errors(bad))


def test_a_time_limit_is_named_only_where_it_is_declared_and_used():
    """The arch rule of round three: a key is one declaration plus the code that uses it."""
    for name in ("test_timeout", "build_timeout"):
        naming = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                        if re.search(rf"\b{name}\b", p.read_text()))
        assert len(naming) <= 3, f"{name} is named in {naming}"
