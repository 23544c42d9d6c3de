"""cibuildwheel's test settings where a project's CI gives them: CIBW_* variables in its
GitHub workflows' env, and a cibuildwheel.toml, layered as cibuildwheel layers them."""

from __future__ import annotations

from pathlib import Path

from mesonmatrix.targets import cibuildwheel
from mesonmatrix.targets.workflows import cibuildwheel_table, workflow_variables

WHEELS_YML = """name: wheels
on: [push]
env:
  CIBW_TEST_REQUIRES: pytest hypothesis
jobs:
  build_wheels:
    runs-on: ${{ matrix.os }}
    env:
      CIBW_TEST_SKIP: "*-win32"
    steps:
      - uses: actions/checkout@v4
      - uses: pypa/cibuildwheel@v2.21
        env:
          CIBW_TEST_COMMAND: >
            pytest {project}/tests -x
          CIBW_TEST_COMMAND_WINDOWS: "python -c pass"
          CIBW_BUILD: ${{ matrix.build }}
          CIBW_ENVIRONMENT: ${{ matrix.env }}
"""


def _none(kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return ()


def test_a_workflows_cibw_variables_are_its_test_settings(tmp_path: Path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "wheels.yml").write_text(WHEELS_YML)
    found = workflow_variables(tmp_path)
    assert found["CIBW_TEST_COMMAND"] == ("pytest {project}/tests -x\n", ".github/workflows/wheels.yml "
                                          "jobs.build_wheels.steps[1].env.CIBW_TEST_COMMAND")
    assert "CIBW_ENVIRONMENT" not in found  # a GitHub expression: known only on GitHub
    table = cibuildwheel_table(tmp_path, {"tool": {"cibuildwheel": {"test-command": "python -m old"}}})
    linux = cibuildwheel.test_options(table, platform="linux", build="cp312-manylinux_x86_64", requirements_of=_none)
    assert linux is not None
    assert linux.commands == (("pytest", "{project}/tests", "-x"),) and linux.requires == ("pytest", "hypothesis")
    assert ".github/workflows/wheels.yml jobs.build_wheels.steps[1].env.CIBW_TEST_COMMAND" in linux.honoured
    windows = cibuildwheel.test_options(table, platform="windows", build="cp312-win_amd64", requirements_of=_none)
    assert windows is not None and windows.commands == (("python", "-c", "pass"),)
    win32 = cibuildwheel.test_options(table, platform="windows", build="cp312-win32", requirements_of=_none)
    assert win32 is not None and win32.skipped_by == "*-win32"


def test_a_cibuildwheel_toml_is_read_where_pyproject_has_no_table(tmp_path: Path):
    (tmp_path / "cibuildwheel.toml").write_text('[tool.cibuildwheel]\ntest-command = "pytest {package}"\n'
                                                'test-requires = ["pytest"]\n')
    table = cibuildwheel_table(tmp_path, {})
    found = cibuildwheel.test_options(table, platform="linux", build="cp312-manylinux_x86_64", requirements_of=_none)
    assert found is not None and found.commands == (("pytest", "{package}"),)
    assert "cibuildwheel.toml.test-command" in found.honoured
    assert cibuildwheel_table(tmp_path / "nothing", {}) == {}


def test_a_presets_test_command_is_run_as_a_cibuildwheel_test_command(tmp_path: Path):
    from mesonmatrix.config.presets import parse_target_preset
    from mesonmatrix.targets.resolve import target_from_source

    root = Path(__file__).resolve().parents[2]
    preset = parse_target_preset(tmp_path / "targets.toml", "demo2", {
        "path": str(root / "demo"), "test_command": "python -m pytest {project}/tests -q && python -c pass",
        "test_requires": ["pytest", "hypothesis"]}, tmp_path)
    target = target_from_source(root / "demo", name="demo2", preset=preset)
    assert target.tests.origin == "cibuildwheel"
    found = cibuildwheel.test_options(target.cibuildwheel, platform="linux", build="cp312-manylinux_x86_64",
                                      requirements_of=_none)
    assert found is not None
    assert found.commands == (("python", "-m", "pytest", "{project}/tests", "-q"), ("python", "-c", "pass"))
    assert found.requires == ("pytest", "hypothesis") and "targets.demo2.test_command" in found.honoured


def test_the_installed_suite_says_which_project_settings_it_does_not_follow(tmp_path: Path):
    import shutil

    from mesonmatrix.plan import installed_suite_setup
    from mesonmatrix.targets.resolve import target_from_source

    project = tmp_path / "p"
    shutil.copytree(Path(__file__).resolve().parents[2] / "demo", project)
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.pytest.ini_options]\naddopts = "-ra"\n\n[dependency-groups]\ntest = ["pytest", '
                     '"hypothesis"]\n')
    honoured, not_honoured = installed_suite_setup(target_from_source(project))
    assert honoured == ("test requirements: pytest",)
    assert not_honoured[0].startswith("pyproject.toml: pytest's configuration is not read by the installed suite")
    assert not_honoured[1].startswith("dependency-groups.test: not installed")


def test_init_says_where_it_found_the_tests_or_what_to_set(tmp_path: Path):
    import shutil

    from mesonmatrix.adopt.init import where_the_tests_are
    from mesonmatrix.targets.resolve import target_from_source

    demo = Path(__file__).resolve().parents[2] / "demo"
    project = tmp_path / "p"
    shutil.copytree(demo, project)
    assert where_the_tests_are(target_from_source(project)) == \
        "tests: installed in the package, run with pytest --pyargs blasdemo"
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "wheels.yml").write_text(WHEELS_YML)
    assert where_the_tests_are(target_from_source(project)) == (
        "tests: cibuildwheel's test-command, from .github/workflows/wheels.yml "
        "jobs.build_wheels.steps[1].env.CIBW_TEST_COMMAND, run as cibuildwheel runs it")
    bare = tmp_path / "bare"
    shutil.copytree(demo, bare, ignore=shutil.ignore_patterns("test_*.py"))
    said = where_the_tests_are(target_from_source(bare))
    assert said.startswith("tests: none found") and "set test_command (or test_dir) in [targets.blasdemo]" in said


def test_a_pyodide_job_is_not_where_the_wheels_tests_come_from(tmp_path: Path):
    """pywavelets 1.9.0: emscripten.yml (first by name) tests its pyodide build with its own
    command; the wheels' command is in another workflow."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "emscripten.yml").write_text(
        "on: [push]\njobs:\n  pyodide:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: pypa/cibuildwheel@v3\n        env:\n          CIBW_PLATFORM: pyodide\n"
        "          CIBW_TEST_COMMAND: python -c \"import pywt; pywt.test()\"\n")
    (workflows / "wheels.yml").write_text(WHEELS_YML)
    found = workflow_variables(tmp_path)
    assert found["CIBW_TEST_COMMAND"][1] == \
        ".github/workflows/wheels.yml jobs.build_wheels.steps[1].env.CIBW_TEST_COMMAND"
