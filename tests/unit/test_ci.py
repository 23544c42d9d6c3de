"""Nightly CI: its job matrix is exactly the cells `nox -l --json` lists (narrowed by the
dispatch inputs), each job runs and prints one reproducible command, and the committed
workflow is the generator's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mesonmatrix.ci.jobs import RUNNERS, CiChoices, github_matrix, load_cells, nox_listing, split_by_container
from mesonmatrix.ci.workflow import OWN, render_workflow
from mesonmatrix.config.matrixfile import MatrixSet
from mesonmatrix.config.presets import TargetPreset
from mesonmatrix.errors import CiMatrixError
from mesonmatrix.model import Cell, Matrix

from cells import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


def test_matrix_is_every_listed_cell_on_its_platforms_runner():
    listing = nox_listing(ROOT)
    matrix = github_matrix(listing, load_cells(ROOT))["include"]
    assert sorted(m["session"] for m in matrix) == sorted(entry["session"] for entry in listing)
    assert {"build-3.12-openblas", "toolchain-min-3.12", "build-3.12-openblas-macos-arm64",
            "build-3.12-openblas-windows-amd64"} <= {m["session"] for m in matrix}
    for m in matrix:
        assert m["runner"] == RUNNERS[m["platform"]]
        assert m["platform"] in json.dumps(next(e["tags"] for e in listing if e["session"] == m["session"]))
        assert json.loads(m["args"]) == ["--verify-repair"]
        assert m["command"] == f"python -m nox -s {m['session']} -- --verify-repair"
    by_session = {m["session"]: m for m in matrix}
    # apt: what each Linux cell needs, packaging tools only for the cells that package.
    assert by_session["build-3.12-openblas"]["apt"] == "ccache"
    assert by_session["build-3.12-system-openblas-deb"]["apt"] == "ccache lintian"
    assert by_session["build-3.12-system-openblas-rpm"]["apt"] == "ccache rpm rpmlint"
    assert by_session["build-3.12-openblas-macos-arm64"]["apt"] == ""
    # One cell of each platform and Python saves the shared cache.
    savers = [(m["platform"], m["python"]) for m in matrix if m["saves_cache"] == "true"]
    assert sorted(savers) == sorted({(m["platform"], m["python"]) for m in matrix})


def outputs(stdout: str) -> dict[str, str]:
    """ci-matrix's $GITHUB_OUTPUT lines, by name."""
    return dict(line.split("=", 1) for line in stdout.splitlines())


def _cells(*specs: tuple[str, str, str, str | None]) -> tuple[list[dict[str, object]], MatrixSet]:
    """A listing and its typed cells: (session, platform, blas, manylinux policy) each; the
    listing's tags name nothing the matrix reads (it places cells by their typed cell)."""
    cells = [Cell(python="3.12", blas=blas, platform=platform, system_libraries="none", install_tags="full",
                  session_name=session, matrix_file=Path("m.toml"), target="demo",
                  settings={"manylinux": policy} if policy else {})
             for session, platform, blas, policy in specs]
    listing = [{"session": cell.session_name, "python": "3.12", "tags": []} for cell in cells]
    presets = {"demo": TargetPreset(name="demo", description="")}
    return listing, MatrixSet(matrix=Matrix(cells=tuple(cells)), presets=presets)


def test_a_cell_with_a_manylinux_policy_runs_in_the_pypas_image_for_it():
    listing, cells = _cells(("build-3.12-openblas", "linux-x86_64", "openblas", "2_28"),
                            ("build-3.12-openblas-linux-aarch64", "linux-aarch64", "openblas", "2_28"),
                            ("build-3.13-openblas", "linux-x86_64", "openblas", "2_31"),  # 2_28's glibc meets it
                            ("build-3.12-openblas-newer", "linux-x86_64", "openblas", "2_39"),
                            ("build-3.12-openblas-host", "linux-x86_64", "openblas", None),
                            # Debian's BLAS comes from apt: the RHEL-based image has none; it stays on the runner.
                            ("build-3.12-netlib", "linux-x86_64", "netlib", "2_28"),
                            # No manylinux policy applies to a macOS wheel.
                            ("build-3.12-openblas-macos-arm64", "macos-arm64", "openblas", "2_28"))
    by_session = {e["session"]: e for e in github_matrix(listing, cells)["include"]}
    image = {s: e["container"] for s, e in by_session.items()}
    assert image["build-3.12-openblas"].startswith("quay.io/pypa/manylinux_2_28_x86_64@sha256:")
    assert image["build-3.12-openblas-linux-aarch64"].startswith("quay.io/pypa/manylinux_2_28_aarch64@sha256:")
    assert by_session["build-3.12-openblas-linux-aarch64"]["runner"] == "ubuntu-24.04-arm"
    assert image["build-3.13-openblas"] == image["build-3.12-openblas"]
    assert image["build-3.12-openblas-newer"].startswith("quay.io/pypa/manylinux_2_34_x86_64@sha256:")
    assert image["build-3.12-openblas-host"] == "" and image["build-3.12-openblas-macos-arm64"] == ""
    assert image["build-3.12-netlib"] == ""
    # The container's envs are made by the image's Pythons: its cells save a cache of their own.
    assert by_session["build-3.12-openblas"]["saves_cache"] == by_session["build-3.12-openblas-host"]["saves_cache"] \
        == "true"
    parts = split_by_container(github_matrix(listing, cells))
    assert {e["session"] for e in parts["cells"]["include"]} == {"build-3.12-openblas-host", "build-3.12-netlib",
                                                                 "build-3.12-openblas-macos-arm64"}
    assert len(parts["manylinux_cells"]["include"]) == 4


def test_a_policy_older_than_the_actions_can_run_in_is_refused():
    with pytest.raises(CiMatrixError, match=r"manylinux 2_17: .*glibc 2\.28.*manylinux = \"2_28\""):
        github_matrix(*_cells(("build-3.12-openblas", "linux-x86_64", "openblas", "2_17")))


def test_the_manylinux_job_runs_in_the_cells_image_with_the_images_pythons():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    job = jobs["cell-manylinux"]
    assert job["container"] == "${{ matrix.container }}"
    assert job["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.manylinux_cells) }}"
    assert job["if"] == "needs.matrix.outputs.has_manylinux_cells == 'true'"
    assert jobs["cell"]["if"] == "needs.matrix.outputs.has_cells == 'true'"
    steps = json.dumps(job["steps"])
    assert "setup-python" not in steps and "apt-get" not in steps  # neither works in the image
    assert "/opt/python/cp3*/bin" in steps and job["env"]["TOOL_PYTHON"] == "/opt/python/cp312-cp312/bin/python"
    # ${{ github.workspace }} is the host's path inside a container: the caches come from $GITHUB_WORKSPACE.
    assert "github.workspace" not in json.dumps(job["env"]) and "$GITHUB_WORKSPACE/.cache/ccache" in steps
    assert "pip install ninja" in steps and "pkgconf-pkg-config" in steps
    run = next(s for s in job["steps"] if "ci-run" in s.get("run", ""))
    assert run["run"].strip().startswith('"$TOOL_PYTHON" -m mesonmatrix ci-run')
    assert set(jobs["report"]["needs"]) == {"cell", "cell-manylinux"}
    keys = [s["with"]["key"] for s in job["steps"] if s.get("uses", "").startswith("actions/cache/")]
    assert keys and all(k.startswith("manylinux-") for k in keys)


def test_matrix_per_platform_matches_nox_tags():
    listing = nox_listing(ROOT)
    for platform in ("linux-x86_64", "macos-arm64", "windows-amd64"):
        listed = nox_listing(ROOT, ["-t", platform])
        chosen = github_matrix(listing, load_cells(ROOT), CiChoices(platforms=(platform,)))["include"]
        assert sorted(m["session"] for m in chosen) == sorted(e["session"] for e in listed)


def test_dispatch_inputs_narrow_the_matrix_and_reach_every_job():
    out = subprocess.run([sys.executable, "scripts/ci_matrix.py", "--target", "numpy", "--suite", "smoke",
                          "--python", "3.12 3.13", "--platform", "linux-x86_64,windows-amd64", "--matrix", "default"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("cells=")
    jobs = json.loads(outputs(out.stdout)["cells"])["include"]
    assert jobs and {j["python"] for j in jobs} == {"3.12", "3.13"}
    assert {j["platform"] for j in jobs} == {"linux-x86_64", "windows-amd64"}
    for job in jobs:
        assert json.loads(job["args"]) == ["--verify-repair", "--target", "numpy", "--suite", "smoke"]
        assert job["command"].endswith(f"-s {job['session']} -- --verify-repair --target numpy --suite smoke")
    # Empty inputs (a scheduled run) keep everything; a choice matching nothing is an error.
    every = subprocess.run([sys.executable, "scripts/ci_matrix.py", "--target", "", "--python", "", "--platform", "",
                            "--matrix", ""], cwd=ROOT, capture_output=True, text=True, check=True)
    both = outputs(every.stdout)
    assert both["has_cells"] == "true" and both["has_manylinux_cells"] == "false"  # no cell here sets a policy
    assert len(json.loads(both["cells"])["include"]) == len(nox_listing(ROOT))
    none = subprocess.run([sys.executable, "scripts/ci_matrix.py", "--python", "2.7"], cwd=ROOT,
                          capture_output=True, text=True)
    assert none.returncode == 2 and "no cell matches" in none.stderr
    bad = subprocess.run([sys.executable, "scripts/ci_matrix.py", "--platform", "amiga"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown platform amiga" in bad.stderr


def test_a_job_prints_its_command_and_runs_exactly_that(tmp_path):
    (tmp_path / "noxfile.py").write_text(
        "import nox\n@nox.session(venv_backend='none')\ndef hello(session):\n"
        "    print('posargs=' + repr(session.posargs))\n")
    args = json.dumps(["--verify-repair", "--target", "my project"])
    # A bare environment, but no bytecode written into this checkout's src/.
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "", "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-m", "mesonmatrix", "ci-run", "hello", args], cwd=tmp_path,
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("Reproduce this job anywhere with: python -m nox -s hello -- --verify-repair "
                                 "--target 'my project'")
    assert "posargs=['--verify-repair', '--target', 'my project']" in out.stdout + out.stderr
    refused = subprocess.run([sys.executable, "-m", "mesonmatrix", "ci-run", "hello", '"--target x"'], cwd=tmp_path,
                             capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and "JSON list of strings" in refused.stderr


def test_committed_workflow_is_the_generators():
    assert WORKFLOW.read_text() == render_workflow(OWN), "regenerate: python -c 'from mesonmatrix.ci.workflow " \
        "import *; print(render_workflow(OWN), end=\"\")' > .github/workflows/nightly.yml"


def test_workflow_shares_compile_work_and_verifies_other_platforms_wheels():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    on = workflow.get("on", workflow.get(True))
    assert set(on["workflow_dispatch"]["inputs"]) == {"target", "suite", "pythons", "platforms", "matrix"}
    jobs = workflow["jobs"]
    assert all("timeout-minutes" in job and job["permissions"]["contents"] == "read" for job in jobs.values())
    assert [name for name, job in jobs.items() if len(job["permissions"]) > 1] == ["report"]
    assert jobs["report"]["permissions"]["actions"] == "read"  # only to download the previous run's report
    assert jobs["cell"]["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.cells) }}"
    steps = jobs["cell"]["steps"]
    (own,) = [s["with"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    (shared,) = [s["with"] for s in steps if s.get("uses", "").startswith("actions/cache/restore@")]
    (save,) = [s for s in steps if s.get("uses", "").startswith("actions/cache/save@")]
    # Neighbours (same platform, Python, target) share ccache and build envs by prefix; build dirs stay per cell.
    assert ".cache/ccache" in shared["path"] and ".matrix/build" in own["path"]
    assert shared["restore-keys"].strip().splitlines()[-1].endswith("-py${{ matrix.python }}-"
                                                                   "${{ inputs.target || 'default' }}-")
    assert "matrix.session" in own["key"] and "matrix.session" in own["restore-keys"]
    # One entry per platform, Python and target a run, saved by one cell of each, not one per cell.
    assert "matrix.session" not in shared["key"] and save["with"]["key"] == shared["key"]
    assert save["if"] == "always() && matrix.saves_cache == 'true'"
    apt = next(s for s in steps if "apt-get install" in s.get("run", ""))
    assert apt["env"]["APT_PACKAGES"] == "${{ matrix.apt }}"
    run = next(s for s in steps if "ci-run" in s.get("run", ""))
    assert "${{" not in run["run"] and run["env"]["CELL_ARGS"] == "${{ matrix.args }}"
    report = json.dumps(jobs["report"]["steps"])
    assert "nox -s verify -- wheelhouse" in report and "nox -s report -- --previous" in report
    assert any("wheels-" in json.dumps(s) for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))


def test_cells_of_a_matrix_with_a_policy_are_tagged_for_their_image(tmp_path):
    from mesonmatrix.config.matrixfile import load_matrices
    from mesonmatrix.sessions.cells import policy_tags

    shutil.copytree(ROOT / "matrices", tmp_path / "matrices")
    shutil.copytree(ROOT / "demo", tmp_path / "demo", ignore=shutil.ignore_patterns("build", ".mesonpy*"))
    default = tmp_path / "matrices" / "default.toml"
    default.write_text('manylinux = "2_28"\n' + default.read_text())
    matrices = load_matrices(tmp_path / "matrices", tmp_path)
    cells = matrices.matrix.by_session()
    assert policy_tags(cells["build-3.12-openblas"], matrices) == ["manylinux-2_28"]
    assert policy_tags(cells["build-3.12-openblas-macos-arm64"], matrices) == []  # not Linux
    assert policy_tags(cells["build-3.12-system-openblas-deb"], matrices) == []  # a .deb is not a manylinux wheel


def test_ci_matrix_places_a_cell_by_the_policy_of_the_target_it_builds(tmp_path, capsys):
    """`ci-matrix --target X` sends a Linux wheel cell to the image of X's manylinux policy,
    as the cell's plan applies it, not to the one of the matrix's own target (which the
    cell's nox tag names)."""
    from mesonmatrix.cli.ci import main  # the command-line side, which loads the cells itself

    for name in ("noxfile.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "demo").mkdir()
    (tmp_path / "matrices").mkdir()
    (tmp_path / "matrices" / "m.toml").write_text(
        '[axes]\npython = ["3.12"]\nblas = ["openblas", "netlib"]\npackage = ["wheel", "deb"]\n'
        'platform = ["linux-x86_64"]\nsystem_libraries = ["none"]\ninstall_tags = ["full"]\n'
        '[targets.demo]\npath = "demo"\n'
        '[targets.strict]\npath = "demo"\nmanylinux = "2_28"\n')

    def containers(*argv: str) -> dict[str, str]:
        assert main(["--pretty", *argv], tmp_path) == 0
        return {e["session"]: e["container"] for e in json.loads(capsys.readouterr().out)["include"]}

    assert set(containers().values()) == {""}  # demo has no policy: every cell on the runner
    strict = containers("--target", "strict")
    assert strict["build-3.12-openblas"].startswith("quay.io/pypa/manylinux_2_28_x86_64@sha256:")
    # Debian's BLAS and the .deb cells stay on the runner, where apt is.
    assert strict["build-3.12-netlib"] == strict["build-3.12-openblas-deb"] == ""


@pytest.mark.parametrize("which", ["own", "init"])
def test_every_cell_job_can_point_ccache_at_a_remote_the_repository_sets(which):
    """ccache's remote storage from a secret of the repository, in both cell
    jobs (runner and manylinux container), this project's workflow and the one init writes."""
    from mesonmatrix.ci.workflow import workflow_yaml

    text = WORKFLOW.read_text() if which == "own" else workflow_yaml("mesonmatrix==1.0")
    jobs = yaml.safe_load(text)["jobs"]
    cell_jobs = [job for job in jobs.values() if "CCACHE_MAXSIZE" in job.get("env", {})]
    assert len(cell_jobs) == 2
    for job in cell_jobs:
        assert job["env"]["CCACHE_REMOTE_STORAGE"] == "${{ secrets.CCACHE_REMOTE_STORAGE }}"


@pytest.mark.parametrize("command", ["init", "ci-matrix", "ci-run"])
def test_every_command_has_real_help_that_exits_0(command):
    out = subprocess.run([sys.executable, "-m", "mesonmatrix", command, "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: mesonmatrix {command}") and "options:" in out.stdout
