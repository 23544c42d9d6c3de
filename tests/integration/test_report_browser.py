"""The HTML report, loaded in a real browser (Debian's headless Chromium): the grid shows
every cell of a real run with its status, and a screenshot is kept as an artifact."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from browser import ARTIFACTS, browse, chromium
from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration

def test_report_grid_in_a_browser(tmp_path):
    chromium()  # before any build: a missing browser skips (or, in CI, fails) at once
    home = tmp_path / "home"
    assert run_nox_cell(home, "build-3.12-openblas").returncode == 0
    run_nox_cell(home, "build-3.12-openblas-all", env={"PKG_CONFIG_PATH": ""})  # fails: no system kahan
    run_nox_cell(home, "build-3.12-openblas-windows-amd64")  # skipped on this host
    env = dict(os.environ, MESONMATRIX_HOME=str(home))
    subprocess.run([sys.executable, "-m", "nox", "-s", "report"], cwd=ROOT, env=env, check=True, capture_output=True)
    page = home / "report" / "index.html"

    dom = browse(page, "--dump-dom").stdout
    box = r'<td class="cell [a-z]+" id="cell-[^"]+" data-session="([^"]+)" data-status="([a-z]+)"'
    cells = dict(re.findall(box, dom))
    assert cells == {"build-3.12-openblas": "passed", "build-3.12-openblas-all": "failed",
                     "build-3.12-openblas-windows-amd64": "skipped"}
    # Every other cell of the matrix is listed as not run.
    total, not_run = map(int, re.search(r"(\d+) cells: 1 failed, 1 passed, 1 skipped, (\d+) not run", dom).groups())
    assert total == not_run + 3 and not_run > 10
    assert 'data-session="build-3.12-netlib" data-status="not-run"' in dom
    assert "openblas (32-bit)" in dom and "<summary>error</summary>" in dom

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    browse(page, f"--screenshot={shot}")
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
