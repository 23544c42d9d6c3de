"""The package's layers, lowest first: the one table of them.

Each package or top-level module of ``mesonmatrix`` imports only from the layers below
its own, never from a sibling in its layer, so there is no import cycle and a feature
never reaches into another. ``tests/unit/test_layers.py`` checks every import against
this table (those under ``TYPE_CHECKING`` too), and ``scripts/docs_reference.py`` draws
it into ``docs/design/layout.md`` and the README: a new package is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    units: tuple[str, ...]  # packages (folders) and top-level modules, by name
    holds: str  # what they hold, for the drawing


LAYERS: tuple[Layer, ...] = (
    Layer(("redact",), "credentials out of whatever the tool shows or writes"),
    Layer(("errors", "layers"), "every error under one root; this table"),
    Layer(("model",), "the typed matrix values and closed sets (kinds, roles, tag sets, package formats, "
                      "statuses)"),
    Layer(("record",), "the result and verify records' typed sub-records, their JSON, and loading them"),
    Layer(("machine", "schemagen"), "commands (the one place a process starts), locking, workspace, pythons, uv, "
                                    "apt, ccache, toolchain, progress, the build root, the guardian, writing files "
                                    "whole; the records' "
                                    "JSON Schemas"),
    Layer(("platforms", "providers", "binaries", "wheels"),
          "one module per OS behind one Protocol; one per BLAS provider family; ELF/Mach-O/PE readers; wheel "
          "files, cutting by install tag, deriving repaired cut wheels"),
    Layer(("repairers",), "one module per repair tool"),
    Layer(("config",), "every option and key declared once; matrices/*.toml and presets read into the model; "
                       "the matrix files' JSON Schema"),
    Layer(("targets", "store", "options"), "a target (preset, source tree or sdist) resolved; the stores and "
                                           "their keys; RunOptions"),
    Layer(("lockfiles",), "lock files: where, from which inputs, stale or not; writing them"),
    Layer(("plan",), "CellPlan: every decision of a cell, made before any command runs"),
    Layer(("testing", "repackage", "ci"), "running an installed suite and the BLAS probe; staging and packaging "
                                          "(.deb, .rpm, .conda); CI's job matrix from the typed cells and their "
                                          "plans, and its workflow files"),
    Layer(("verify", "report", "doctor"), "features that never run a cell: nox -s verify, report, doctor"),
    Layer(("stages",), "the stages a cell runs, one module each: run(plan, ctx, earlier) -> Result"),
    Layer(("pipeline",), "runs a cell's stages in order; assembles the record once"),
    Layer(("compare", "adopt", "culprit"), "features that run cells or write a project's files: rebuild-compare, "
                                           "init, the culprit search"),
    Layer(("sessions", "cli"), "thin nox sessions; the console script's commands (init, ci-matrix, ci-run)"),
    Layer(("__main__",), "python -m mesonmatrix"),
)
