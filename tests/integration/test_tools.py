"""The non-cell sessions, for real: rebuild-and-compare, report, clean."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration


def nox(home, *args):
    env = dict(os.environ, MESONMATRIX_HOME=str(home), UV_PYTHON_DOWNLOADS="never")
    return subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("tools-home")


def test_demo_rebuilt_from_a_fresh_build_dir_is_identical(home):
    out = nox(home, "-s", "rebuild-compare", "--", "build-3.12-openblas")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    report = json.loads((home / "compare" / "demo" / "build-3.12-openblas.json").read_text())
    assert report["identical"] is True
    (wheel,) = report["wheels"]
    assert wheel["sha256_a"] == wheel["sha256_b"] and wheel["a"] != wheel["b"]


def test_rebuild_compare_leaves_the_cells_own_record_alone(home):
    assert not (home / "results" / "demo" / "build-3.12-openblas").exists()
    assert len(list((home / "rebuild" / "build-3.12-openblas").rglob("result.json"))) == 2


def test_report_shows_every_recorded_cell(home):
    assert run_nox_cell(home, "build-3.12-openblas").returncode == 0
    run_nox_cell(home, "build-3.12-openblas-macos-arm64")  # a skipped cell belongs in the grid too
    out = nox(home, "-s", "report")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    page = (home / "report" / "index.html").read_text()
    assert 'data-session="build-3.12-openblas"' in page and 'data-status="passed"' in page
    assert 'data-session="build-3.12-openblas-macos-arm64"' in page and 'data-status="skipped"' in page
    summary = json.loads((home / "report" / "summary.json").read_text())
    assert summary["counts"]["passed"] >= 1 and summary["counts"]["skipped"] >= 1
    assert "| `build-3.12-openblas` | demo | ✅ passed |" in (home / "report" / "summary.md").read_text()


def test_clean_removes_what_the_tool_made_and_says_how_much(home, tmp_path):
    """``home`` existed before the tool used it (pytest made it): what the tool made in it
    goes, the folder and what the tool did not make stay. The shared cache here is one the
    tool makes itself (a cell's session makes it), so it goes whole."""
    env_cache = tmp_path / "cache"
    (home / "photos").mkdir()
    (home / "photos" / "beach.jpg").write_bytes(b"jpeg")
    ccache_store = tmp_path / "ccache"
    (ccache_store / "0").mkdir(parents=True)
    (ccache_store / "0" / "obj").write_bytes(b"0" * 3_000_000)
    env = dict(os.environ, MESONMATRIX_HOME=str(home), MESONMATRIX_CACHE=str(env_cache), CCACHE_DIR=str(ccache_store))
    made = subprocess.run([sys.executable, "-c", "import sys, pathlib; sys.path.insert(0, sys.argv[1]);"
                           "from mesonmatrix.machine.workspace import Workspace;"
                           "Workspace.default(pathlib.Path(sys.argv[2]))", str(ROOT / "src"), str(ROOT)], env=env)
    assert made.returncode == 0
    (env_cache / "envs" / "py3.12-0123456789ab").mkdir()
    (env_cache / "envs" / "py3.12-0123456789ab" / "x").write_bytes(b"0" * 2_000_000)
    out = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "clean"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    # Other checkouts use the shared cache: it goes only when asked for.
    assert sorted(p.name for p in home.iterdir()) == ["photos"] and (home / "photos" / "beach.jpg").exists()
    assert (env_cache / "envs" / "py3.12-0123456789ab" / "x").exists()
    assert f"left in {home}: photos/ (not the tool's)" in out.stdout + out.stderr
    assert "kept the shared cache" in out.stdout + out.stderr
    out = subprocess.run([sys.executable, "-m", "nox", "-s", "clean", "--", "--shared-cache"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0 and not env_cache.exists()
    # Its size is said: the 2 MB env, and the tool's own bytecode when PYTHONDONTWRITEBYTECODE
    # sends it there (machine/bytecode.py).
    removed = re.search(rf"removed {re.escape(str(env_cache))} \(.*?\): ([0-9.]+) MB", out.stdout + out.stderr)
    assert removed and float(removed.group(1)) >= 2.0, out.stdout + out.stderr
    if shutil.which("ccache"):
        # ccache's store is shared with other projects: reported with its size, never removed.
        assert f"left alone: ccache's store {ccache_store}: 3.0 MB" in out.stdout + out.stderr
        assert (ccache_store / "0" / "obj").exists()


def test_clean_refuses_while_a_cell_holds_its_locks(home, tmp_path):
    from mesonmatrix.machine.workspace import Workspace

    Workspace.default(ROOT, home)  # the workspace as a session makes it: its folders marked the tool's
    results = home / "results" / "demo" / "build-3.12-openblas"
    results.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib; sys.path.insert(0, sys.argv[1]);"
        "from mesonmatrix.machine.locking import exclusive_lock;"
        "cm = exclusive_lock(pathlib.Path(sys.argv[2]), print); cm.__enter__(); print('held', flush=True);"
        "time.sleep(60)"), str(ROOT / "src"), str(results)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = dict(os.environ, MESONMATRIX_HOME=str(home), MESONMATRIX_CACHE=str(tmp_path / "cache"))
        out = subprocess.run([sys.executable, "-m", "nox", "-s", "clean"], cwd=ROOT, env=env, capture_output=True,
                             text=True)
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode != 0 and results.is_dir()
    assert f"in use by pid {holder.pid}" in out.stdout + out.stderr
