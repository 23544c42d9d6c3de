"""Reading ``matrices/*.toml`` into the typed model, rejecting anything unknown.

Every error names the file, the key and what is allowed, because ``nox -l`` is where a
user first meets a typo in a matrix file.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from ..errors import MatrixError, SystemLibrariesError
from ..model import (
    AXES,
    DEPS_CHANNELS,
    FULL,
    INSTALL_TAG_SETS,
    LOCKED,
    LOOSENED,
    PACKAGE_FORMATS,
    PYTHON_VERSION,
    SAFE_NAME,
    TOOLCHAIN_MIN,
    WHEEL,
    Cell,
    CellKind,
    Matrix,
    SystemLibraries,
)
from ..platforms import PLATFORMS
from ..providers import PROVIDERS
from .keys import MATRIX, MATRIX_KEYS, check_keys, names, settings_of
from .naming import session_name, session_tags
from .presets import TargetPreset, parse_target_preset

# [toolchain_min] and [loosened]: one cell per Python, of one BLAS and platform.
SINGLE_CELL_KEYS = ("python", "blas", "platform")
# The cell kinds such a table declares, and the session name's prefix for each.
SINGLE_CELL_KINDS: dict[str, CellKind] = {"toolchain_min": TOOLCHAIN_MIN, "loosened": LOOSENED}
# deps is not one: locked is every matrix's default, left out of names, so that a cell's
# locked sibling is always its name without the channel (the report's cross-cell view).
DEFAULTABLE_AXES = ("platform", "system_libraries", "install_tags", "package")
BUILTIN_DEFAULTS = {"platform": "linux-x86_64", "system_libraries": "none", "install_tags": FULL, "package": WHEEL,
                    "deps": LOCKED}
# Axes a matrix may leave out, and the one value each then has.
OPTIONAL_AXES = {"blas": "none", "package": WHEEL, "deps": LOCKED}
# nox searches its list of sessions once for every session it registers and lists, so `nox -l`
# grows with the square of the cells: 1.1 s for 5,040 cells here, 7.3 s for 20,160, 26.5 s for
# 40,320 (nox 2026.10.20, measured 2026-12-07; about 170 s for 96,000). Past this many, a matrix is refused.
DEFAULT_MAX_CELLS = 5000
MAX_CELLS_VARIABLE = "MESONMATRIX_MAX_CELLS"
# Axes are multiplied out before [[exclude]] rules apply: a product this many times the cell
# limit is refused before it is built (ten million combinations would hold gigabytes).
PRODUCT_FACTOR = 100


@dataclass(frozen=True, kw_only=True)
class MatrixSet:
    """Everything ``matrices/`` declares: the cells and the target presets."""

    matrix: Matrix
    presets: dict[str, TargetPreset]


def _allowed(values: object) -> str:
    return ", ".join(str(v) for v in values)  # type: ignore[attr-defined]


def check_axis_value(file: Path, key: str, axis: str, value: object) -> str:
    """Return ``value`` if it is a valid value of ``axis``, else raise MatrixError."""
    if not isinstance(value, str):
        hint = f' (write "{value}" as a string)' if axis == "python" else ""
        raise MatrixError(file, key, f"expected a string, got {type(value).__name__} {value!r}{hint}")
    if axis == "python":
        if not PYTHON_VERSION.fullmatch(value):
            raise MatrixError(file, key, f"{value!r} is not a Python version like \"3.12\", nor \"distro\"")
    elif axis == "blas":
        if value not in PROVIDERS:
            raise MatrixError(file, key, f"unknown value {value!r}; allowed: {_allowed(PROVIDERS)}")
    elif axis == "platform":
        if value not in PLATFORMS:
            raise MatrixError(file, key, f"unknown value {value!r}; allowed: {_allowed(PLATFORMS)}")
    elif axis == "system_libraries":
        try:
            SystemLibraries.parse(value)
        except SystemLibrariesError as exc:
            raise MatrixError(
                file,
                key,
                f"{exc}; allowed: none, all, auto, component names, or names plus one of all/auto "
                '(e.g. "boost.math,auto")',
            ) from None
    elif axis == "install_tags":
        if value not in INSTALL_TAG_SETS:
            raise MatrixError(file, key, f"unknown value {value!r}; allowed: {_allowed(INSTALL_TAG_SETS)}")
    elif axis == "package":
        if value not in PACKAGE_FORMATS:
            raise MatrixError(file, key, f"unknown value {value!r}; allowed: {_allowed(PACKAGE_FORMATS)}")
    elif axis == "deps":
        if value not in DEPS_CHANNELS:
            raise MatrixError(file, key, f"unknown value {value!r}; allowed: {_allowed(DEPS_CHANNELS)}")
    return value


def _check_keys(file: Path, where: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    check_keys(file, where, table, allowed)


def _table(file: Path, key: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MatrixError(file, key, f"expected a table, got {type(value).__name__}")
    return value


def _tables(file: Path, key: str, value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MatrixError(file, key, f"expected an array of tables ([[{key}]])")
    return value


def load_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise MatrixError(file, "syntax", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise MatrixError(file, "file", f"cannot read: {exc}") from None


def _axis_values(file: Path, axes: dict[str, Any]) -> dict[str, list[str]]:
    """``[axes]``: every axis, each a non-empty list of valid, distinct values. ``blas``
    may be left out, for a target without BLAS: its cells are named ``build-<python>…``;
    ``package`` too (every cell ships a wheel)."""
    _check_keys(file, "axes", axes, AXES)
    values: dict[str, list[str]] = {}
    for axis in AXES:
        if axis in OPTIONAL_AXES and axis not in axes:
            values[axis] = [OPTIONAL_AXES[axis]]
            continue
        if axis not in axes:
            raise MatrixError(file, f"axes.{axis}", "missing; every matrix declares these axes: "
                              + _allowed(a for a in AXES if a not in OPTIONAL_AXES)
                              + " (and blas, for a target with BLAS; package, for more than wheels; deps, for "
                                "unlocked dependency channels)")
        raw = axes[axis]
        if not isinstance(raw, list):
            raise MatrixError(file, f"axes.{axis}", "expected a list of values")
        if not raw:
            raise MatrixError(file, f"axes.{axis}", "empty: an axis needs at least one value")
        checked = [check_axis_value(file, f"axes.{axis}", axis, v) for v in raw]
        if len(set(checked)) != len(checked):
            raise MatrixError(file, f"axes.{axis}", f"a value is listed twice: {checked}")
        values[axis] = checked
    return values


def _defaults(file: Path, data: dict[str, Any]) -> dict[str, str]:
    """``[defaults]``: the values left out of session names."""
    defaults_table = _table(file, "defaults", data.get("defaults", {}))
    _check_keys(file, "defaults", defaults_table, DEFAULTABLE_AXES)
    defaults = dict(BUILTIN_DEFAULTS)
    for axis, value in defaults_table.items():
        defaults[axis] = check_axis_value(file, f"defaults.{axis}", axis, value)
    return defaults


def _excludes(file: Path, data: dict[str, Any]) -> list[dict[str, set[str]]]:
    """``[[exclude]]`` rules: a cell matching every key of one is dropped."""
    excludes = []
    for i, rule in enumerate(_tables(file, "exclude", data.get("exclude", []))):
        _check_keys(file, f"exclude[{i}]", rule, AXES)
        if not rule:
            raise MatrixError(file, f"exclude[{i}]", "an empty exclude would remove every cell")
        normal: dict[str, set[str]] = {}
        for axis, raw in rule.items():
            listed = raw if isinstance(raw, list) else [raw]
            normal[axis] = {check_axis_value(file, f"exclude[{i}].{axis}", axis, v) for v in listed}
        excludes.append(normal)
    return excludes


def _combinations(file: Path, data: dict[str, Any], values: dict[str, list[str]],
                  defaults: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Every cell's axis values, with the key that made it: ``axes`` or ``include[N]``."""
    excludes = _excludes(file, data)
    _check_product(file, values)
    product = [dict(zip(AXES, combo, strict=True)) for combo in itertools.product(*(values[a] for a in AXES))]

    def excluded(cell_values: dict[str, str], rule: dict[str, set[str]]) -> bool:
        return all(cell_values[a] in allowed for a, allowed in rule.items())

    for i, rule in enumerate(excludes):
        if all(excluded(cell_values, rule) for cell_values in product):
            raise MatrixError(file, f"exclude[{i}]", "removes every cell of the axes; narrow it or drop axis values")
    combos = [("axes", v) for v in product if not any(excluded(v, rule) for rule in excludes)]
    if product and not combos:
        raise MatrixError(file, "exclude", "the exclude rules together remove every cell of the axes")
    for i, rule in enumerate(_tables(file, "include", data.get("include", []))):
        _check_keys(file, f"include[{i}]", rule, AXES)
        cell_values = {}
        for axis in AXES:
            fallback = defaults.get(axis, values[axis][0])
            cell_values[axis] = check_axis_value(file, f"include[{i}].{axis}", axis, rule.get(axis, fallback))
        combos.append((f"include[{i}]", cell_values))
    return combos


def max_cells(directory: Path) -> int:
    """How many cells the matrices may declare: ``MESONMATRIX_MAX_CELLS``, else 5,000."""
    raw = os.environ.get(MAX_CELLS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_CELLS
    if not raw.isdigit() or int(raw) < 1:
        raise MatrixError(directory, MAX_CELLS_VARIABLE, f"{raw!r} is not a number of cells (e.g. 20000)")
    return int(raw)


def _too_many(count: int, limit: int, shares: str = "") -> str:
    return (f"{count:,} cells{shares}, more than {limit:,}: nox lists its sessions in quadratic time (`nox -l` took "
            "27 s for 40,320 cells here, minutes beyond). Narrow the axes or add [[exclude]] rules, or split "
            "the matrix into projects of their own (one matrices/ folder each); "
            f"{MAX_CELLS_VARIABLE}={count} allows this many")


def _check_product(file: Path, values: dict[str, list[str]]) -> None:
    """Refuse axes whose product is far past the cell limit before it is expanded."""
    limit = max_cells(file.parent)
    combinations = math.prod(len(v) for v in values.values())
    if combinations > limit * PRODUCT_FACTOR:
        raise MatrixError(file, "axes", f"the axes multiply to {_too_many(combinations, limit)}")


def _check_size(directory: Path, cells: list[Cell], owner: Mapping[str, Path]) -> None:
    """Refuse more cells than nox can list in reasonable time, naming each file's share."""
    limit = max_cells(directory)
    if len(cells) <= limit:
        return
    per_file: dict[str, int] = {}
    for path in owner.values():
        per_file[path.name] = per_file.get(path.name, 0) + 1
    shares = ", ".join(f"{name}: {n:,}" for name, n in sorted(per_file.items(), key=lambda i: -i[1]))
    raise MatrixError(directory, "cells", _too_many(len(cells), limit, f" ({shares})"))


def _cells_of(file: Path, data: dict[str, Any], project_root: Path) -> list[tuple[str, Cell]]:
    """The cells of a file's axes and includes, each with the key that declared it."""
    axes = _table(file, "axes", data.get("axes", {}))
    if not axes:
        return []
    values = _axis_values(file, axes)
    defaults = _defaults(file, data)
    target = data.get("target", "demo")
    if not isinstance(target, str):
        raise MatrixError(file, "target", "expected the name of a target preset")
    cells = []
    for key, cell_values in _combinations(file, data, values, defaults):
        name = session_name(cell_values, defaults)
        if not SAFE_NAME.fullmatch(name):
            raise MatrixError(file, key, f"session name {name!r} is not shell-safe")
        cells.append((key, Cell(
            # Each value was checked against its axis's closed set (check_axis_value).
            **cast("dict[str, Any]", cell_values),
            session_name=name,
            matrix_file=file.relative_to(project_root) if file.is_relative_to(project_root) else file,
            target=target,
            tags=(*session_tags(cell_values), f"matrix-{file.stem}"),
            settings=settings_of(file, "", data, MATRIX),
        )))
    return cells


def _single_cells(file: Path, data: dict[str, Any], project_root: Path, key: str) -> list[Cell]:
    """``[toolchain_min]`` or ``[loosened]``: one ``toolchain-min-<python>`` (or
    ``loosened-<python>``) session per Python listed."""
    if key not in data:
        return []
    kind = SINGLE_CELL_KINDS[key]
    table = _table(file, key, data[key])
    _check_keys(file, key, table, SINGLE_CELL_KEYS)
    pythons = table.get("python")
    if not isinstance(pythons, list) or not pythons:
        raise MatrixError(file, f"{key}.python", "expected a non-empty list of Python versions")
    blas = check_axis_value(file, f"{key}.blas", "blas", table.get("blas", "openblas"))
    platform = check_axis_value(file, f"{key}.platform", "platform", table.get("platform", "linux-x86_64"))
    target = data.get("target", "demo")
    cells = []
    for python in pythons:
        check_axis_value(file, f"{key}.python", "python", python)
        cells.append(
            Cell(
                python=python,
                blas=blas,
                platform=platform,
                system_libraries="none",
                install_tags=FULL,
                session_name=f"{kind}-{python}",
                matrix_file=file.relative_to(project_root) if file.is_relative_to(project_root) else file,
                target=target if isinstance(target, str) else "demo",
                tags=(kind, f"py{python}", blas, platform, f"matrix-{file.stem}"),
                kind=kind,
                settings=settings_of(file, "", data, MATRIX),
            )
        )
    return cells


def load_matrices(directory: Path, project_root: Path | None = None) -> MatrixSet:
    """Read every ``*.toml`` in ``directory``; raise MatrixError on the first problem."""
    project_root = project_root or directory.parent
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise MatrixError(directory, "files", "no *.toml matrix files found")
    cells: list[Cell] = []
    owner: dict[str, Path] = {}
    presets: dict[str, TargetPreset] = {}
    preset_owner: dict[str, Path] = {}
    for file in files:
        data = load_toml(file)
        _check_keys(file, "", data, names(MATRIX_KEYS))
        for name, raw in _table(file, "targets", data.get("targets", {})).items():
            if name in presets:
                raise MatrixError(file, f"targets.{name}", f"already declared in {preset_owner[name]}")
            presets[name] = parse_target_preset(file, name, raw, project_root)
            preset_owner[name] = file
        single = [(key, c) for key in SINGLE_CELL_KINDS for c in _single_cells(file, data, project_root, key)]
        for key, cell in [*_cells_of(file, data, project_root), *single]:
            if cell.session_name in owner:
                raise MatrixError(
                    file, key, f"two cells are named {cell.session_name!r} (the other is in {owner[cell.session_name]})"
                )
            owner[cell.session_name] = file
            cells.append(cell)
    _check_size(directory, cells, owner)
    for cell in cells:
        if cell.target not in presets:
            raise MatrixError(
                owner[cell.session_name],
                "target",
                f"unknown target {cell.target!r}; declared: {_allowed(presets) or 'none'}",
            )
    return MatrixSet(matrix=Matrix(cells=tuple(cells), files=tuple(files)), presets=presets)
