"""Tests kept outside the package, run against the installed wheel as the project's
maintainers run them: a folder of tests with pytest and the project's own pytest
configuration, or the project's cibuildwheel test commands with cibuildwheel's meaning
(``targets/cibuildwheel.py``). Both run from a fresh directory outside any source tree,
so that ``import`` resolves to the installed wheel, never to the sources."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CellError
from ..machine.commands import CommandRunner
from ..record import TestCounts
from ..targets.cibuildwheel import expand
from .pytestrun import parse_junit, run_pytest
from .summary import from_pytest, from_unittest

if TYPE_CHECKING:
    from ..plan import TestPlan

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def copy_test_sources(source_dir: Path, copies: tuple[str, ...], dest: Path) -> Path:
    """A fresh ``dest`` holding each listed folder or file of the source tree, at the same
    relative place: the tests' own imports then resolve to the installed wheel."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for relative in copies:
        origin = (source_dir / relative).resolve()
        if not origin.is_relative_to(source_dir.resolve()) or not origin.exists():
            raise CellError(f"test source {relative!r} is not in {source_dir}")
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=_IGNORED, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, target)
    return dest


def _with_project_config(tests: TestPlan, work: Path) -> list[str]:
    """The project's pytest configuration (and a root conftest.py) copied beside its tests,
    and the arguments that make pytest use exactly that file and root: never a file above
    the copy (this tool's own pyproject.toml, when the workspace sits in its checkout).
    A project without one gets an empty pytest.ini, for the same reason."""
    assert tests.project_dir is not None
    config = tests.pytest_config
    if config is not None:
        shutil.copy2(tests.project_dir / config, work / config)
    else:
        config = "pytest.ini"
        (work / config).write_text("[pytest]\n")
    if (tests.project_dir / "conftest.py").is_file():
        shutil.copy2(tests.project_dir / "conftest.py", work / "conftest.py")
    return ["-c", str(work / config), "--rootdir", str(work)]


def run_test_dir(tests: TestPlan, results_dir: Path, runner: CommandRunner, venv_py: Path,
                 env: dict[str, str]) -> TestCounts:
    """pytest on a copy of the test folders made outside any source tree, with the
    project's pytest configuration."""
    assert tests.project_dir is not None
    junit = results_dir / "junit.xml"
    junit.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-tests-") as scratch:
        work = copy_test_sources(tests.project_dir, tests.copies, Path(scratch) / "tests-of-the-project")
        args = [*_with_project_config(tests, work), *(str(work / c) for c in tests.copies), *tests.suite_args,
                *tests.xdist_args]
        return run_pytest(runner, venv_py, args, junit, suite=tests.suite, source=tests.source, env=env, cwd=work,
                          pyargs=False)


def command_argv(template: tuple[str, ...], venv_py: Path, project: Path, uv: str) -> list[str]:
    """A cibuildwheel command as argv: ``{project}`` and ``{package}`` the project's source
    tree, ``python`` and ``pytest`` the test venv's, ``pip`` uv's pip aimed at the test venv
    (uv's venvs hold no pip)."""
    argv = [part.replace("{project}", str(project)).replace("{package}", str(project)) for part in template]
    if argv[:3] in (["python", "-m", "pip"], ["python3", "-m", "pip"]):
        argv = ["pip", *argv[3:]]
    if argv[:1] in (["python"], ["python3"]):
        argv[0] = str(venv_py)
    elif argv[:1] == ["pytest"]:
        argv = [str(venv_py), "-m", "pytest", *argv[1:]]
    elif argv[:1] == ["pip"]:
        argv = [uv, "pip", *argv[1:2], "--python", str(venv_py), *argv[2:]]
    return argv


def run_commands(tests: TestPlan, results_dir: Path, runner: CommandRunner, venv_py: Path, env: dict[str, str],
                 uv: str) -> TestCounts:
    """cibuildwheel's way: before-test, then each test command, from a fresh temporary
    directory holding the test-sources, with the project's environment and
    test-environment. Every pytest the commands start (directly or from a script) writes
    its JUnit report through ``PYTEST_ADDOPTS``, so its tests are counted; any other
    command that succeeds counts as one passed check."""
    assert tests.project_dir is not None
    project = tests.project_dir
    run_env = {**env, **expand(tests.environment, {**runner.env, **env})}
    totals = TestCounts(suite="cibuildwheel test-command", source=tests.source)
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-tests-") as scratch:
        work = copy_test_sources(project, tests.copies, Path(scratch) / "cwd")
        for index, template in enumerate(tests.before):
            runner.run(command_argv(template, venv_py, project, uv), label=f"before-test {index + 1}", cwd=work,
                       extra_env=run_env)
        for index, template in enumerate(tests.commands):
            junit = results_dir / f"junit-{index}.xml"
            junit.unlink(missing_ok=True)
            addopts = f"{run_env.get('PYTEST_ADDOPTS', '')} -p no:cacheprovider --junitxml={junit}".strip()
            result = runner.run(command_argv(template, venv_py, project, uv),
                                label=f"test command {index + 1} of {len(tests.commands)}", cwd=work,
                                extra_env={**run_env, "PYTEST_ADDOPTS": addopts}, check=False)
            totals = _add(totals, counted(result.returncode, junit, result.stdout))
    return totals


def counted(returncode: int, junit: Path, output: str) -> TestCounts:
    """One test command's counts: its pytest summary line (with the JUnit report beside it
    when the line is cut off), else unittest's "Ran N tests", else none claimed: a command
    that exited 0 is "uncounted", one that did not is one failure."""
    base = TestCounts()
    counts = from_pytest(output, base) or (parse_junit(junit, "", "") if junit.is_file() else None) or \
        from_unittest(output, base)
    if counts is None:
        return replace(base, uncounted=1) if returncode == 0 else replace(base, failed=1)
    if returncode != 0 and not (counts.failed or counts.errors):
        counts = replace(counts, failed=1)
    return counts


def _add(totals: TestCounts, counts: TestCounts) -> TestCounts:
    summed = {f.name: getattr(totals, f.name) + getattr(counts, f.name) for f in fields(TestCounts)
              if f.type in ("int", int)}
    return replace(totals, **summed)
