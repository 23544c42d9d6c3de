"""cibuildwheel's settings where a project gives them outside ``[tool.cibuildwheel]``:
a ``cibuildwheel.toml`` beside pyproject.toml, and the ``CIBW_*`` variables in the
``env:`` of its GitHub workflows (``.github/workflows/*.yml``), which many projects use
for CIBW_TEST_COMMAND and CIBW_TEST_REQUIRES.

cibuildwheel reads its environment after its config file: a variable wins over the file's
setting, and ``CIBW_TEST_COMMAND_LINUX`` over ``CIBW_TEST_COMMAND`` on Linux
(cibuildwheel's docs/options.md). Here each becomes a last ``overrides`` entry of the
table (``select = "*"``, or the platform's builds), with ``_from`` naming where it was
set, so targets/cibuildwheel.py layers it with the rest and the record says where.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


# CIBW_<NAME> -> the option's name in [tool.cibuildwheel]
_OPTIONS = {"TEST_COMMAND": "test-command", "TEST_REQUIRES": "test-requires", "TEST_EXTRAS": "test-extras",
            "TEST_GROUPS": "test-groups", "TEST_SOURCES": "test-sources", "TEST_ENVIRONMENT": "test-environment",
            "TEST_SKIP": "test-skip", "BEFORE_TEST": "before-test", "ENVIRONMENT": "environment",
            "BEFORE_ALL": "before-all", "BEFORE_BUILD": "before-build"}
# CIBW_<NAME>_<PLATFORM>: the builds of that platform, as build identifiers select them.
_PLATFORMS = {"": "*", "_LINUX": "*linux*", "_MACOS": "*macosx*", "_WINDOWS": "*win*"}


# cibuildwheel's platforms no cell builds for: a job building them (pywavelets'
# emscripten.yml sets CIBW_PLATFORM: pyodide) tests with its own command, not the wheels'.
_OTHER_PLATFORMS = ("pyodide", "ios", "android")


def _builds_another_platform(job: dict[str, Any]) -> bool:
    """Does the job set CIBW_PLATFORM (in its env, a step's env, or the action's
    ``platform`` input) to a platform no cell builds?"""
    tables = [job.get("env")] + [t for step in job.get("steps") or [] if isinstance(step, dict)
                                 for t in (step.get("env"), step.get("with"))]
    values = [str(t.get(key, "")).strip().lower() for t in tables if isinstance(t, dict)
              for key in ("CIBW_PLATFORM", "platform")]
    return any(value in _OTHER_PLATFORMS for value in values)


def _env_tables(workflow: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every ``env:`` of a workflow, in the order GitHub layers them: the workflow's, then
    each job's and its steps', leaving out jobs that build for pyodide, iOS or Android."""
    found: list[tuple[dict[str, Any], str]] = []
    top = workflow.get("env")
    if isinstance(top, dict):
        if str(top.get("CIBW_PLATFORM", "")).strip().lower() in _OTHER_PLATFORMS:
            return []
        found.append((top, "env"))
    for job_name, job in (workflow.get("jobs") or {}).items():
        if not isinstance(job, dict) or _builds_another_platform(job):
            continue
        if isinstance(job.get("env"), dict):
            found.append((job["env"], f"jobs.{job_name}.env"))
        for index, step in enumerate(job.get("steps") or []):
            if isinstance(step, dict) and isinstance(step.get("env"), dict):
                found.append((step["env"], f"jobs.{job_name}.steps[{index}].env"))
    return found


def workflow_variables(source_dir: Path) -> dict[str, tuple[str, str]]:
    """Each ``CIBW_*`` variable the project's workflows set: its value and where (the
    first workflow file, by name, that sets it). A value made of a GitHub expression
    (``${{ matrix.test }}``) is known only on GitHub and is left out."""
    found: dict[str, tuple[str, str]] = {}
    paths = sorted((source_dir / ".github" / "workflows").glob("*.y*ml"))
    if not paths:
        return found
    import yaml  # only for a project with workflows: PyYAML takes 20 ms to import

    for path in paths:
        try:
            workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # a workflow GitHub could not read either
        if not isinstance(workflow, dict):
            continue
        for env, where in _env_tables(workflow):
            for name, value in env.items():
                text = str(value) if value is not None else ""
                if str(name).startswith("CIBW_") and "${{" not in text and name not in found:
                    found[str(name)] = (text, f"{path.relative_to(source_dir).as_posix()} {where}.{name}")
    return found


def _as_overrides(variables: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    overrides = []
    for suffix, select in _PLATFORMS.items():
        for variable, option in _OPTIONS.items():
            if f"CIBW_{variable}{suffix}" in variables:
                value, where = variables[f"CIBW_{variable}{suffix}"]
                overrides.append({"select": select, option: value, "_from": where})
    return overrides


def cibuildwheel_table(source_dir: Path, pyproject: dict[str, Any]) -> dict[str, Any]:
    """``[tool.cibuildwheel]`` with cibuildwheel.toml's table where pyproject has none,
    and the workflows' CIBW_* variables layered last."""
    tool = pyproject.get("tool")
    own = tool.get("cibuildwheel") if isinstance(tool, dict) else None
    table: dict[str, Any] = dict(own) if isinstance(own, dict) else {}
    config = source_dir / "cibuildwheel.toml"
    if not table and config.is_file():
        try:
            loaded = tomllib.loads(config.read_text(encoding="utf-8")).get("tool", {}).get("cibuildwheel")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            loaded = None
        if isinstance(loaded, dict):
            table = {**loaded, "_from": "cibuildwheel.toml"}
    extra = _as_overrides(workflow_variables(source_dir))
    if extra:
        overrides = table.get("overrides")
        table["overrides"] = [*(overrides if isinstance(overrides, list) else []), *extra]
    return table
