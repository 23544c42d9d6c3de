"""The report's views on real cells: a test that fails only with one BLAS flavour is
found in the cells' JUnit files and described by what sets that cell apart; given the
previous run's summary.json, the cell and the test are marked as changed; the page is
static (nothing fetched) and a browser renders the status grid and the diff."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from browser import ARTIFACTS, browse, chromium
from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """Two flavours of a demo copy with one test that fails when BLIS is loaded."""
    base = tmp_path_factory.mktemp("report-views")
    project = base / "blasdemo"
    shutil.copytree(ROOT / "demo", project)
    tests = project / "src" / "blasdemo" / "tests"
    (tests / "test_flavour.py").write_text(
        "import blasdemo\n\n\ndef test_not_with_blis():\n"
        "    blasdemo.solve([[2.0]], [2.0])\n"
        "    assert 'libblis' not in open('/proc/self/maps').read()\n")
    meson = tests / "meson.build"
    meson.write_text(meson.read_text().replace("'test_kahan.py']", "'test_kahan.py', 'test_flavour.py']"))
    home = base / "home"
    for session in ("build-3.12-openblas", "build-3.12-blis"):
        run_nox_cell(home, session, "--target", str(project), target_name="blasdemo")
    return home


def report(home, *args):
    env = dict(os.environ, MESONMATRIX_HOME=str(home))
    out = subprocess.run([sys.executable, "-m", "nox", "-s", "report", "--", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads((home / "report" / "summary.json").read_text())


def test_a_test_failing_with_one_flavour_is_named_with_that_flavour(home):
    summary = report(home)
    statuses = {c["session"]: c["status"] for c in summary["cells"]}
    assert statuses == {"build-3.12-openblas": "passed", "build-3.12-blis": "failed"}
    (diff,) = summary["differing_tests"]
    assert diff["test"].endswith("test_flavour::test_not_with_blis") and diff["summary"] == "fails only with blis"
    assert diff["outcomes"] == {"build-3.12-openblas": "passed", "build-3.12-blis": "failed"}
    assert summary["failing_tests"] == {"build-3.12-blis": [diff["test"]]}
    markdown = (home / "report" / "summary.md").read_text()
    assert "test_not_with_blis" in markdown and "fails only with blis" in markdown


def test_history_marks_the_cell_and_the_test_that_changed(home, tmp_path):
    last_night = report(home)
    for cell in last_night["cells"]:
        cell["status"] = "passed"
    last_night["failing_tests"] = {}
    previous = tmp_path / "summary.json"
    previous.write_text(json.dumps(last_night))
    summary = report(home, "--previous", str(previous))
    assert summary["changed_cells"] == [{"session": "build-3.12-blis", "before": "passed", "after": "failed"}]
    assert summary["differing_tests"][0]["new"] is True
    page = (home / "report" / "index.html").read_text()
    assert "build-3.12-blis: passed → failed" in page and 'class="failed changed"' in page


def test_the_page_is_static_and_renders_grid_and_diff(home):
    chromium()
    report(home)
    page = home / "report" / "index.html"
    text = page.read_text()
    # Nothing is fetched at view time: no script, no remote URL, no external stylesheet or font.
    assert "<script" not in text and not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    dom = browse(page, "--dump-dom").stdout
    assert len(re.findall(r'<a class="(passed|failed)[^"]*" href="#cell-', dom)) == 2
    assert "fails only with blis" in dom and 'id="stage-times"' in dom and 'id="wheel-sizes"' in dom
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, size in (("report-grid.png", "1440,900"), ("report-diff.png", "1280,1600")):
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        browse(page, f"--window-size={size}", f"--screenshot={shot}")
        assert shot.is_file() and shot.stat().st_size > 10_000
