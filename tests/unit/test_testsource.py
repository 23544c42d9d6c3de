"""Where a project's tests are, and how its own cibuildwheel test commands are run here."""

from pathlib import Path

import pytest

from mesonmatrix.errors import TargetError
from mesonmatrix.targets.testsource import discover_tests, extra_requirements
from mesonmatrix.testing.outside import command_argv, copy_test_sources

PROJECT = {
    "name": "contourpy",
    "optional-dependencies": {
        "test": ["contourpy[test-no-images]", "matplotlib"],
        "test-no-images": ["pytest", "pytest-xdist", "wurlitzer; sys_platform != 'win32'"],
        "docs": ["sphinx"],
    },
}


def tree(tmp_path: Path, *files: str) -> Path:
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    return tmp_path


def test_an_extra_follows_the_projects_references_to_its_own_extras():
    assert extra_requirements(PROJECT, ("test",)) == (
        "matplotlib", "pytest", "pytest-xdist", "wurlitzer; sys_platform != 'win32'")
    assert extra_requirements(PROJECT, ()) == ()


def test_cibuildwheel_test_settings_are_honoured(tmp_path):
    source = tree(tmp_path, "tests/test_minimal.py", "tests/conftest.py")
    pyproject = {"project": PROJECT, "tool": {"cibuildwheel": {
        "test-requires": "pytest hypothesis", "test-extras": ["test-no-images"],
        "test-command": ['python -c "import contourpy"', "pytest -v {project}/tests/test_minimal.py && echo done"]}}}
    found = discover_tests(source, pyproject)
    assert found.origin == "cibuildwheel" and found.copies == ("tests",)
    assert found.commands == (("python", "-c", "import contourpy"),
                              ("pytest", "-v", "{project}/tests/test_minimal.py"), ("echo", "done"))
    assert found.requires == ("pytest", "hypothesis", "pytest", "pytest-xdist", "wurlitzer; sys_platform != 'win32'")


def test_a_top_level_tests_folder_with_a_test_extra(tmp_path):
    source = tree(tmp_path, "tests/test_a.py", "src/pkg/__init__.py")
    found = discover_tests(source, {"project": PROJECT})
    assert found.origin == "tests-dir" and found.copies == ("tests",) and "matplotlib" in found.requires


def test_tests_inside_the_package_run_installed(tmp_path):
    source = tree(tmp_path, "pkg/__init__.py", "pkg/tests/test_a.py")
    assert discover_tests(source, {"project": {"name": "pkg"}}).origin == "installed"
    assert discover_tests(source, {"project": {"name": "pkg"}}, test_dir="pkg/tests").origin == "preset"


def test_a_malformed_cibuildwheel_setting_is_named():
    with pytest.raises(TargetError, match="tool.cibuildwheel.test-command"):
        discover_tests(Path("/nowhere"), {"project": {}, "tool": {"cibuildwheel": {"test-command": {"x": 1}}}})


def test_commands_mean_what_cibuildwheel_says(tmp_path):
    venv_py, project = Path("/venv/bin/python"), tmp_path / "project"
    # {project} and {package} are the project's real tree (cibuildwheel's docs, test-command).
    argv = command_argv(("pytest", "-v", "{project}/tests/test_minimal.py"), venv_py, project, "uv")
    assert argv == [str(venv_py), "-m", "pytest", "-v", f"{project}/tests/test_minimal.py"]
    assert command_argv(("bash", "{project}/tools/t.sh", "{package}"), venv_py, project, "uv") == \
        ["bash", f"{project}/tools/t.sh", str(project)]
    assert command_argv(("python", "-c", "import pkg"), venv_py, project, "uv") == [str(venv_py), "-c", "import pkg"]
    # uv's venvs hold no pip: pip is uv's, aimed at the test venv.
    assert command_argv(("python", "-m", "pip", "install", "x"), venv_py, project, "uv") == \
        ["uv", "pip", "install", "--python", str(venv_py), "x"]


def test_cibuildwheel_layers_platform_tables_and_overrides():
    from mesonmatrix.targets.cibuildwheel import expand, identifier, test_options

    table = {"test-command": "pytest {project}/tests", "test-requires": "pytest",
             "environment": {"A": "1", "B": "$A-two"}, "test-skip": "*-win_amd64",
             "linux": {"environment": 'C="x y" D=${C}!', "before-all": "yum install -y foo"},
             "overrides": [{"select": "cp312-*", "test-environment": {"E": "$(date)"}},
                           {"select": "cp313-*", "test-command": "never"}]}
    none = lambda kind, names: ()  # noqa: E731
    build = identifier("3.12", "manylinux_x86_64")
    found = test_options(table, platform="linux", build=build, requirements_of=none)
    assert found is not None and build == "cp312-manylinux_x86_64"
    assert found.commands == (("pytest", "{project}/tests"),) and found.skipped_by is None
    # The platform's table replaces the global environment (cibuildwheel's layering); test-environment follows.
    assert found.environment == (("C", "x y"), ("D", "${C}!"), ("E", "$(date)"))
    assert expand(found.environment, {"PATH": "/bin"}) == {"C": "x y", "D": "x y!", "E": "$(date)"}
    assert "tool.cibuildwheel.linux.environment" in found.honoured
    assert any("before-all" in n for n in found.not_honoured) and any("$(command)" in n for n in found.not_honoured)
    windows = test_options(table, platform="windows", build=identifier("3.12", "win_amd64"), requirements_of=none)
    assert windows is not None and windows.skipped_by == "*-win_amd64"
    assert expand((("A", "1"), ("B", "$A-two"), ("C", "$UNSET.")), {}) == {"A": "1", "B": "1-two", "C": "."}


def test_test_sources_are_copied_outside_the_tree_and_nothing_else(tmp_path):
    source = tree(tmp_path / "src", "tests/test_a.py", "tests/__pycache__/x.pyc", "pkg/__init__.py", "conftest.py")
    work = copy_test_sources(source, ("tests", "conftest.py"), tmp_path / "copy")
    copied = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())
    assert copied == ["conftest.py", "tests/test_a.py"]
    with pytest.raises(Exception, match="is not in"):
        copy_test_sources(source, ("../outside",), tmp_path / "copy")
