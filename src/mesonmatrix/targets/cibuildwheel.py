"""A project's ``[tool.cibuildwheel]`` test options for one build, with cibuildwheel's meaning.

Followed: cibuildwheel 4.2's ``docs/options.md`` (pypa/cibuildwheel). An option is read
from the table itself, then from the platform's table (``[tool.cibuildwheel.linux]``),
then from every ``[[tool.cibuildwheel.overrides]]`` whose ``select`` matches the build
identifier (``cp312-manylinux_x86_64``), later ones winning. Test commands run from a
fresh temporary directory, with ``{project}`` the project's root and ``{package}`` the
package being built (the root, for a project built from its root), after ``before-test``;
``test-sources`` are copied into that directory. ``environment`` then ``test-environment``
are assignments in bash syntax, evaluated in order, each ``$VAR`` or ``${VAR}`` expanded
from what is set so far (an unset one is empty). Not followed: ``$(command)``
substitutions (left as written, and the record says so), the ``CIBW_*`` variables (CI
settings, not the project's), and ``before-all``/``before-build`` (commands for
cibuildwheel's build images, recorded as not run).
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import TargetError

_LAYERED = ("test-command", "test-requires", "test-extras", "test-groups", "test-sources", "test-environment",
            "test-skip", "before-test", "environment")
_NOT_RUN = ("before-all", "before-build")
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(frozen=True, kw_only=True)
class CibuildwheelTests:
    commands: tuple[tuple[str, ...], ...]  # argv templates with {project}/{package}, after before-test's
    before: tuple[tuple[str, ...], ...]  # before-test's commands
    requires: tuple[str, ...]  # test-requires, test-extras' and test-groups' requirements
    sources: tuple[str, ...]  # test-sources: copied into the tests' working directory
    environment: tuple[tuple[str, str], ...]  # environment, then test-environment: assignments in order
    skipped_by: str | None  # the test-skip pattern that matches this build
    honoured: tuple[str, ...]  # the keys (with the table they came from) this build uses
    not_honoured: tuple[str, ...]  # keys the project sets that are not followed here, and why


def identifier(python: str, platform_tag: str) -> str:
    """cibuildwheel's build identifier: ``cp312-manylinux_x86_64``, ``cp313t-win_amd64``."""
    return f"cp{python.replace('.', '')}-{platform_tag}"


def _selected(select: object, build: str) -> bool:
    patterns = select.split() if isinstance(select, str) else select if isinstance(select, list) else []
    return any(fnmatch.fnmatchcase(build, str(p)) for p in patterns)


def layered(table: Mapping[str, Any], platform: str, build: str) -> dict[str, tuple[object, str]]:
    """key -> (value, where it was set), cibuildwheel's layers applied in order."""
    found: dict[str, tuple[object, str]] = {}
    # "_from": where targets/workflows.py found a table (cibuildwheel.toml) or an override
    # (a workflow's CIBW_* variable), so the record names the file the project wrote it in.
    base = str(table.get("_from", "tool.cibuildwheel"))
    sources: list[tuple[Mapping[str, Any], str]] = [(table, base)]
    if isinstance(table.get(platform), dict):
        sources.append((table[platform], f"{base}.{platform}"))
    overrides = table.get("overrides") or []
    for index, override in enumerate(overrides if isinstance(overrides, list) else []):
        if isinstance(override, dict) and _selected(override.get("select"), build):
            sources.append((override, str(override.get("_from", f"{base}.overrides[{index}]"))))
    for values, where in sources:
        for key in (*_LAYERED, *_NOT_RUN):
            if key in values:
                found[key] = (values[key], where)
    return found


def _words(value: object, where: str) -> tuple[str, ...]:
    """A string (space-separated) or a list of strings, as cibuildwheel takes lists."""
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TargetError(f"pyproject.toml {where}: expected a string or a list of strings")


def commands(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    """Command lines as argv lists: cibuildwheel runs each in a shell, so ``a && b`` is two
    commands here; each runs as its own argv, never through a shell."""
    lines = [value] if isinstance(value, str) else value
    if not isinstance(lines, list) or not all(isinstance(c, str) for c in lines):
        raise TargetError(f"pyproject.toml {where}: expected a string or a list of strings")
    try:
        return tuple(tuple(shlex.split(part)) for line in lines for part in re.split(r"\s*&&\s*", line)
                     if part.strip())
    except ValueError as exc:
        raise TargetError(f"pyproject.toml {where}: {exc}") from None


def assignments(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """``environment``'s assignments in order: a table, or ``A=1 B="two words"``."""
    if isinstance(value, dict):
        return tuple((str(k), str(v)) for k, v in value.items())
    if not isinstance(value, str):
        raise TargetError(f"pyproject.toml {where}: expected a string or a table")
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise TargetError(f"pyproject.toml {where}: {exc}") from None
    pairs = [word.partition("=") for word in words]
    if any(not sep or not name for name, sep, _ in pairs):
        raise TargetError(f"pyproject.toml {where}: expected NAME=value assignments, got {value!r}")
    return tuple((name, text) for name, _, text in pairs)


def expand(environment: tuple[tuple[str, str], ...], base: Mapping[str, str]) -> dict[str, str]:
    """The variables ``environment`` sets, each ``$VAR`` expanded from ``base`` and the
    assignments before it."""
    seen = dict(base)
    result: dict[str, str] = {}
    for name, text in environment:
        value = _VARIABLE.sub(lambda m: seen.get(m.group(1) or m.group(2), ""), text)
        seen[name] = result[name] = value
    return result


def _named(where: str, key: str) -> str:
    """A setting's place: ``tool.cibuildwheel.linux.test-command``, or where else it was
    set, as it is (a workflow's ``.github/workflows/wheels.yml env.CIBW_TEST_COMMAND``, a
    preset's ``targets.NAME.test_command``)."""
    return f"{where}.{key}" if where.startswith(("tool.cibuildwheel", "cibuildwheel.toml")) else where


def test_options(table: Mapping[str, Any], *, platform: str, build: str,
                 requirements_of: Callable[[str, tuple[str, ...]], tuple[str, ...]]) -> CibuildwheelTests | None:
    """This build's test options; None when no test-command applies to it.
    ``requirements_of(kind, names)`` gives the requirements of extras or dependency groups."""
    found = layered(table, platform, build)
    if "test-command" not in found or not found["test-command"][0]:
        return None
    honoured = [_named(where, key) for key, (_, where) in found.items() if key not in _NOT_RUN]
    not_honoured = [f"{_named(where, key)}: not run (commands for cibuildwheel's build images)"
                    for key, (_, where) in found.items() if key in _NOT_RUN]

    def value(key: str) -> tuple[object, str]:
        item = found.get(key)
        return (item[0], _named(item[1], key)) if item else ("", key)

    environment = (*(assignments(*value("environment")) if "environment" in found else ()),
                   *(assignments(*value("test-environment")) if "test-environment" in found else ()))
    not_honoured += [f"{name}={text}: $(command) substitution is not run here" for name, text in environment
                     if "$(" in text]
    skip = _words(*value("test-skip")) if "test-skip" in found else ()
    requires = (*(_words(*value("test-requires")) if "test-requires" in found else ()),
                *requirements_of("extras", _words(*value("test-extras")) if "test-extras" in found else ()),
                *requirements_of("groups", _words(*value("test-groups")) if "test-groups" in found else ()))
    return CibuildwheelTests(
        commands=commands(*value("test-command")),
        before=commands(*value("before-test")) if "before-test" in found else (),
        requires=requires,
        sources=_words(*value("test-sources")) if "test-sources" in found else (),
        environment=environment,
        skipped_by=next((p for p in skip if fnmatch.fnmatchcase(build, p)), None),
        honoured=tuple(honoured),
        not_honoured=tuple(not_honoured),
    )
