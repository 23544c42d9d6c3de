"""The latest and oldest dependency channels and the culprit search, on real cells of the
demo against a real local package index that serves one broken new release."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pkgindex import broken_release, serving, write_index

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration
CELL = "build-3.12-openblas-latest"


def culprit(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"MESONMATRIX_HOME": str(home), "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", "culprit", "--", *args],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=1800)


def test_a_broken_test_dependency_is_drift_and_the_culprit(tmp_path):
    index = write_index(tmp_path / "index", [broken_release("iniconfig", "99.0", "iniconfig 99.0 is broken")])
    home = tmp_path / "home"
    passing = run_nox_cell(home, CELL)  # PyPI alone: newest versions that work, kept as the good run
    assert passing.returncode == 0, passing.output[-3000:]
    good = tmp_path / "good.json"
    good.write_bytes(passing.record_path.read_bytes())
    with serving(index) as url:
        result = run_nox_cell(home, CELL, "--extra-index-url", url)
        assert result.returncode != 0, result.output[-3000:]
        deps = result.record["deps"]
        assert deps["channel"] == "latest" and deps["extra_index_urls"] == [url]
        drift = {d["name"]: d for d in deps["drift"]}
        assert drift["iniconfig"]["env"] == "test" and drift["iniconfig"]["resolved"] == "99.0"
        assert drift["iniconfig"]["locked"] == "2.3.1"  # what locks/demo/py3.12-test.txt pins
        test_env = {p["name"]: p for p in deps["test"]}
        assert test_env["iniconfig"]["index"] == url and test_env["pytest"]["index"].startswith("https://")
        found = culprit(home, CELL, "--good", str(good), "--extra-index-url", url)
    assert found.returncode == 0, (found.stdout + found.stderr)[-3000:]
    assert "culprit: iniconfig 2.3.1 -> 99.0 breaks build-3.12-openblas-latest: ImportError: iniconfig 99.0 is " \
           "broken" in found.stdout + found.stderr
    report = json.loads((result.record_path.parent / "culprit.json").read_text())
    assert report["good"] == f"the passing run {good}"
    assert report["finding"] == "culprit" and report["changes"] == [
        {"env": "test", "name": "iniconfig", "good": "2.3.1", "bad": "99.0"}]


def test_a_culprit_in_the_build_env(tmp_path):
    """A new pyproject-metadata that meson-python cannot import: the build fails, and the
    search (which tries test-env changes first) names the build env's package."""
    index = write_index(tmp_path / "index", [
        broken_release("pyproject-metadata", "99.0", "pyproject-metadata 99.0 is broken"),
        broken_release("iniconfig", "99.0", "iniconfig 99.0 is broken")])
    home = tmp_path / "home"
    with serving(index) as url:
        found = culprit(home, CELL, "--extra-index-url", url)
    output = found.stdout + found.stderr
    assert found.returncode == 0, output[-3000:]
    report = json.loads(next((home / "results").glob(f"demo*/{CELL}/culprit.json")).read_text())
    # Both broke a step; the build fails first, so its package is the one the failure needs.
    names = {(c["env"], c["name"]) for c in report["changes"]}
    assert ("build", "pyproject-metadata") in names, report
    assert report["finding"] in ("culprit", "pair"), report
    assert "pyproject-metadata" in report["line"] and report["line"] in output


def test_the_culprit_says_when_there_is_nothing_to_find(tmp_path):
    home = tmp_path / "home"
    found = culprit(home, CELL)
    assert found.returncode == 0, (found.stdout + found.stderr)[-3000:]
    assert f"culprit: none; {CELL} passes: there is nothing to find" in found.stdout + found.stderr


def test_bad_index_inputs_fail_in_one_line_before_any_env(tmp_path):
    home = tmp_path / "home"
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/simple"
    result = run_nox_cell(home, CELL, "--extra-index-url", dead)
    assert result.returncode != 0
    assert result.record["error"].startswith(f"resolving the build env: the package index {dead} cannot be reached")
    assert "\n" not in result.record["error"] and result.record["build_env"] is None
    assert not (home / "venvs").exists() or not any((home / "venvs").rglob("pyvenv.cfg"))
    # An index that has none of the build requirements: uv's own reason, in one line.
    index = write_index(tmp_path / "index", [broken_release("iniconfig", "99.0", "unused")])
    with serving(index) as url:
        result = run_nox_cell(home, CELL, "--index-url", url)
    assert result.record["error"].startswith("resolving the build env: no versions satisfy the requirements: "
                                             "Because "), result.record["error"]
    assert "\n" not in result.record["error"]
    assert not (result.record_path.parent / "resolved" / "build.txt").exists()
    # Not a URL: refused by the options, before the cell does anything.
    before = result.record_path.read_text()
    refused = subprocess.run([sys.executable, "-m", "nox", "-s", CELL, "--", "--extra-index-url", "nightly"],
                             cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "MESONMATRIX_HOME": str(home)})
    assert refused.returncode != 0 and "'nightly' is not a package index URL" in refused.stdout + refused.stderr
    assert result.record_path.read_text() == before


def test_oldest_tests_a_real_sdist_with_the_lowest_numpy_that_has_a_wheel(tmp_path):
    """contourpy 1.3.3 declares numpy >= 1.25; numpy 1.25 has no cp312 wheel, so the oldest
    cell on Python 3.12 tests the wheel with numpy 1.26.0, and says so."""
    from mesonmatrix.machine.commands import CommandRunner
    from mesonmatrix.machine.workspace import Workspace
    from mesonmatrix.targets.sdists import fetch_sdist

    cache = Workspace.default(ROOT).shared_cache
    sdist = fetch_sdist("contourpy", "1.3.3", "083e12155b210502d0bca491432bb04d56dc3432f95a979b429f2848c3dbe880",
                        cache, CommandRunner(log=tmp_path / "fetch.log"))
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas-oldest", "--target", str(sdist),
                          target_name="contourpy")
    assert result.returncode == 0, result.output[-3000:]
    deps = result.record["deps"]
    assert deps["channel"] == "oldest" and deps["resolved_files"].keys() == {"test"}  # the build is not resolved
    assert {p["name"]: p["version"] for p in deps["test"]}["numpy"] == "1.26.0"
    assert "oldest: numpy==1.26.0" in result.output
    assert result.record["tests"]["passed"] > 20 and result.record["tests"]["failed"] == 0


def test_credentials_are_hidden_and_a_rebuilt_locked_version_is_named(tmp_path):
    """A nightly index republishes a version: iniconfig 2.3.1 (the locked version) from
    another, broken file, behind an index URL with a token in it."""
    index = write_index(tmp_path / "index", [broken_release("iniconfig", "2.3.1", "rebuilt tonight, broken")])
    home = tmp_path / "home"
    with serving(index) as url:
        secret_url = url.replace("http://", "http://ci:s3cr3tTOKEN@")
        result = run_nox_cell(home, CELL, "--extra-index-url", secret_url)
        assert result.returncode != 0
        assert [d for d in result.record["deps"]["drift"] if d["rebuilt"]] == [
            {"env": "test", "name": "iniconfig", "locked": "2.3.1", "resolved": "2.3.1", "rebuilt": True}]
        found = culprit(home, CELL, "--extra-index-url", secret_url)
    output = found.stdout + found.stderr
    assert "culprit: iniconfig 2.3.1 rebuilt (another file than the lock's) (test env) breaks" in output, output[-2000:]
    assert "bad is what the run of" in output  # the failed record's resolution, not a second run
    written = [result.output, output, result.record_path.read_text(), Path(result.record["log"]).read_text()]
    assert not any("s3cr3tTOKEN" in text for text in written)
    assert "http://***@127.0.0.1" in result.record_path.read_text()
    # The next run of the cell forgets the search that explained the run it replaces.
    assert (result.record_path.parent / "culprit.json").is_file()
    run_nox_cell(home, CELL)
    assert not (result.record_path.parent / "culprit.json").exists()


def test_an_extra_index_that_serves_nothing_is_named(tmp_path):
    index = write_index(tmp_path / "index", [broken_release("iniconfig", "99.0", "unused")])
    with serving(index) as url:
        result = run_nox_cell(tmp_path / "home", CELL, "--extra-index-url", url.replace("/simple", "/simpel"))
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["deps"]["warnings"] == [
        f"the index {url.replace('/simple', '/simpel')} served none of the requirements: check its URL (each "
        "package came from another index)"]
