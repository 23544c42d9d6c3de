"""What each cell would run, decided before any command: Linux, macOS and Windows alike."""

import dataclasses
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.machine.uv import install_command
from mesonmatrix.machine.workspace import Workspace
from mesonmatrix.options import RunOptions
from mesonmatrix.plan import plan_cell, why_not_here
from mesonmatrix.stages.build import build_command
from mesonmatrix.stages.build_env import _build_variables
from mesonmatrix.targets.resolve import resolve_target
from mesonmatrix.testing.pytestrun import pytest_command

ROOT = Path(__file__).resolve().parents[2]
MATRICES = load_matrices(ROOT / "matrices", ROOT)
CELLS = MATRICES.matrix.by_session()
WS = Workspace(Path("/ws"))
DEMO = resolve_target("demo", MATRICES.presets, WS.root)


# A project root without lock files: plans resolve their requirements at run time.
OPTIONS = RunOptions(project_root=Path("/no-project"))


def plan(name, **options):
    return plan_cell(CELLS[name], DEMO, WS, replace(OPTIONS, **options))


def test_full_runtime_split_share_one_build_dir():
    dirs = {
        plan(n).build_dir for n in ("build-3.12-openblas", "build-3.12-openblas-runtime", "build-3.12-openblas-split")
    }
    assert len(dirs) == 1
    assert plan("build-3.12-netlib").build_dir not in dirs
    assert plan("build-3.12-openblas-auto").build_dir not in dirs


def test_split_builds_runtime_and_tests_plus_full_reference():
    p = plan("build-3.12-openblas-split")
    assert p.roles == ("runtime", "tests")
    assert p.build_roles() == ("full", "runtime", "tests")


def test_tag_sets_are_cut_from_the_full_wheel_unless_meson_python_is_asked():
    runtime = plan("build-3.12-openblas-runtime")
    assert runtime.roles == ("runtime",) and runtime.build_roles() == ("full", "runtime")
    by_tags = plan("build-3.12-openblas-runtime", tag_wheels="meson-python")
    assert by_tags.build_roles() == ("runtime",)
    with pytest.raises(ValueError, match="install-plan, meson-python"):
        plan("build-3.12-openblas-runtime", tag_wheels="guess")


def test_headline_build_command():
    p = plan("build-3.12-openblas")
    argv = build_command(
        Path("/env/bin/python"),
        DEMO.source_dir,
        build_dir=p.build_dir,
        out_dir=Path("/o"),
        setup_args=p.setup_args,
        install_tags=(),
    )
    assert argv[:6] == ["/env/bin/python", "-m", "build", "--wheel", "--no-isolation", "--skip-dependency-check"]
    assert f"-Cbuild-dir={p.build_dir}" in argv
    assert "-Csetup-args=-Dblas=scipy-openblas" in argv
    assert "-Csetup-args=-Duse-system-libraries=none" in argv
    assert not any(a.startswith("-Cinstall-args") for a in argv)
    assert argv[-1] == str(DEMO.source_dir)


def test_runtime_and_tests_install_args():
    runtime = build_command(
        Path("p"),
        Path("s"),
        build_dir=Path("b"),
        out_dir=Path("o"),
        setup_args=(),
        install_tags=("runtime", "python-runtime", "devel"),
    )
    assert "-Cinstall-args=--tags=runtime,python-runtime,devel" in runtime
    tests = build_command(
        Path("p"), Path("s"), build_dir=Path("b"), out_dir=Path("o"), setup_args=(), install_tags=("tests",)
    )
    assert "-Cinstall-args=--tags=tests" in tests


def test_system_library_value_reaches_meson():
    assert "-Duse-system-libraries=kahan" in plan("build-3.12-openblas-kahan").setup_args
    assert "-Duse-system-libraries=auto" in plan("build-3.12-openblas-auto").setup_args


@pytest.mark.parametrize("name", ["build-3.12-openblas-macos-arm64", "build-3.12-openblas-macos-x86_64"])
def test_macos_cell_commands(name):
    p = plan(name)
    assert p.repairer.tool == "delocate"
    argv = p.repairer.repair_command(Path("w.whl"), Path("out"), platform=p.platform)
    assert argv[0] == "delocate-wheel" and p.platform.arch in argv
    assert p.platform.venv_python(Path("v")) == Path("v/bin/python")
    assert why_not_here(CELLS[name], DEMO, p.provider, "linux-x86_64").startswith(
        f"{p.platform.name} cell on a linux-x86_64 host"
    )
    assert why_not_here(CELLS[name], DEMO, p.provider, p.platform.name) is None


def test_windows_cell_commands():
    p = plan("build-3.12-openblas-windows-amd64")
    assert p.repairer.tool == "delvewheel"
    py = p.platform.venv_python(Path("v"))
    assert py == Path("v/Scripts/python.exe")
    assert install_command("uv", py, [Path("a.whl")], ["pytest"]) == [
        "uv",
        "pip",
        "install",
        "--python",
        str(py),
        "a.whl",
        "pytest",
    ]
    argv = pytest_command(py, ("blasdemo",), Path("j.xml"))
    assert argv[:3] == [str(py), "-m", "pytest"] and argv[-2:] == ["--pyargs", "blasdemo"]
    assert why_not_here(CELLS["build-3.12-openblas-windows-amd64"], DEMO, p.provider, "windows-amd64") is None


def test_components_the_target_does_not_know_are_skipped():
    cell = CELLS["build-3.12-openblas-kahan"]
    no_option = DEMO.__class__(**{**DEMO.__dict__, "system_components": None})
    assert "no use-system-libraries option" in why_not_here(
        cell, no_option, plan("build-3.12-openblas").provider, "linux-x86_64"
    )
    other = DEMO.__class__(**{**DEMO.__dict__, "system_components": ("qhull",)})
    assert "not kahan" in why_not_here(cell, other, plan("build-3.12-openblas").provider, "linux-x86_64")


def locked_root(tmp_path):
    """A project root holding a copy of the committed demo locks."""
    shutil.copytree(ROOT / "locks" / "demo", tmp_path / "locks" / "demo")
    return tmp_path


def test_cells_install_their_checked_locks(tmp_path):
    p = plan("build-3.12-openblas", project_root=locked_root(tmp_path))
    assert p.lock_error is None
    assert p.build_lock == tmp_path / "locks/demo/py3.12-build-openblas.txt"
    assert p.tests.lock == tmp_path / "locks/demo/py3.12-test.txt"
    assert p.locks.build.path == "locks/demo/py3.12-build-openblas.txt" and not p.locks.unlocked


def test_a_stale_test_lock_stops_the_cell_with_the_lock_command(tmp_path):
    root = locked_root(tmp_path)
    inputs = root / "locks/demo/py3.12-test.in"
    inputs.write_text(inputs.read_text().replace("pytest\n", ""))
    p = plan("build-3.12-openblas", project_root=root)
    assert "py3.12-test.txt is stale: the target now also asks for pytest" in p.lock_error
    assert "run `nox -s lock -- demo`" in p.lock_error and "--unlocked" in p.lock_error


def test_a_missing_lock_stops_the_cell_unless_unlocked_is_asked_for(tmp_path):
    p = plan("build-3.12-openblas", project_root=tmp_path)
    assert "there is no lock file py3.12-build-openblas.txt" in p.lock_error
    p = plan("build-3.12-openblas", project_root=tmp_path, target="../my project", unlocked=True)
    assert p.lock_error is None and p.build_lock is None and p.tests.lock is None and p.locks.unlocked
    p = plan("build-3.12-openblas", project_root=tmp_path, target="../my project")
    assert "run `nox -s lock -- '../my project'`" in p.lock_error


def test_toolchain_min_builds_unlocked_but_tests_locked(tmp_path):
    p = plan("toolchain-min-3.12", project_root=locked_root(tmp_path))
    assert p.lock_error is None and p.build_lock is None and p.tests.lock is not None


def test_a_target_given_by_path_without_locks_runs_unlocked_and_says_so(tmp_path):
    adhoc = dataclasses.replace(DEMO, name="blasdemo", from_preset=False)
    p = plan_cell(CELLS["build-3.12-openblas"], adhoc, WS, replace(OPTIONS, project_root=tmp_path, target="../x"))
    assert p.lock_error is None and p.locks.unlocked and p.build_lock is None
    assert "blasdemo has no locks yet" in p.lock_notice and "`nox -s lock -- ../x` writes locks" in p.lock_notice


def no_blas_target():
    options = {k: v for k, v in DEMO.meson_options.items() if k not in ("blas", "lapack", "use-ilp64")}
    return dataclasses.replace(DEMO, meson_options=options, from_preset=False, name="noblas")


def test_a_target_without_blas_builds_without_blas_arguments_in_one_cell():
    target = no_blas_target()
    headline = plan_cell(CELLS["build-3.12-openblas"], target, WS, OPTIONS, matrix=MATRICES.matrix)
    assert headline.skip_reason is None and headline.provider.name == "none"
    assert not any(a.startswith(("-Dblas", "-Dlapack", "-Duse-ilp64")) for a in headline.setup_args)
    assert "scipy-openblas32" not in headline.build_requirements
    sibling = plan_cell(CELLS["build-3.12-netlib"], target, WS, OPTIONS, matrix=MATRICES.matrix)
    assert sibling.skip_reason == "noblas declares no BLAS option: build-3.12-openblas builds and tests the same wheel"


def test_an_ilp64_flavour_needs_the_targets_use_ilp64_option():
    options = {k: v for k, v in DEMO.meson_options.items() if k != "use-ilp64"}
    target = dataclasses.replace(DEMO, meson_options=options)
    assert "declares no use-ilp64 option" in plan_cell(CELLS["build-3.12-openblas64"], target, WS, OPTIONS).skip_reason
    assert plan_cell(CELLS["build-3.12-openblas"], target, WS, OPTIONS).skip_reason is None


def test_a_python_the_target_does_not_admit_is_skipped_not_failed():
    """NumPy 2.4.6 requires Python >=3.11: its 3.10 cell is skipped, as `nox -s lock` leaves
    3.10 out, instead of failing for the lock it never gets."""
    newer_only = dataclasses.replace(DEMO, requires_python=">=3.11")
    skipped = plan_cell(CELLS["build-3.10-openblas"], newer_only, WS, OPTIONS)
    assert skipped.skip_reason == ("blasdemo 0.1.0 requires Python >=3.11: Python 3.10 is not one of its Pythons")
    assert plan_cell(CELLS["build-3.11-openblas"], newer_only, WS, OPTIONS).skip_reason is None
    assert plan_cell(CELLS["build-3.10-openblas"], DEMO, WS, OPTIONS).skip_reason is None


def test_a_targets_own_pkg_config_names_get_their_own_folder_and_configure():
    """A preset's blas_pkgconfig is part of what the build is configured with: a changed
    mapping writes its .pc files afresh into another folder, which the build is given."""
    scipys = {"scipy-openblas": "scipy-openblas32", "scipy-openblas64": "scipy-openblas64"}
    default = plan("build-3.12-openblas64")
    hybrid = plan_cell(CELLS["build-3.12-openblas64"], dataclasses.replace(DEMO, blas_pkgconfig={
        "openblas64": scipys}), WS, OPTIONS)
    renamed = plan_cell(CELLS["build-3.12-openblas64"], dataclasses.replace(DEMO, blas_pkgconfig={
        "openblas64": {**scipys, "scipy-openblas": "scipy-openblas64"}}), WS, OPTIONS)
    folders = {p.pkg_config_dir for p in (default, hybrid, renamed)}
    assert len(folders) == 3
    # The build's PKG_CONFIG_PATH (-Dpkg_config_path at each configure, and the configure
    # fingerprint's environment) starts with the folder.
    assert all(_build_variables(p, {}, 0)["PKG_CONFIG_PATH"].startswith(str(p.pkg_config_dir))
               for p in (default, hybrid, renamed))
    assert hybrid.provider.expectation.hybrid and not default.provider.expectation.hybrid
    assert not renamed.provider.expectation.hybrid  # one package: one library, no hybrid build


def test_the_platform_says_whether_a_manylinux_policy_applies_and_the_plan_decides_it_once():
    from mesonmatrix.config.keys import cell_settings
    from mesonmatrix.plan import manylinux_policy
    from mesonmatrix.platforms import PLATFORMS

    assert PLATFORMS["linux-aarch64"].manylinux_tag("2_28") == "manylinux_2_28_aarch64"
    with pytest.raises(ValueError, match="no manylinux policy applies to macOS"):
        PLATFORMS["macos-arm64"].manylinux_tag("2_28")
    strict = cell_settings({"manylinux": "2_28"})
    assert manylinux_policy(CELLS["build-3.12-openblas"], strict) == "2_28"
    for name in ("build-3.12-openblas-macos-arm64", "build-3.12-openblas-windows-amd64",
                 "build-3.12-system-openblas-deb"):
        assert manylinux_policy(CELLS[name], strict) is None, name
    assert plan_cell(CELLS["build-3.12-system-openblas-deb"], DEMO, WS,
                     replace(OPTIONS, settings={"manylinux": "2_28"})).manylinux is None


@pytest.mark.parametrize("name, stages", [
    ("build-3.12-openblas", ("build_env", "build", "repair", "test")),
    ("build-3.12-openblas-split", ("build_env", "build", "repair", "partition", "test")),
    ("build-3.12-system-openblas-deb", ("build_env", "build", "package", "packagetest")),
    ("build-3.12-netlib-conda", ("build_env", "build", "package")),
    ("loosened-3.12", ("build_env", "loosened", "build", "repair", "test")),
])
def test_the_plan_lists_the_stages_its_cell_runs(name, stages):
    assert plan(name).stages == stages
    assert "test" not in plan_cell(CELLS[name], DEMO, WS, replace(OPTIONS, run_tests=False)).stages
