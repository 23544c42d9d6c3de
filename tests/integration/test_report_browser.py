"""The HTML report, loaded in a real browser (Debian's headless Chromium): the grid shows
every cell of a real run with its status, and a screenshot is kept as an artifact."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

import pytest

import prerequisites
from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration
ARTIFACTS = ROOT / ".matrix" / "test-artifacts"


def chromium() -> str:
    return prerequisites.command("chromium", "chromium-browser", fix="sudo apt-get install -y chromium")


def browse(page, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1600,1000", *args, page.as_uri()],
            capture_output=True, text=True, timeout=120)


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
    cells = dict(re.findall(r'<td class="cell [a-z]+" data-session="([^"]+)" data-status="([a-z]+)"', dom))
    assert cells == {"build-3.12-openblas": "passed", "build-3.12-openblas-all": "failed",
                     "build-3.12-openblas-windows-amd64": "skipped"}
    assert "3 cells: 1 failed, 1 passed, 1 skipped" in dom
    assert "openblas (32-bit)" in dom and "<summary>error</summary>" in dom

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    browse(page, f"--screenshot={shot}")
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
