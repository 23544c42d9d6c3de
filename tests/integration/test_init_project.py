"""init in another project's fresh git checkout: nox -l and its first Linux cell work there,
locked, with everything the cell writes kept in that repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from cells import ROOT

pytestmark = pytest.mark.integration


def test_init_then_the_first_linux_cell_passes_in_that_repository(tmp_path):
    project = tmp_path / "otherproject"
    shutil.copytree(ROOT / "demo", project, ignore=shutil.ignore_patterns("build", ".mesonpy*"))
    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "the project"], cwd=project, check=True)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    env.pop("MESONMATRIX_HOME", None)
    # This checkout is installed from its folder, which CI could not install: name what it should.
    init = subprocess.run([sys.executable, "-m", "mesonmatrix", "init", "--tool-requirement", "mesonmatrix"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert init.returncode == 0, init.stdout[-3000:] + init.stderr[-3000:]
    assert (project / "locks" / "blasdemo" / "py3.12-build-openblas.txt").is_file()
    listing = subprocess.run([sys.executable, "-m", "nox", "-l", "--json"], cwd=project, env=env, capture_output=True,
                             text=True, check=True)
    sessions = {entry["session"]: entry["python"] for entry in json.loads(listing.stdout)}
    assert sessions["build-3.12-openblas"] == "3.12" and "build-3.11-openblas" in sessions
    cell = subprocess.run([sys.executable, "-m", "nox", "-s", "build-3.12-openblas"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert cell.returncode == 0, cell.stdout[-3000:]
    # The cell's closing line, last on its output: status, wheel, counts, BLAS.
    last = cell.stdout.strip().splitlines()[-1]
    assert last.startswith("✓ build-3.12-openblas passed in ") and ".whl; tests " in last
    assert " passed, 0 failed" in last
    record = json.loads((project / ".matrix" / "results" / "blasdemo" / "build-3.12-openblas" / "result.json")
                        .read_text())
    assert record["status"] == "passed" and record["tests"]["passed"] >= 10
    assert record["locks"]["build"]["path"] == "locks/blasdemo/py3.12-build-openblas.txt"
    # The workspace is inside the project: its paths are relative to the project root, so the
    # record still names its files when CI jobs' results are gathered elsewhere.
    wheel = record["wheels"][0]["path"]
    assert wheel.startswith(".matrix/results/blasdemo/build-3.12-openblas/") and (project / wheel).is_file()
    assert record["log"] == ".matrix/results/blasdemo/build-3.12-openblas/cell.log"
    assert str(project) not in json.dumps({k: v for k, v in record.items() if k != "error"})
    again = subprocess.run([sys.executable, "-m", "mesonmatrix", "init", "--tool-requirement", "mesonmatrix"],
                           cwd=project, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "--force" in again.stderr


def test_a_nox_installed_alone_runs_the_generated_noxfile(tmp_path):
    """nox from pipx or uvx has nothing beside it: the noxfile's PEP 723 block makes nox
    install the pinned tool (here this checkout's HEAD, by its git URL) into its script env."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    project = tmp_path / "otherproject"
    shutil.copytree(ROOT / "demo", project, ignore=shutil.ignore_patterns("build", ".mesonpy*"))
    requirement = f"mesonmatrix @ git+file://{ROOT}@{head.stdout.strip()}"
    init = subprocess.run([sys.executable, "-m", "mesonmatrix", "init", "--no-lock", "--tool-requirement", requirement],
                          cwd=project, capture_output=True, text=True, timeout=300)
    assert init.returncode == 0, init.stderr[-3000:]
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "noxonly")], check=True)
    subprocess.run([str(tmp_path / "noxonly" / "bin" / "pip"), "install", "-q", "nox"], check=True, timeout=600)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(tmp_path / "noxonly" / "bin"), env.get("PATH", "")])
    listing = subprocess.run(["nox", "-l"], cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert listing.returncode == 0, listing.stdout[-2000:] + listing.stderr[-2000:]
    assert "build-3.12-openblas" in listing.stdout
    # Without script mode (as an older nox), one line naming what to install.
    old = subprocess.run(["nox", "-l"], cwd=project, env={**env, "NOX_SCRIPT_MODE": "none"}, capture_output=True,
                         text=True, timeout=300)
    assert old.returncode != 0 and "Traceback" not in old.stderr
    assert f"needs mesonmatrix beside nox: pip install '{requirement}'" in old.stderr
